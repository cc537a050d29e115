import { createJob, DEFAULT_CONCURRENCY, waitForJob, type ItemRunner } from "@/lib/jobs";
import { setLocalRunner } from "@/lib/jobs/engine";
import { defineJobKind, type StepResult } from "@/lib/jobs/kinds";
import { logger } from "@/lib/log";
import { msg } from "@/lib/text";

// A fleet "verify" job: one node step per node, each running the post-deploy
// checklist over SSH (read-only: a resumed step simply runs the checklist again,
// and a cancel aborts in-flight ones). The Verify buttons and the schedule start
// the same kind of job through here, so the Operations page and the fleet table
// see one thing.

export type StartVerifyOptions = {
  /** the user's email, or "schedule" */
  createdBy: string;
  auditId?: string;
  concurrency?: number;
  params?: Record<string, unknown>;
  /** replaces the SSH checklist in this process (tests) */
  runner?: ItemRunner;
  /** after the job has finished (e.g. revalidate the fleet page) */
  onFinished?: () => void;
};

// Center is asked once per job per process, not once per node
const centerByJob = new Map<string, Promise<Awaited<ReturnType<typeof import("@/lib/node-ops/verify").centerNodeMap>>>>();

export const verifyKind = defineJobKind({
  kind: "verify",
  abortInFlightOnCancel: true,
  firstStep: "verifying",
  async run(ctx): Promise<StepResult> {
    // loaded on use: the SSH stack is not needed to create or list jobs
    const { centerNodeMap, verifyNode } = await import("@/lib/node-ops/verify");
    let centerNodes = centerByJob.get(ctx.jobId);
    if (!centerNodes) {
      centerNodes = centerNodeMap();
      centerByJob.set(ctx.jobId, centerNodes);
      setTimeout(() => centerByJob.delete(ctx.jobId), 30 * 60_000).unref();
    }
    const out = await verifyNode(ctx.nodeIpv4, { triggeredBy: ctx.createdBy, jobId: ctx.jobId, centerNodes: await centerNodes });
    if (out.status === "error") return { status: "failed", error: out.error };
    if (out.status === "pass") return { status: "succeeded", summary: msg`pass` };
    // unknown is not a pass: the job counts it with the failures, saying which checks were unread
    if (out.status === "unknown") return { status: "failed", summary: msg`unknown: ${out.checks.filter((c) => c.status === "unknown").map((c) => c.key).join(", ")}` };
    return { status: "failed", summary: msg`fail: ${out.failingChecks.join(", ")}` };
  },
});

/**
 * Creates a "verify" job over `nodes` and hands it to the job engine. Returns at
 * once with the job id; `done` settles when the job has finished (it never
 * rejects: a failure to follow it is logged and the job row says what happened).
 */
export async function startVerifyJob(nodes: string[], opts: StartVerifyOptions): Promise<{ jobId: string; done: Promise<void> }> {
  const jobId = await createJob({ kind: "verify", createdBy: opts.createdBy, auditId: opts.auditId, params: opts.params, nodes, concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY, start: false });
  if (opts.runner) setLocalRunner(jobId, opts.runner);
  const { startJob } = await import("@/lib/jobs");
  await startJob(jobId);
  const done = waitForJob(jobId, { timeoutMs: 24 * 3600_000, everyMs: 500 })
    .then(() => opts.onFinished?.())
    .catch((e) => logger.error({ err: e, jobId }, "verify job could not be followed"));
  return { jobId, done };
}
