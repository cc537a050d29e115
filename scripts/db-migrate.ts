// Applies pending migrations: to DATABASE_URL when set, else to the embedded
// database's data folder (.data/pglite by default). Works offline.
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { applyMigrations } from "@/lib/db/migrate";
import { embeddedDataDir } from "@/lib/config";

const url = process.env.DATABASE_URL;
const pg = url ? null : await startEmbeddedPostgres({ dataDir: embeddedDataDir() });
try {
  const applied = await applyMigrations(url ?? pg!.url);
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
} finally {
  await pg?.stop();
}
