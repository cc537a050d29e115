import { db } from "@/lib/db";
import type { ItemRunner } from "@/lib/jobs";
import { logger } from "@/lib/log";
import { parseFleetQuery, verifiableNodes } from "./index";
import { startVerifyJob } from "./verify-job";

// Scheduled verification of the active fleet (issue #10 item 18): without it
// the fleet's first view says "0 failing" about nodes nobody has checked. Every
// K2OPS_VERIFY_EVERY_MINUTES (default 30; 0 = off) the nodes "Verify all" would
// take get one "verify" job, created by "schedule", unless a verify job is
// already running. An in-process timer like scheduleFleetSync; issue #12 moves
// both schedules to pg-boss (one runner across console instances).

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

let active: (() => void) | null = null;

/**
 * Starts the schedule in this process; returns its stop function, or null when
 * it is off (0 minutes) or already started. The first run comes `firstDelayMs`
 * after start (default 20 s: after the first sync from Center); while the fleet
 * is still empty it looks again every `retryEmptyMs` (default 60 s) until a
 * first job has started. Runs never overlap: the next is timed when one ends.
 */
export function scheduleFleetVerify(
  opts: { everyMinutes?: number; firstDelayMs?: number; retryEmptyMs?: number; runner?: ItemRunner; onRun?: (r: ScheduledVerifyResult) => void } = {},
): (() => void) | null {
  const minutes = opts.everyMinutes ?? verifyEveryMinutes();
  if (!minutes || active) return null;
  const every = minutes * 60_000;
  let stopped = false;
  let started = false;
  let timer: NodeJS.Timeout;
  const arm = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const tick = async () => {
    let next = every;
    try {
      const r = await runScheduledVerify({ runner: opts.runner });
      if (r.status === "started") started = true;
      // nothing synced yet right after start: look again soon, not in half an hour
      else if (r.status === "empty" && !started) next = Math.min(every, opts.retryEmptyMs ?? 60_000);
      if (r.status === "skipped") logger.info({ jobId: r.runningJobId }, "scheduled verification skipped: a verify job is running");
      if (r.status === "started") logger.info({ jobId: r.jobId, nodes: r.nodes }, "scheduled verification started");
      opts.onRun?.(r);
    } catch (e) {
      logger.warn({ err: e }, "scheduled verification could not start; trying again at the next interval");
    }
    arm(next);
  };
  arm(opts.firstDelayMs ?? 20_000);
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    if (active === stop) active = null;
  };
  active = stop;
  return stop;
}
