// Runs once when the Next.js server starts.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { registerSecretsFromEnv } = await import("@/lib/redact");
  // every secret in the environment is masked wherever it might appear later
  registerSecretsFromEnv();
  if (process.env.DATABASE_URL) {
    const { markInterruptedJobs } = await import("@/lib/jobs");
    await markInterruptedJobs().catch(() => undefined);
    const { scheduleFleetSync } = await import("@/lib/fleet/sync");
    scheduleFleetSync();
  }
}
