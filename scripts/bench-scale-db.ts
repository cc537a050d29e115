// The embedded database of bench:scale (scripts/bench-console-scale.ts), in a
// process of its own as the launcher runs it beside the console (scripts/console.ts):
// PGlite on a Unix socket in <dir>, migrations applied. Prints one JSON line
// {"url":…} when ready; stops (cleanly) when stdin closes or on SIGTERM.
//   tsx scripts/bench-scale-db.ts <dir>
import readline from "node:readline";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { applyMigrations } from "@/lib/db/migrate";

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error("usage: bench-scale-db.ts <data dir>");
  const pg = await startEmbeddedPostgres({ dataDir: dir });
  await applyMigrations(pg.url);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await pg.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", () => console.log(JSON.stringify({ rss: process.memoryUsage().rss })));
  rl.on("close", () => void stop());
  console.log(JSON.stringify({ url: pg.url }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
