// A job worker process: the console's job engine (every job kind, the
// schedules) without the web server. Run any number of these, and/or console
// replicas, against one PostgreSQL database: they share node steps (pg-boss),
// and a step whose process died is resumed by another one.
//   DATABASE_URL=postgresql://… K2OPS_SSH_KEY_PATH=… KAITU_CENTER_URL=… npm run worker
// K2OPS_WORKER_SCHEDULES=0 leaves the schedules to the other processes.
import { registerSecretsFromEnv } from "@/lib/redact";
import { logger } from "@/lib/log";

async function main(): Promise<void> {
  registerSecretsFromEnv();
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
