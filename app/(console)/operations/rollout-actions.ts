"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/safe-action";
import { cancelRollout, pauseRollout, previewRollout, promoteCanary, resumeRollout, retryFailedNodes, startRollout } from "@/lib/rollout";
import { rolloutControlSchema, rolloutPreviewSchema, rolloutStartSchema } from "@/lib/rollout/schema";

// Rollouts (issue #12): plan preview, start, and every control, each validated
// on the server, role-checked (operator) and audited.

const targetLabel = (t: { selection: string[] } | { filter: Record<string, unknown> }) =>
  "selection" in t ? (t.selection.length === 1 ? t.selection[0] : `${t.selection.length} nodes`) : `fleet filter ${JSON.stringify(t.filter).slice(0, 200)}`;

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

const control = (name: string, fn: (jobId: string) => Promise<unknown>) =>
  defineAction({
    name,
    role: "operator",
    input: rolloutControlSchema,
    target: (i) => ({ type: "job", id: i.jobId }),
    run: async (input) => {
      const r = await fn(input.jobId);
      revalidatePath("/operations");
      return { jobId: input.jobId, ...(typeof r === "number" ? { nodes: r } : {}) };
    },
    auditResult: (r) => r,
  });

export const pauseRolloutAction = control("rollout.pause", pauseRollout);
export const resumeRolloutAction = control("rollout.resume", resumeRollout);
export const cancelRolloutAction = control("rollout.cancel", cancelRollout);
export const retryFailedAction = control("rollout.retry_failed", retryFailedNodes);
export const promoteCanaryAction = control("rollout.promote", promoteCanary);
