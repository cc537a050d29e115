import { defineJobKind, type StepResult } from "@/lib/jobs/kinds";
import { rolloutAdvance, stripServerFields } from "./advance";
import { dirMigrationStep, pushComposeStep, restartSidecarStep, updateStep } from "./steps";
import { autoUpdateStep } from "./steps-auto-update";
import { setEnvStep } from "./steps-set-env";
import { rolloutParamsSchema, strategySchema } from "./strategy";

// The durable job kind "rollout": each node step runs the rollout's kind on one
// node; what runs next is rolloutAdvance (canary, batches, stagger, threshold).
// In-flight node steps are never aborted by a cancel: they finish and verify.

export const ROLLOUT_JOB_KIND = "rollout";

export const rolloutJobKind = defineJobKind({
  kind: ROLLOUT_JOB_KIND,
  abortInFlightOnCancel: false,
  advance: rolloutAdvance,
  auditAction: (job) => `rollout.${String((job.params as { kind?: string }).kind ?? "node")}.node`,
  async run(ctx): Promise<StepResult> {
    const params = rolloutParamsSchema.parse(ctx.params);
    const strategy = strategySchema.parse(stripServerFields(ctx.strategy));
    switch (params.kind) {
      case "update":
        return updateStep(ctx, params, strategy);
      case "restart-sidecar":
        return restartSidecarStep(ctx, strategy);
      case "push-compose":
        return pushComposeStep(ctx);
      case "dir-migration":
        return dirMigrationStep(ctx);
      case "auto-update":
        return autoUpdateStep(ctx);
      case "set-env":
        return setEnvStep(ctx, params, strategy);
    }
  },
});
