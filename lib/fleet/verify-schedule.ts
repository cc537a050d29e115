import { db } from "@/lib/db";
import type { ItemRunner } from "@/lib/jobs";
import { logger } from "@/lib/log";
import { parseFleetQuery, verifiableNodes } from "./index";
import { startVerifyJob } from "./verify-job";

// Scheduled verification of the active fleet (issue #10 item 18): without it
// the fleet's first view says "0 failing" about nodes nobody has checked. Every
// K2OPS_VERIFY_EVERY_MINUTES (default 30; 0 = off) the nodes "Verify all" would
// take get one "verify" job, created by "schedule", unless a verify job is
// already running. The schedule lives on the job engine (pg-boss), so one run
// happens per interval across all console processes.

/** Who a scheduled job is created by (Job.createdBy, VerificationRun.triggeredBy). */
export const SCHEDULE_ACTOR = "schedule";

const DEFAULT_MINUTES = 30;

/** K2OPS_VERIFY_EVERY_MINUTES as minutes: unset/empty = 30, 0 = off; a value that is not a number >= 0 falls back to 30 (and says so). */
export function verifyEveryMinutes(raw: string | undefined = process.env.K2OPS_VERIFY_EVERY_MINUTES): number {
  if (raw === undefined || raw.trim() === "") return DEFAULT_MINUTES;
  const n = Number(raw);
  if (Number.isFinite(n) && n >= 0) return n;
  logger.warn({ value: raw }, `K2OPS_VERIFY_EVERY_MINUTES is not a number of minutes; using ${DEFAULT_MINUTES}`);
  return DEFAULT_MINUTES;
}

/** The verify job that is queued or running now (any trigger), if one is. */
export async function runningVerifyJob(): Promise<{ id: string; createdBy: string } | null> {
  return db().job.findFirst({ where: { kind: "verify", status: { in: ["queued", "running"] } }, orderBy: { createdAt: "desc" }, select: { id: true, createdBy: true } });
}

export type ScheduledVerifyResult =
  | { status: "started"; jobId: string; nodes: number; done: Promise<void> }
  | { status: "skipped"; runningJobId: string }
  | { status: "empty" };

/**
 * One scheduled run: a "verify" job of the active fleet (the nodes "Verify all"
 * takes without filters), skipped while a verify job runs, nothing when the
 * fleet has no active node. `runner` replaces the SSH checklist (tests).
 */
export async function runScheduledVerify(opts: { runner?: ItemRunner } = {}): Promise<ScheduledVerifyResult> {
  const running = await runningVerifyJob();
  // a fleet-wide pass while another is under way would only double the SSH load
  if (running) return { status: "skipped", runningJobId: running.id };
  const nodes = await verifiableNodes(parseFleetQuery({}));
  if (!nodes.length) return { status: "empty" };
  const { jobId, done } = await startVerifyJob(nodes, { createdBy: SCHEDULE_ACTOR, runner: opts.runner, params: { trigger: SCHEDULE_ACTOR } });
  return { status: "started", jobId, nodes: nodes.length, done };
}

/** The queue of scheduled verification runs (one run at a time across console processes). */
export const VERIFY_SCHEDULE_QUEUE = "k2ops-verify-fleet";

/** A cron expression for "every `minutes` minutes" (pg-boss schedules are minute-grained; at least 1 minute). */
export function everyMinutesCron(minutes: number): string {
  const m = Math.max(1, Math.round(minutes));
  if (m < 60) return `*/${m} * * * *`;
  const h = Math.max(1, Math.round(m / 60));
  return h < 24 ? `0 */${h} * * *` : "0 0 * * *";
}

/**
 * Puts the schedule on the job engine (pg-boss): every K2OPS_VERIFY_EVERY_MINUTES
 * one run across all console processes, and a first run `firstDelayMs` after
 * start (default 20 s: after the first sync from Center), deduplicated across
 * processes starting together. While the fleet is still empty a run looks again
 * after `retryEmptyMs` (default 60 s) until a first job has started. Returns
 * false when the schedule is off (0 minutes; an earlier schedule is removed).
 */
export async function scheduleFleetVerify(opts: { everyMinutes?: number; firstDelayMs?: number; retryEmptyMs?: number; runner?: ItemRunner; onRun?: (r: ScheduledVerifyResult) => void } = {}): Promise<boolean> {
  const { engine } = await import("@/lib/jobs/engine");
  const e = engine();
  if (!e) throw new Error("the job engine is not running in this process");
  const minutes = opts.everyMinutes ?? verifyEveryMinutes();
  const boss = e.boss;
  if (!(await boss.getQueue(VERIFY_SCHEDULE_QUEUE))) await boss.createQueue(VERIFY_SCHEDULE_QUEUE, { policy: "singleton", retryLimit: 0 } as never);
  if (!minutes) {
    await boss.unschedule(VERIFY_SCHEDULE_QUEUE).catch(() => undefined);
    return false;
  }
  await boss.work<{ retry?: boolean }>(VERIFY_SCHEDULE_QUEUE, { pollingIntervalSeconds: 1 } as never, async ([job]) => {
    try {
      const r = await runScheduledVerify({ runner: opts.runner });
      if (r.status === "started") logger.info({ jobId: r.jobId, nodes: r.nodes }, "scheduled verification started");
      if (r.status === "skipped") logger.info({ jobId: r.runningJobId }, "scheduled verification skipped: a verify job is running");
      // nothing synced yet right after start: look again soon, not at the next interval
      if (r.status === "empty" && !(await db().job.count({ where: { kind: "verify", createdBy: SCHEDULE_ACTOR } }))) {
        await boss.send(VERIFY_SCHEDULE_QUEUE, { retry: true }, { startAfter: new Date(Date.now() + (opts.retryEmptyMs ?? 60_000)) });
      }
      opts.onRun?.(r);
    } catch (err) {
      logger.warn({ err, retry: job.data?.retry }, "scheduled verification could not start; trying again at the next interval");
    }
  });
  await boss.schedule(VERIFY_SCHEDULE_QUEUE, everyMinutesCron(minutes));
  // the first run: one for all processes starting now (the queue keeps one queued at a time)
  await boss.send(VERIFY_SCHEDULE_QUEUE, {}, { startAfter: new Date(Date.now() + (opts.firstDelayMs ?? 20_000)), singletonKey: "first-run", singletonSeconds: 120 } as never);
  return true;
}
