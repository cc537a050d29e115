import { logger } from "@/lib/log";
import { startJobEngine, type StartEngineOptions } from "./engine";

// The job engine as a console process runs it: workers for every job kind and
// the recurring schedules. Kinds are registered by importing their modules.

/** Registers every job kind this console knows (each module calls defineJobKind). */
export async function registerJobKinds(): Promise<void> {
  await import("@/lib/fleet/verify-job");
  await import("@/lib/rollout/kind");
  await import("@/lib/fleet-reports/kinds");
  await import("@/lib/provisioning/run");
}

/** Starts the engine with every kind and the schedules (fleet sync, verification). */
export async function startConsoleJobs(opts: StartEngineOptions = {}): Promise<void> {
  await registerJobKinds();
  await startJobEngine(opts);
  if (opts.schedules === false) return;
  const { scheduleFleetSync } = await import("@/lib/fleet/sync");
  const { scheduleFleetVerify } = await import("@/lib/fleet/verify-schedule");
  const sync = await scheduleFleetSync();
  // the fleet's first view must not say "0 failing" about nodes nobody checked (K2OPS_VERIFY_EVERY_MINUTES)
  const verify = await scheduleFleetVerify();
  await (await import("@/lib/metering/schedule")).scheduleMeterPoll(); // K2OPS_METER_POLL_MINUTES (default 5, 0 = off)
  await (await import("@/lib/provisioning/watch")).scheduleWorkItemWatch(); // new queued work items → the notification channels
  logger.info({ sync, verify }, "schedules registered");
}
