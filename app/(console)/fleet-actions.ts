"use server";

import { z } from "zod";
import { ipv4Schema, parseFleetQuery, verifiableNodes } from "@/lib/fleet";
import { revalidatePath } from "next/cache";
import { ActionFailure, defineAction } from "@/lib/actions/safe-action";
import { syncFleetFromCenter } from "@/lib/fleet/sync";
import { isCenterError } from "@/lib/center/client";
import { cancelJob, createJob, runJob, DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from "@/lib/jobs";
import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { centerNodeMap, verifyNode } from "@/lib/node-ops/verify";

export const syncFleetAction = defineAction({
  name: "fleet.sync",
  role: "operator",
  input: z.object({}).passthrough(),
  target: () => ({ type: "fleet", id: "all" }),
  run: async () => {
    try {
      const res = await syncFleetFromCenter();
      revalidatePath("/");
      return { total: res.total, added: res.added, updated: res.updated, gone: res.gone, rejected: res.rejected, complete: res.complete, incompleteReason: res.incompleteReason };
    } catch (e) {
      if (isCenterError(e)) throw new ActionFailure("failed", `Center refused: ${e.message}`);
      throw new ActionFailure("failed", `Center could not be reached; the table shows the last known fleet. (${e instanceof Error ? e.message : String(e)})`);
    }
  },
  auditResult: (r) => r,
});

export const cancelJobAction = defineAction({
  name: "job.cancel",
  role: "operator",
  input: z.object({ jobId: z.string().regex(/^[a-z0-9]{10,40}$/i) }),
  target: (i) => ({ type: "job", id: i.jobId }),
  run: async (input) => {
    if (!(await cancelJob(input.jobId))) throw new ActionFailure("conflict", "That job has already finished.");
    return { cancelled: true };
  },
});

const ipv4 = ipv4Schema;

/** Creates the verification job and runs it in the background; Center is asked once for the whole job. */
async function startVerifyJob(nodes: string[], concurrency: number | undefined, ctx: { user: { email: string }; auditId: string }) {
  const jobId = await createJob({ kind: "verify", createdBy: ctx.user.email, auditId: ctx.auditId, nodes, concurrency: concurrency ?? DEFAULT_CONCURRENCY });
  const centerNodes = await centerNodeMap();
  void runJob(jobId, async (ip) => {
    const out = await verifyNode(ip, { triggeredBy: ctx.user.email, jobId, centerNodes });
    if (out.status === "error") return { ok: false, error: out.error };
    if (out.status === "pass") return { ok: true, summary: "pass" };
    // unknown is not a pass: the job counts it with the failures, saying which checks were unread
    if (out.status === "unknown") return { ok: false, summary: `unknown: ${out.checks.filter((c) => c.status === "unknown").map((c) => c.key).join(", ")}` };
    return { ok: false, summary: `fail: ${out.failingChecks.join(", ")}` };
  })
    .then(() => revalidatePath("/"))
    .catch((e) => logger.error({ err: e, jobId }, "verify job crashed"));
  return jobId;
}

export const verifyNodesAction = defineAction({
  name: "fleet.verify",
  role: "operator",
  input: z.object({
    nodes: z.array(ipv4).min(1, "Select at least one node").max(10_000),
    concurrency: z.coerce.number().int().min(1).max(MAX_CONCURRENCY).optional(),
  }),
  target: (i) => ({ type: "fleet", id: i.nodes.length === 1 ? i.nodes[0] : `${i.nodes.length} nodes` }),
  run: async (input, ctx) => {
    const known = await db().node.findMany({ where: { ipv4: { in: input.nodes } }, select: { ipv4: true } });
    if (known.length !== new Set(input.nodes).size) throw new ActionFailure("not_found", "Some selected nodes are not in the fleet table; sync from Center and try again.");
    return { jobId: await startVerifyJob(input.nodes, input.concurrency, ctx) };
  },
  auditResult: (r) => r,
});

/**
 * "Verify all": the browser sends only the table's filters; the node set is
 * recomputed here (active nodes matching them), and must still have the size
 * the operator confirmed — a fleet that changed meanwhile is not verified blind.
 */
export const verifyAllAction = defineAction({
  name: "fleet.verify.all",
  role: "operator",
  input: z.object({
    filters: z.record(z.string(), z.string().max(200)).default({}),
    expectedCount: z.coerce.number().int().min(1, "Nothing to verify"),
    concurrency: z.coerce.number().int().min(1).max(MAX_CONCURRENCY).optional(),
  }),
  target: (i) => ({ type: "fleet", id: Object.keys(i.filters).length ? `all matching ${new URLSearchParams(i.filters).toString()}` : "all" }),
  run: async (input, ctx) => {
    const nodes = await verifiableNodes(parseFleetQuery(input.filters));
    if (!nodes.length) throw new ActionFailure("conflict", "No active node matches these filters.");
    if (nodes.length !== input.expectedCount) throw new ActionFailure("conflict", `The fleet changed: ${nodes.length} nodes match now, not ${input.expectedCount}. Review the table and confirm again.`);
    return { jobId: await startVerifyJob(nodes, input.concurrency, ctx), nodes: nodes.length };
  },
  auditResult: (r) => r,
});
