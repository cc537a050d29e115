"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/safe-action";
import { centerClientFromEnv } from "@/lib/center/client";
import { ActionFailure } from "@/lib/errors";
import { abortWorkItem, claimWorkItem } from "@/lib/provisioning/claim";
import { abortWorkItemSchema, workItemRefSchema } from "@/lib/provisioning/filters";

// The Provisioning page's changes (issue #14): claim a Center work item, give
// one up. Operators only, audited; the claim token never leaves lib/provisioning
// (sealed at rest; not in the result, the audit row or a log line).

const client = () => {
  if (!process.env.KAITU_CENTER_URL) throw new ActionFailure("failed", "No Center is configured (KAITU_CENTER_URL): nothing to claim.");
  return centerClientFromEnv();
};
const target = (i: { operationId: number }) => ({ type: "work-item", id: String(i.operationId) });

export const claimWorkItemAction = defineAction({
  name: "provisioning.claim",
  role: "operator",
  input: workItemRefSchema,
  target,
  run: async (i, ctx) => {
    const r = await claimWorkItem(i.operationId, { actor: ctx.user.email, requestId: ctx.audit.requestId, client: client() });
    revalidatePath("/provisioning");
    return r;
  },
  auditResult: (r) => ({ subId: r.subId, action: r.action, holder: r.holder, params: r.params, claimCaptured: r.claimCaptured }),
});

export const abortWorkItemAction = defineAction({
  name: "provisioning.abort",
  role: "operator",
  input: abortWorkItemSchema,
  target,
  run: async (i, ctx) => {
    const r = await abortWorkItem(i.operationId, i.reason, { actor: ctx.user.email, requestId: ctx.audit.requestId, client: client() });
    revalidatePath("/provisioning");
    return r;
  },
});
