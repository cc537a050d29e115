import { batchSizeOf, describeThreshold, failureLimitOf, strategySchema } from "./strategy";
import { stripServerFields, FAILED_ITEM } from "./advance";

// What the Operations page shows of a rollout (pure): batches with each node's
// step, elapsed times, and an ETA from the measured per-node time.

export type RolloutItemRow = { node: string; name?: string; status: string; step: string; batch: number; attempts: number; startedAt: Date | string | null; finishedAt: Date | string | null; summary: string | null; error: string | null };

/** The rollout's progress; `I` is how a node row looks where it is read (the job API sends it as JSON). */
export type RolloutProgress<I = RolloutItemRow> = {
  batches: { index: number; label: string; nodes: I[]; status: "pending" | "running" | "done" }[];
  skipped: I[];
  targeted: number;
  failures: number;
  failureLimit: number;
  threshold: string;
  /** mean wall time of a finished node step (ms), null before the first */
  perNodeMs: number | null;
  /** estimated time left (ms), null while unknown */
  etaMs: number | null;
};

const ms = (d: Date | string | null) => (d ? new Date(d).getTime() : null);

export function rolloutProgress(job: { strategy: unknown; status: string; nextBatchAt?: Date | string | null }, items: RolloutItemRow[], now = Date.now()): RolloutProgress {
  const strategy = strategySchema.parse(stripServerFields((job.strategy as Record<string, unknown>) ?? {}));
  const live = items.filter((i) => i.status !== "skipped");
  const byBatch = new Map<number, RolloutItemRow[]>();
  for (const i of live) byBatch.set(i.batch, [...(byBatch.get(i.batch) ?? []), i]);
  const batches = [...byBatch.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, nodes]) => {
      const terminal = nodes.every((n) => !["queued", "dispatched", "running"].includes(n.status));
      const started = nodes.some((n) => n.status !== "queued");
      return { index, label: index === 0 ? "canary" : `batch ${index}`, nodes, status: (terminal ? "done" : started ? "running" : "pending") as "pending" | "running" | "done" };
    });
  const durations = live.map((i) => (ms(i.startedAt) && ms(i.finishedAt) ? ms(i.finishedAt)! - ms(i.startedAt)! : null)).filter((d): d is number => d !== null && d >= 0);
  const perNodeMs = durations.length ? Math.round(durations.reduce((a, b) => a + b, 0) / durations.length) : null;
  let etaMs: number | null = null;
  if (perNodeMs !== null && !["succeeded", "failed", "cancelled"].includes(job.status)) {
    const pendingBatches = batches.filter((b) => b.status === "pending").length;
    const running = batches.find((b) => b.status === "running");
    const runningLeft = running ? Math.max(0, perNodeMs - Math.max(...running.nodes.map((n) => (ms(n.startedAt) ? now - ms(n.startedAt)! : 0)))) : 0;
    const wait = job.nextBatchAt ? Math.max(0, ms(job.nextBatchAt)! - now) : 0;
    etaMs = runningLeft + wait + pendingBatches * (perNodeMs + strategy.staggerSeconds * 1000);
  }
  const failures = live.filter((i) => FAILED_ITEM.has(i.status)).length;
  return {
    batches,
    skipped: items.filter((i) => i.status === "skipped"),
    targeted: live.length,
    failures,
    failureLimit: failureLimitOf(strategy, live.length),
    threshold: describeThreshold(strategy, live.length),
    perNodeMs,
    etaMs,
  };
}

export { batchSizeOf };
