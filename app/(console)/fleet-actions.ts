"use server";

import { z } from "zod";
import { ipv4Schema, parseFleetQuery, verifiableNodes } from "@/lib/fleet";
import { revalidatePath } from "next/cache";
import { ActionFailure, defineAction } from "@/lib/actions/safe-action";
import { syncFleetFromCenter } from "@/lib/fleet/sync";
import { isCenterError } from "@/lib/center/client";
import { cancelJob, MAX_CONCURRENCY } from "@/lib/jobs";
import { db } from "@/lib/db";
import { centerNodeMap } from "@/lib/node-ops/verify";
import { addManualNode, removeManualNode } from "@/lib/fleet/manual";
import { manualNodeSchema } from "@/lib/fleet/schema";
import { startVerifyJob as startJob } from "@/lib/fleet/verify-job";
import { msg } from "@/lib/text";

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
      if (isCenterError(e)) throw new ActionFailure("failed", msg`Center refused: ${e.message}`);
      throw new ActionFailure("failed", msg`Center could not be reached; the table shows the last known fleet. (${e instanceof Error ? e.message : String(e)})`);
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

/** Creates the verification job (the same kind the schedule creates) and runs it in the background. */
async function startVerifyJob(nodes: string[], concurrency: number | undefined, ctx: { user: { email: string }; auditId: string }) {
  const { jobId } = await startJob(nodes, { createdBy: ctx.user.email, auditId: ctx.auditId, concurrency, onFinished: () => revalidatePath("/") });
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
    if (nodes.length !== input.expectedCount) throw new ActionFailure("conflict", msg`The fleet changed: ${nodes.length} nodes match now, not ${input.expectedCount}. Review the table and confirm again.`);
    return { jobId: await startVerifyJob(nodes, input.concurrency, ctx), nodes: nodes.length };
  },
  auditResult: (r) => r,
});

/**
 * Adds a node Center does not list (it never registered), by IPv4 and an
 * optional name. Refused when Center lists it: asked live when Center answers,
 * else as of the last sync. Stored as a manual node and shown "not in Center".
 */
export const addManualNodeAction = defineAction({
  name: "fleet.node.add",
  role: "operator",
  input: manualNodeSchema,
  target: (i) => ({ type: "node", id: i.ipv4 }),
  run: async (input, ctx) => {
    // a live look catches a node that registered since the last sync; unreachable Center = the last sync decides
    const center = await centerNodeMap();
    const res = await ctx.commit((tx) => addManualNode(input, tx, { centerListsIt: center?.has(input.ipv4) ?? false }), (r) => ({ ...r, centerChecked: center !== null }));
    revalidatePath("/");
    return res;
  },
});

/** Removes a node that was added by hand from k2ops (Center's nodes are not removed here). */
export const removeManualNodeAction = defineAction({
  name: "fleet.node.remove",
  role: "operator",
  input: z.object({ ipv4 }),
  target: (i) => ({ type: "node", id: i.ipv4 }),
  run: async (input, ctx) => {
    const res = await ctx.commit((tx) => removeManualNode(input.ipv4, tx), (r) => r);
    revalidatePath("/");
    return res;
  },
});
