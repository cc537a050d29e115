// What a durable job kind is: the per-node step every console process can run,
// and (optionally) the policy that decides which node steps run next. The job
// layer (lib/jobs/engine.ts) owns persistence, dispatch, resume and counters;
// a kind never writes job state itself, it returns outcomes.

import type { Text } from "@/lib/text";

/** A finished node step. `reverted` = the change failed its gate and the node is back on what it ran before. */
export type StepStatus = "succeeded" | "failed" | "reverted" | "skipped" | "cancelled";
/** `summary` and `error`: a sentence (lib/text) is said in each reader's language; a plain string stays English. */
export type StepResult = { status: StepStatus; summary?: string | Text; error?: string | Text; evidence?: unknown };

export type StepContext = {
  jobId: string;
  itemId: string;
  nodeIpv4: string;
  /** the job's params and strategy as stored */
  params: Record<string, unknown>;
  strategy: Record<string, unknown> | null;
  createdBy: string;
  auditId: string | null;
  /** 1 on the first take; > 1 when a worker died while it ran (the step must re-check the node before changing anything) */
  attempt: number;
  resumed: boolean;
  /** what the step recorded about the node before changing it, on an earlier attempt (null on the first) */
  before: unknown;
  /** aborts when the job is cancelled (kinds with `abortInFlightOnCancel`) or the worker stops */
  signal: AbortSignal;
  /** shows the step's current stage live (pre-check, pulling, ...) */
  progress(step: string): Promise<void>;
  /** records the node's pre-change state durably before the change starts (read back as `before` on resume) */
  recordBefore(before: unknown): Promise<void>;
};

export type ItemView = { id: string; nodeIpv4: string; status: string; batch: number };
export type JobView = {
  id: string;
  kind: string;
  status: string;
  concurrency: number;
  cancelRequested: boolean;
  phase: string;
  currentBatch: number;
  nextBatchAt: Date | null;
  strategy: Record<string, unknown> | null;
  params: Record<string, unknown>;
};

/**
 * What should happen next, decided by the kind from the job and its items
 * (read under the job's row lock, so two finishing steps never decide twice).
 * `dispatch`: item ids to hand to the queue now. `job`: fields to set on the job.
 * `finish`: the job's final status (every item must then be terminal).
 * `wakeAt`: ask to be called again then (a stagger or a gate window).
 */
export type AdvanceDecision = {
  dispatch?: string[];
  job?: { status?: "running" | "paused" | "halted"; phase?: string; currentBatch?: number; nextBatchAt?: Date | null; haltReason?: string | Text | null };
  finish?: "succeeded" | "failed" | "cancelled";
  wakeAt?: Date;
  /** events worth telling operators about (halt, finish, canary waiting): lib/notify delivers them */
  notify?: { event: string; text: string }[];
};

export type JobKind = {
  kind: string;
  /** read-only kinds (verify) abort in-flight steps on cancel; changing kinds (rollouts) let them finish and verify */
  abortInFlightOnCancel: boolean;
  /** the item's step shown from its claim on (default "starting"): saves a kind a progress write of its own */
  firstStep?: string;
  run(ctx: StepContext): Promise<StepResult>;
  /** default: keep `concurrency` steps in flight in node order; cancel ends queued ones */
  advance?(job: JobView, items: ItemView[]): AdvanceDecision;
  /** kinds that change nodes: each node step is audited under this action name (intent before, outcome after) */
  auditAction?(job: JobView): string;
};

const kinds = new Map<string, JobKind>();

/** Registers a kind in this process (idempotent by name: the latest definition wins). */
export function defineJobKind(k: JobKind): JobKind {
  kinds.set(k.kind, k);
  return k;
}

export function jobKind(kind: string): JobKind | undefined {
  return kinds.get(kind);
}

export const TERMINAL_ITEM = new Set(["succeeded", "failed", "reverted", "skipped", "cancelled"]);
export const IN_FLIGHT_ITEM = new Set(["dispatched", "running"]);

/** How many of a job's items are in each status (status → count; absent = 0). */
export type ItemCounts = Partial<Record<string, number>>;

export function countByStatus(items: { status: string }[]): ItemCounts {
  const c: Record<string, number> = {};
  for (const i of items) c[i.status] = (c[i.status] ?? 0) + 1;
  return c;
}

/**
 * The default policy: at most `concurrency` steps dispatched or running, the rest
 * queued in node order; a cancel ends the queued ones; the job finishes when every
 * item is terminal (failed if any failed, cancelled if the cancel ended any).
 * Works from the status counts and the first queued item ids in node order
 * (`nextQueued`, at least `concurrency` of them when that many are queued), so the
 * engine never reads every item of a large job to decide.
 */
export function poolAdvance(job: JobView, counts: ItemCounts, nextQueued: string[]): AdvanceDecision {
  const n = (s: string) => counts[s] ?? 0;
  const queued = n("queued");
  const inFlight = [...IN_FLIGHT_ITEM].reduce((a, s) => a + n(s), 0);
  if (job.cancelRequested) {
    if (inFlight) return {};
    return { finish: n("cancelled") || queued ? "cancelled" : n("failed") ? "failed" : "succeeded" };
  }
  if (!queued && !inFlight) return { finish: n("failed") ? "failed" : "succeeded" };
  const room = Math.max(0, job.concurrency - inFlight);
  return { dispatch: nextQueued.slice(0, room), job: job.status === "queued" ? { status: "running" } : undefined };
}
