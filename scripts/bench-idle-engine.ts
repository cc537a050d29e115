// Benchmark (not a test): what an idle job engine costs (issue 17). The embedded database in a
// process of its own (scripts/bench-scale-db.ts, as the launcher runs it), this process starts the
// job engine with N node-step workers and its schedules, waits 15 s, then prints the CPU this
// process and the database spent per second over 20 s: the cost of the workers' polls and the
// engine's own timers while no job runs.
//   npx tsx scripts/bench-idle-engine.ts [N=256]
import fs from "node:fs";
import { child } from "./bench-child";
import { processCpuMs } from "./bench-cpu";

const N = Number(process.argv[2] ?? 256);
async function main(): Promise<void> {
  fs.rmSync("/tmp/k2ops-bench-idle/db", { recursive: true, force: true });
  const db = child("scripts/bench-scale-db.ts", ["/tmp/k2ops-bench-idle/db"]);
  const { url } = (await db.first) as { url: string };
  process.env.DATABASE_URL = url;
  const { startJobEngine, stopJobEngine } = await import("@/lib/jobs/engine");
  await startJobEngine({ databaseUrl: url, localConcurrency: N, schedules: true });
  await new Promise((r) => setTimeout(r, 15_000));
  const c0 = process.cpuUsage();
  const d0 = processCpuMs(db.proc.pid!);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 20_000));
  const c = process.cpuUsage(c0);
  const d = processCpuMs(db.proc.pid!) - d0;
  const s = (performance.now() - t0) / 1000;
  console.log(`${N} step workers idle: console ${((c.user + c.system) / 1000 / s).toFixed(0)} ms CPU/s, embedded database ${(d / s).toFixed(0)} ms CPU/s`);
  await stopJobEngine({ timeoutMs: 2000 });
  db.proc.stdin?.end();
  process.exit(0);
}
void main();
