// The embedded database of bench:scale (scripts/bench-console-scale.ts), in a
// process of its own as the launcher runs it beside the console (scripts/console.ts):
// PGlite on a Unix socket in <dir>, migrations applied. Prints one JSON line
// {"url":…} when ready; stops (cleanly) when stdin closes or on SIGTERM.
// --postgres: a throw-away PostgreSQL 15 server instead (scripts/pg-test-server.sh, in <dir>, port
// 55439), as a production console would run on; its postmaster's and children's RSS is what "rss" reports.
//   tsx scripts/bench-scale-db.ts <dir> [--postgres]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { applyMigrations } from "@/lib/db/migrate";

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error("usage: bench-scale-db.ts <data dir>");
  const postgres = process.argv.includes("--postgres");
  const pg = postgres
    ? {
        url: execFileSync("bash", ["scripts/pg-test-server.sh", "start", dir, "55439"], { encoding: "utf8" }).trim(),
        stop: async () => void execFileSync("bash", ["scripts/pg-test-server.sh", "stop", dir]),
      }
    : await startEmbeddedPostgres({ dataDir: dir });
  await applyMigrations(pg.url);
  /** bytes: this process, or the PostgreSQL server's postmaster and its children (not another server's) */
  const rss = () => {
    if (!postgres) return process.memoryUsage().rss;
    const pid = fs.readFileSync(path.join(dir, "postmaster.pid"), "utf8").split("\n")[0].trim();
    const kb = (argv: string[]) => execFileSync("ps", ["-o", "rss=", ...argv], { encoding: "utf8" }).split("\n").reduce((a, l) => a + (Number(l) || 0), 0);
    return (kb(["-p", pid]) + kb(["--ppid", pid])) * 1024;
  };
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
  rl.on("line", () => console.log(JSON.stringify({ rss: rss() })));
  rl.on("close", () => void stop());
  console.log(JSON.stringify({ url: pg.url }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
