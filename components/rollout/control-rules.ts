import type { JobView } from "@/components/jobs/job-progress";
import { FINISHED } from "@/components/jobs/job-status";

// Which controls a rollout offers in which state (pure, unit-tested); the
// server checks every one of them again and says why when it refuses. The
// words are the catalogs' rollout.controls.<key>.*: this names only the key
// and the numbers those texts take.

export type Control = {
  key: "pause" | "resume" | "promote" | "retryFailed" | "cancel";
  destructive?: boolean;
  /** the numbers (and the halt reason) its texts name: failed nodes so far, nodes and batches the promotion starts, whether it halted and why */
  values: { failed: number; nodes: number; batches: number; halted: boolean; reason: string | null };
  /** how many nodes the server's answer names (retry) */
  doneCount?: (data: unknown) => number;
};

/** Which controls a rollout in this state offers, each with the numbers its texts name. */
export function controlsFor(job: JobView): Control[] {
  const r = job.rollout;
  if (!r) return [];
  const ended = FINISHED.has(job.status);
  const live = !ended && !job.cancelRequested;
  const failed = r.failures;
  const out: Control[] = [];
  const values: Control["values"] = { failed, nodes: 0, batches: 0, halted: job.status === "halted", reason: r.haltReason };
  if (live && job.status === "running") out.push({ key: "pause", values });
  if (live && (job.status === "paused" || job.status === "halted")) out.push({ key: "resume", values });
  if (live && r.phase === "awaiting_promotion") {
    const rest = r.batches.filter((b) => b.index > 0);
    const nodes = rest.reduce((n, b) => n + b.nodes.length, 0);
    out.push({ key: "promote", values: { ...values, nodes, batches: rest.length } });
  }
  if (failed > 0 && job.status !== "cancelled" && !job.cancelRequested)
    out.push({ key: "retryFailed", doneCount: (d) => (d as { nodes?: number } | null)?.nodes ?? failed, values });
  if (live) out.push({ key: "cancel", destructive: true, values });
  return out;
}
