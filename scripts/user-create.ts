// Creates a local account:  npm run user:create -- --email a@b.c --role admin [--name "A B"]
// The password is read from K2OPS_NEW_USER_PASSWORD or from standard input, never
// from the command line (it would show in `ps` and shell history).
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { applyMigrations } from "@/lib/db/migrate";
import { embeddedDataDir } from "@/lib/config";

const args = process.argv.slice(2);
const opt = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("password: ");
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").split("\n")[0] ?? "";
}

const password = process.env.K2OPS_NEW_USER_PASSWORD || (await readStdin());
const embedded = process.env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: embeddedDataDir() });
process.env.DATABASE_URL ??= embedded!.url;
try {
  await applyMigrations(process.env.DATABASE_URL);
  const { createUser, newUserSchema } = await import("@/lib/auth/users");
  const parsed = newUserSchema.safeParse({ email: opt("--email"), name: opt("--name") ?? "", role: opt("--role") ?? "viewer", password });
  if (!parsed.success) {
    for (const i of parsed.error.issues) console.error(`${i.path.join(".") || "input"}: ${i.message}`);
    process.exitCode = 2;
  } else {
    const u = await createUser(parsed.data);
    console.log(`created ${u.email} (${u.role})`);
  }
} catch (e) {
  console.error(e instanceof Error && /Unique constraint/.test(e.message) ? "a user with that email already exists" : e);
  process.exitCode = 1;
} finally {
  const { db } = await import("@/lib/db");
  await db().$disconnect().catch(() => undefined);
  await embedded?.stop();
}
