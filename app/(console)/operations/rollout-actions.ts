"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/safe-action";
import { cancelRollout, pauseRollout, previewRollout, promoteCanary, resumeRollout, retryFailedNodes, startRollout } from "@/lib/rollout";
import { rolloutControlSchema, rolloutPreviewSchema, rolloutStartSchema } from "@/lib/rollout/schema";

// Rollouts (issue #12): plan preview, start, and every control, each validated
// on the server, role-checked (operator) and audited.

const targetLabel = (t: { selection: string[] } | { filter: Record<string, unknown> }) =>
  "selection" in t ? (t.selection.length === 1 ? t.selection[0] : `${t.selection.length} nodes`) : `fleet filter ${JSON.stringify(t.filter).slice(0, 200)}`;

function controlled(jobId: string, r: unknown) {
  revalidatePath("/operations");
  return { jobId, ...(typeof r === "number" ? { nodes: r } : {}) };
}

export const previewRolloutAction = defineAction({
  name: "rollout.preview",
  role: "operator",
  mutating: false,
  input: rolloutPreviewSchema,
  run: async (input) => previewRollout(input.target, input.params, input.strategy),
});

export const startRolloutAction = defineAction({
  name: "rollout.start",
  role: "operator",
  input: rolloutStartSchema,
  target: (i) => ({ type: "fleet", id: targetLabel(i.target) }),
  run: async (input, ctx) => {
    const { jobId, plan } = await startRollout({ target: input.target, params: input.params, strategy: input.strategy, expectedCount: input.expectedCount, createdBy: ctx.user.email, auditId: ctx.auditId });
    revalidatePath("/operations");
    return { jobId, targeted: plan.targeted, skipped: plan.skipped.length, batches: plan.batches.length };
  },
  auditResult: (r) => r,
});

export const pauseRolloutAction = defineAction({
  name: "rollout.pause",
  role: "operator",
  input: rolloutControlSchema,
  target: (i) => ({ type: "job", id: i.jobId }),
  run: async (input) => controlled(input.jobId, await pauseRollout(input.jobId)),
  auditResult: (r) => r,
});

export const resumeRolloutAction = defineAction({
  name: "rollout.resume",
  role: "operator",
  input: rolloutControlSchema,
  target: (i) => ({ type: "job", id: i.jobId }),
  run: async (input) => controlled(input.jobId, await resumeRollout(input.jobId)),
  auditResult: (r) => r,
});

export const cancelRolloutAction = defineAction({
  name: "rollout.cancel",
  role: "operator",
  input: rolloutControlSchema,
  target: (i) => ({ type: "job", id: i.jobId }),
  run: async (input) => controlled(input.jobId, await cancelRollout(input.jobId)),
  auditResult: (r) => r,
});

export const retryFailedAction = defineAction({
  name: "rollout.retry_failed",
  role: "operator",
  input: rolloutControlSchema,
  target: (i) => ({ type: "job", id: i.jobId }),
  run: async (input) => controlled(input.jobId, await retryFailedNodes(input.jobId)),
  auditResult: (r) => r,
});

export const promoteCanaryAction = defineAction({
  name: "rollout.promote",
  role: "operator",
  input: rolloutControlSchema,
  target: (i) => ({ type: "job", id: i.jobId }),
  run: async (input) => controlled(input.jobId, await promoteCanary(input.jobId)),
  auditResult: (r) => r,
});
