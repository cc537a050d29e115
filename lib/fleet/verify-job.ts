import { createJob, runJob, DEFAULT_CONCURRENCY, type ItemRunner } from "@/lib/jobs";
import { logger } from "@/lib/log";

// A fleet "verify" job: one JobItem per node, each running the post-deploy
// checklist over SSH. The Verify buttons and the schedule start the same kind
// of job through here, so the Operations page and the fleet table see one thing.

export type StartVerifyOptions = {
  /** the user's email, or "schedule" */
  createdBy: string;
  auditId?: string;
  concurrency?: number;
  params?: Record<string, unknown>;
  /** replaces the SSH checklist (tests); default: lib/node-ops/verify for each node */
  runner?: ItemRunner;
  /** after the job has finished (e.g. revalidate the fleet page) */
  onFinished?: () => void;
};

/** The checklist as a job item: pass is ok; fail, unknown and error are failures the job names. */
async function checklistRunner(createdBy: string): Promise<(jobId: string) => ItemRunner> {
  // loaded on use: the SSH stack is not needed to create or list jobs
  const { centerNodeMap, verifyNode } = await import("@/lib/node-ops/verify");
  // Center is asked once for the whole job, not once per node
  const centerNodes = await centerNodeMap();
  return (jobId) => async (ip) => {
    const out = await verifyNode(ip, { triggeredBy: createdBy, jobId, centerNodes });
    if (out.status === "error") return { ok: false, error: out.error };
    if (out.status === "pass") return { ok: true, summary: "pass" };
    // unknown is not a pass: the job counts it with the failures, saying which checks were unread
    if (out.status === "unknown") return { ok: false, summary: `unknown: ${out.checks.filter((c) => c.status === "unknown").map((c) => c.key).join(", ")}` };
    return { ok: false, summary: `fail: ${out.failingChecks.join(", ")}` };
  };
}

/**
 * Creates a "verify" job over `nodes` and runs it in the background. Returns
 * at once with the job id; `done` settles when the job has finished (it never
 * rejects: a crashed runner is logged and the job row says what happened).
 */
export async function startVerifyJob(nodes: string[], opts: StartVerifyOptions): Promise<{ jobId: string; done: Promise<void> }> {
  // prepared before the job row exists, so a failure here leaves no job queued forever
  const runnerFor = opts.runner ? () => opts.runner! : await checklistRunner(opts.createdBy);
  const jobId = await createJob({ kind: "verify", createdBy: opts.createdBy, auditId: opts.auditId, params: opts.params, nodes, concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY });
  const done = runJob(jobId, runnerFor(jobId))
    .then(() => opts.onFinished?.())
    .catch((e) => logger.error({ err: e, jobId }, "verify job crashed"));
  return { jobId, done };
}
