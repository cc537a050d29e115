import type { JobView } from "@/components/jobs/job-progress";
import { FINISHED } from "@/components/jobs/job-status";

// Which controls a rollout offers in which state (pure, unit-tested); the
// server checks every one of them again and says why when it refuses.

export type Control = {
  key: "pause" | "resume" | "promote" | "retryFailed" | "cancel";
  /** the button that opens the dialog */
  label: string;
  title: string;
  description: string;
  confirmLabel: string;
  destructive?: boolean;
  done: (data: unknown) => string;
  /** the numbers (and the halt reason) its texts name, for the catalogs' rollout.controls.<key>.* (the console shows those) */
  values: { failed: number; nodes: number; batches: number; halted: boolean; reason: string | null };
  /** how many nodes the server's answer names (retry) */
  doneCount?: (data: unknown) => number;
};

/** Which controls a rollout in this state offers, each with what it does in words. */
export function controlsFor(job: JobView): Control[] {
  const r = job.rollout;
  if (!r) return [];
  const ended = FINISHED.has(job.status);
  const live = !ended && !job.cancelRequested;
  const failed = r.failures;
  const out: Control[] = [];
  const values: Control["values"] = { failed, nodes: 0, batches: 0, halted: job.status === "halted", reason: r.haltReason };
  if (live && job.status === "running")
    out.push({
      key: "pause",
      label: "Pause",
      title: "Pause this rollout?",
      description: "No new node starts; nodes in flight finish their step (and its health gate). Resume to go on.",
      confirmLabel: "Pause rollout",
      done: () => "Paused: no new node starts; nodes in flight finish their step",
      values,
    });
  if (live && (job.status === "paused" || job.status === "halted"))
    out.push({
      key: "resume",
      label: "Resume",
      title: "Resume this rollout?",
      description:
        job.status === "halted"
          ? `It halted (${r.haltReason ?? "failure threshold"}). Resuming accepts the ${failed} failure${failed === 1 ? "" : "s"} so far: the threshold counts new ones from now.`
          : "Nodes start again where the rollout stopped.",
      confirmLabel: "Resume rollout",
      done: () => "Resumed",
      values,
    });
  if (live && r.phase === "awaiting_promotion") {
    const rest = r.batches.filter((b) => b.index > 0);
    const nodes = rest.reduce((n, b) => n + b.nodes.length, 0);
    out.push({
      key: "promote",
      label: "Promote canary",
      title: "Promote the canary?",
      description: `The canary passed its health gate. The batches start now: ${nodes} node${nodes === 1 ? "" : "s"} in ${rest.length} batch${rest.length === 1 ? "" : "es"}.`,
      confirmLabel: "Promote and start the batches",
      done: () => "Canary promoted: the batches start",
      values: { ...values, nodes, batches: rest.length },
    });
  }
  if (failed > 0 && job.status !== "cancelled" && !job.cancelRequested)
    out.push({
      key: "retryFailed",
      label: "Retry failed nodes",
      title: `Retry the ${failed} failed node${failed === 1 ? "" : "s"}?`,
      description: "Only the failed and reverted nodes run again (each re-reads what it runs first); nothing else does. The failure threshold starts counting afresh.",
      confirmLabel: `Retry ${failed} node${failed === 1 ? "" : "s"}`,
      done: (d) => {
        const n = (d as { nodes?: number } | null)?.nodes ?? failed;
        return `Retrying ${n} node${n === 1 ? "" : "s"}`;
      },
      doneCount: (d) => (d as { nodes?: number } | null)?.nodes ?? failed,
      values,
    });
  if (live)
    out.push({
      key: "cancel",
      label: "Cancel rollout",
      title: "Cancel this rollout?",
      description: "No new node starts; nodes in flight finish their step and are verified. A cancelled rollout cannot be resumed or retried.",
      confirmLabel: "Yes, cancel the rollout",
      destructive: true,
      done: () => "Cancelling: nodes in flight finish and are verified; no new node starts",
      values,
    });
  return out;
}

