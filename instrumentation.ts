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
    const { markInterruptedJobs } = await import("@/lib/jobs");
    const { markInterruptedAudit } = await import("@/lib/audit");
    const jobs = await markInterruptedJobs().catch(() => 0);
    const intents = await markInterruptedAudit(startedAt).catch(() => 0);
    if (jobs || intents) logger.warn({ jobs, intents }, "marked work of a previous console process as interrupted");
    // also when started with `next start` directly rather than the launcher
    const { ensureFirstAdmin } = await import("@/lib/auth/users");
    await ensureFirstAdmin()
      .then((r) => r === "created" && logger.info({ email: process.env.K2OPS_ADMIN_EMAIL }, "first admin created from the environment"))
      .catch((e) => logger.error({ err: e }, "first admin from the environment could not be created"));
    const { scheduleFleetSync } = await import("@/lib/fleet/sync");
    scheduleFleetSync();
    // the fleet's first view must not say "0 failing" about nodes nobody checked (K2OPS_VERIFY_EVERY_MINUTES)
    const { scheduleFleetVerify } = await import("@/lib/fleet/verify-schedule");
    scheduleFleetVerify();
  }
}
