// A job worker process: the console's job engine (every job kind, the
// schedules) without the web server. Run any number of these, and/or console
// replicas, against one PostgreSQL database: they share node steps (pg-boss),
// and a step whose process died is resumed by another one.
//   DATABASE_URL=postgresql://… K2OPS_SSH_KEY_PATH=… KAITU_CENTER_URL=… npm run worker
// K2OPS_WORKER_SCHEDULES=0 leaves the schedules to the other processes.
// Its V8 heap is bounded like the console server's (K2OPS_MAX_HEAP_MB, default 384): the
// launcher re-runs this file in a child node with --max-old-space-size and passes signals on.
import { spawn } from "node:child_process";
import v8 from "node:v8";
import { consoleHeapMb } from "@/lib/config";
import { registerSecretsFromEnv } from "@/lib/redact";
import { logger } from "@/lib/log";

const BOUNDED = "K2OPS_WORKER_BOUNDED";

/** Re-runs this worker in a child node with the bounded heap (MiB); exits with the child's exit code. */
function launchBounded(heapMb: number): void {
  const child = spawn(process.execPath, [...process.execArgv, `--max-old-space-size=${heapMb}`, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, [BOUNDED]: "1" },
  });
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function main(): Promise<void> {
  registerSecretsFromEnv();
  logger.info({ heapLimitMb: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20) }, "worker starting");
  if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL is not set (the worker needs the console's database)");
  // registered with a heartbeat: intents this worker writes are not taken for a dead process's
  await (await import("@/lib/audit/process")).startProcessHeartbeat(new Date());
  const { startConsoleJobs } = await import("@/lib/jobs/console");
  const { stopJobEngine } = await import("@/lib/jobs/engine");
  await startConsoleJobs({ schedules: process.env.K2OPS_WORKER_SCHEDULES !== "0" });
  const stop = async (sig: string) => {
    logger.info({ sig }, "worker stopping: steps in flight finish first");
    await stopJobEngine({ timeoutMs: 60_000 });
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

function start(): Promise<void> {
  if (process.env[BOUNDED] === "1") return main();
  // a bad K2OPS_MAX_HEAP_MB stops the start before anything runs (consoleHeapMb throws)
  launchBounded(consoleHeapMb());
  return Promise.resolve();
}

start().catch((e) => {
  logger.error({ err: e instanceof Error ? e : new Error(JSON.stringify(e)) }, "worker failed to start");
  process.exit(1);
});
