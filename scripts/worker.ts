// A job worker process: the console's job engine (every job kind, the
// schedules) without the web server. Run any number of these, and/or console
// replicas, against one PostgreSQL database: they share node steps (pg-boss),
// and a step whose process died is resumed by another one.
//   DATABASE_URL=postgresql://… K2OPS_SSH_KEY_PATH=… KAITU_CENTER_URL=… npm run worker
// K2OPS_WORKER_SCHEDULES=0 leaves the schedules to the other processes.
// Its V8 heap is bounded like the console server's: `npm run worker` starts node with
// --max-old-space-size=$K2OPS_MAX_HEAP_MB (default 384), in this one process, so a supervisor's
// SIGKILL ends the worker and everything it runs at once (a re-exec would leave an orphan running).
import v8 from "node:v8";
import { consoleHeapMb } from "@/lib/config";
import { registerSecretsFromEnv } from "@/lib/redact";
import { logger } from "@/lib/log";

async function main(): Promise<void> {
  registerSecretsFromEnv();
  // a bad K2OPS_MAX_HEAP_MB stops the start before anything runs (consoleHeapMb throws)
  const bound = consoleHeapMb();
  const heapLimitMb = Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
  logger.info({ heapLimitMb }, "worker starting");
  // V8's limit is old space plus the young generation: far above the bound means no bound was given
  if (heapLimitMb > bound + 256) logger.warn({ heapLimitMb, bound }, "worker started without --max-old-space-size: start it with npm run worker");
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

main().catch((e) => {
  logger.error({ err: e instanceof Error ? e : new Error(JSON.stringify(e)) }, "worker failed to start");
  process.exit(1);
});
