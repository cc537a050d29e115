// Runs once when the Next.js server starts.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { registerSecretsFromEnv } = await import("@/lib/redact");
  // every secret in the environment is masked wherever it might appear later
  registerSecretsFromEnv();
  if (process.env.DATABASE_URL) {
    // nothing has been served yet: every unfinished job or audit intent is a previous process's
    const startedAt = new Date();
    const { logger } = await import("@/lib/log");
    // this process's heartbeat; intents of a process that stopped (not a live replica's) become interrupted, now and every minute
    const { startProcessHeartbeat } = await import("@/lib/audit/process");
    const intents = await startProcessHeartbeat(startedAt).catch((e) => {
      logger.error({ err: e }, "the console process heartbeat could not start");
      return 0;
    });
    if (intents) logger.warn({ intents }, "marked audit intents of a stopped console process as interrupted");
    // also when started with `next start` directly rather than the launcher
    const { ensureFirstAdmin } = await import("@/lib/auth/users");
    await ensureFirstAdmin()
      .then((r) => r === "created" && logger.info({ email: process.env.K2OPS_ADMIN_EMAIL }, "first admin created from the environment"))
      .catch((e) => logger.error({ err: e }, "first admin from the environment could not be created"));
    // durable jobs: this process takes node steps of any job (a previous process's unfinished ones resume)
    // and runs the recurring schedules (fleet sync, verification), once per schedule across processes
    const { startConsoleJobs } = await import("@/lib/jobs/console");
    await startConsoleJobs().catch((e) => logger.error({ err: e }, "the job engine could not start: fleet jobs and schedules will not run in this process"));
  }
}
