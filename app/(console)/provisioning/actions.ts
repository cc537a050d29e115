"use server";

import { revalidatePath } from "next/cache";
import type { z } from "zod";
import { defineAction, type ActionContext } from "@/lib/actions/safe-action";
import { centerClientFromEnv, type CenterClient } from "@/lib/center/client";
import { ActionFailure } from "@/lib/errors";
import { abortWorkItem, claimWorkItem } from "@/lib/provisioning/claim";
import { abortWorkItemSchema, lifecycleSchema, workItemRefSchema } from "@/lib/provisioning/filters";
import { carryOutLifecycle } from "@/lib/provisioning/lifecycle";
import { lightsailClientFromEnv } from "@/lib/lightsail/client";
import { chooseSchema, confirmChoices } from "@/lib/provisioning/choose";
import { startChangeIpRun, startProvisionRun } from "@/lib/provisioning/run";
import { confirmChangeIp } from "@/lib/provisioning/change-ip";

// The Provisioning page's changes (issue #14): claim a Center work item, give
// one up. Operators only, audited; the claim token never leaves lib/provisioning
// (sealed at rest; not in the result, the audit row or a log line).

const client = () => {
  if (!process.env.KAITU_CENTER_URL) throw new ActionFailure("failed", "No Center is configured (KAITU_CENTER_URL): nothing to claim.");
  return centerClientFromEnv();
};
const target = (i: { operationId: number }) => ({ type: "work-item", id: String(i.operationId) });

/** The definition of an operator's change to one work item (each export passes it to defineAction itself, as the server boundary requires). */
function workItemChange<S extends z.ZodType<{ operationId: number }>, R>(name: string, input: S, op: (i: z.infer<S>, c: { actor: string; requestId: string; auditId: string; client: CenterClient }) => Promise<R>, auditResult?: (r: R) => unknown) {
  return {
    name,
    role: "operator" as const,
    input,
    target,
    run: async (i: z.infer<S>, ctx: ActionContext) => {
      const r = await op(i, { actor: ctx.user.email, requestId: ctx.audit.requestId, auditId: ctx.auditId, client: client() });
      revalidatePath("/provisioning");
      return r;
    },
    ...(auditResult ? { auditResult } : {}),
  };
}

export const claimWorkItemAction = defineAction(
  workItemChange("provisioning.claim", workItemRefSchema, (i, c) => claimWorkItem(i.operationId, c), (r) => ({ subId: r.subId, action: r.action, holder: r.holder, params: r.params, claimCaptured: r.claimCaptured })),
);

export const abortWorkItemAction = defineAction(workItemChange("provisioning.abort", abortWorkItemSchema, (i, c) => abortWorkItem(i.operationId, i.reason, c)));

export const confirmChoicesAction = defineAction(
  workItemChange("provisioning.choose", chooseSchema, (i, c) => confirmChoices(i, c), (r) => ({ name: r.name, account: r.account, region: r.region, plan: r.plan, image: r.image, version: r.version, metering: r.metering })),
);

// steps 3+ on the durable job "provision" (each step audited again by the job as provisioning.step)
export const startProvisionRunAction = defineAction(
  workItemChange("provisioning.start", workItemRefSchema, (i, c) => startProvisionRun(i.operationId, { createdBy: c.actor, auditId: c.auditId }), (r) => ({ jobId: r.jobId, fromStep: r.step })),
);

// a stop / destroy item carried out at Lightsail (typed-name confirmation, checked again in lib)
export const carryOutLifecycleAction = defineAction(
  workItemChange("provisioning.lifecycle", lifecycleSchema, (i, c) => carryOutLifecycle(i.operationId, i.name, { center: c.client, lightsail: lightsailClientFromEnv(), actor: c.actor }), (r) => ({ state: r.state, summary: r.summary })),
);

// a change_ip item: the typed-name confirmation (checked again in lib) fixes the plan, then the durable job "change-ip" runs it
export const changeIpAction = defineAction(
  workItemChange(
    "provisioning.change_ip",
    lifecycleSchema,
    async (i, c) => {
      const plan = await confirmChangeIp(i.operationId, i.name, { center: c.client, lightsail: lightsailClientFromEnv(), actor: c.actor });
      const r = await startChangeIpRun(i.operationId, { createdBy: c.actor, auditId: c.auditId });
      return { jobId: r.jobId, instance: plan.instanceName, oldIp: plan.oldIp, newStaticIp: plan.newStaticIpName };
    },
    (r) => r,
  ),
);

// a change_ip run retried from its failed step
export const startChangeIpRunAction = defineAction(
  workItemChange("provisioning.change_ip.start", workItemRefSchema, (i, c) => startChangeIpRun(i.operationId, { createdBy: c.actor, auditId: c.auditId }), (r) => ({ jobId: r.jobId, fromStep: r.step })),
);
