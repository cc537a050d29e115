import type { AdvanceDecision, ItemView, JobView } from "@/lib/jobs/kinds";
import { IN_FLIGHT_ITEM, TERMINAL_ITEM } from "@/lib/jobs/kinds";
import { msg } from "@/lib/text";
import { failureLimitOf, strategySchema } from "./strategy";

// How a rollout moves on (pure; the job engine calls it under the job's row lock
// whenever a node step ends, on a timed wake-up, and on every sweep):
// - the lowest batch with unfinished nodes is the active one; a batch starts only
//   when every earlier batch has finished (retried nodes of an earlier batch first);
// - batch 0 is the canary; after it, a manual promotion waits for an operator;
// - between batches the stagger sleep (nextBatchAt) runs out first;
// - the failure threshold is checked before any new batch starts: reaching it,
//   or a finished batch where every node failed, halts the rollout (no new node
//   starts; nodes in flight finish; the operator resumes, retries or cancels);
// - paused and halted rollouts start nothing.

/** Failed-for-the-threshold: failed outright, or reverted to what they ran before. */
export const FAILED_ITEM = new Set(["failed", "reverted"]);

export function rolloutAdvance(job: JobView, items: ItemView[], now = new Date()): AdvanceDecision {
  const strategy = strategySchema.parse(stripServerFields(job.strategy));
  const accepted = Number((job.strategy as { acceptedFailures?: number } | null)?.acceptedFailures ?? 0);
  const live = items.filter((i) => i.status !== "skipped");
  const inFlight = live.filter((i) => IN_FLIGHT_ITEM.has(i.status));
  const failures = live.filter((i) => FAILED_ITEM.has(i.status)).length;

  if (job.cancelRequested) {
    if (inFlight.length) return {};
    return { finish: "cancelled" };
  }
  const pending = live.filter((i) => !TERMINAL_ITEM.has(i.status));
  if (!pending.length) {
    return { finish: failures ? "failed" : "succeeded" };
  }
  if (job.status === "paused" || job.status === "halted") return {};

  const active = Math.min(...pending.map((i) => i.batch));
  const batch = live.filter((i) => i.batch === active);
  if (batch.some((i) => IN_FLIGHT_ITEM.has(i.status))) return job.status === "queued" ? { job: { status: "running" } } : {};

  // the batch's queued nodes would start now: the threshold and the finished batches speak first
  const limit = failureLimitOf(strategy, live.length);
  if (failures - accepted >= limit) {
    const why = msg`failure threshold reached: ${failures} of ${live.length} targeted nodes failed (limit ${limit})`;
    return { job: { status: "halted", haltReason: why }, notify: [{ event: "halted", text: `rollout ${job.id} halted: ${why.text}` }] };
  }
  const finishedBatches = [...new Set(live.filter((i) => i.batch < active).map((i) => i.batch))];
  const lastDone = finishedBatches.length ? Math.max(...finishedBatches) : null;
  if (lastDone !== null && active > job.currentBatch) {
    const last = live.filter((i) => i.batch === lastDone);
    if (last.length && last.every((i) => FAILED_ITEM.has(i.status)) && failures > accepted) {
      const why = lastDone === 0 ? msg`every node of batch 0 (canary) failed` : msg`every node of batch ${lastDone} failed`;
      return { job: { status: "halted", haltReason: why }, notify: [{ event: "halted", text: `rollout ${job.id} halted: ${why.text}` }] };
    }
  }

  // after the canary: promotion
  if (active > 0 && job.phase === "canary") {
    if (strategy.promotion === "manual") {
      return { job: { phase: "awaiting_promotion" }, notify: [{ event: "awaiting_promotion", text: `rollout ${job.id}: the canary is healthy; promote it to continue` }] };
    }
    return { job: { phase: "batches", nextBatchAt: null }, wakeAt: now };
  }
  if (job.phase === "awaiting_promotion") return {};

  // stagger between batches (not before the first one, not for retried earlier batches)
  const startsNewBatch = active > job.currentBatch || (active === 0 && job.status === "queued");
  if (startsNewBatch && strategy.staggerSeconds > 0 && lastDone !== null && lastDone > 0) {
    if (!job.nextBatchAt) {
      const at = new Date(now.getTime() + strategy.staggerSeconds * 1000);
      return { job: { nextBatchAt: at }, wakeAt: at };
    }
    if (job.nextBatchAt.getTime() > now.getTime()) return { wakeAt: job.nextBatchAt };
  }
  const dispatch = batch.filter((i) => i.status === "queued").map((i) => i.id);
  return {
    dispatch,
    job: { status: "running", currentBatch: Math.max(active, job.currentBatch), nextBatchAt: null, phase: active === 0 ? "canary" : "batches" },
  };
}

/** The stored strategy without the fields the server keeps on it (acceptedFailures). */
export function stripServerFields(s: Record<string, unknown> | null): Record<string, unknown> {
  if (!s) return {};
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { acceptedFailures, ...rest } = s as { acceptedFailures?: unknown };
  return rest;
}
