"use server";

import { revalidatePath } from "next/cache";
import type { z } from "zod";
import type { Text } from "@/lib/text";
import { defineAction, type ActionContext } from "@/lib/actions/safe-action";
import { hasRole } from "@/lib/auth/roles";
import { configureQuotaSchema, nodeOnlySchema, prorationSeedSchema, recoverCutSchema, setUsageSchema } from "@/lib/metering/quota-schema";
import { applyProrationSeed, configureQuota, pollNow, recoverCut, setUsage, type QuotaOpParsed } from "@/lib/metering/quota-ops";
import { quotaContext } from "@/lib/metering/quota";
import { meterWarnPercent } from "@/lib/metering/gauge-row";

// The node page's quota operations (issue #13 "Operate"; components/metering/
// quota-operations.tsx): reads for viewers, changes for operators, every change
// audited (intent before, truthful outcome after: "degraded" when the node did
// not show the effect within the verification window) and run under the node's
// lock by lib/metering/quota-ops.ts.

type QuotaOp = { summary: string | Text; parsed: QuotaOpParsed };
const target = (i: { ipv4: string }) => ({ type: "node", id: i.ipv4 });
const after = (ip: string) => revalidatePath(`/nodes/${ip}`);
const ctxOf = (c: { user: { email: string }; audit: { requestId: string } }) => ({ actor: c.user.email, requestId: c.audit.requestId });
const verified = (r: QuotaOp) =>
  r.parsed.verified ? { status: "succeeded" as const } : { status: "degraded" as const, reason: `applied, but not verified on the node: ${r.parsed.checks.filter((c) => !c.ok).map((c) => c.label).join("; ")}` };
const auditOf = (r: QuotaOp) => ({ summary: r.summary, verified: r.parsed.verified, checks: r.parsed.checks, changes: r.parsed.changes, seedGb: r.parsed.seedGb, gauge: r.parsed.gauge });

export const quotaContextAction = defineAction({
  name: "node.meter.context",
  role: "viewer",
  mutating: false,
  input: nodeOnlySchema,
  run: (input) => quotaContext(input.ipv4, { warnPercent: meterWarnPercent() }),
});

export const pollMeterAction = defineAction({
  name: "node.meter.poll",
  role: "viewer",
  mutating: false,
  input: nodeOnlySchema,
  run: async (input, ctx) => {
    const r = await pollNow(input.ipv4, ctxOf(ctx));
    after(input.ipv4);
    return r;
  },
});

/**
 * The definition of an operator's quota change on one node (each export passes it to
 * defineAction itself, as the server boundary requires): audited with its checks,
 * "degraded" when not verified, the node page revalidated.
 */
function quotaChange<S extends z.ZodType<{ ipv4: string }>, R extends QuotaOp>(name: string, input: S, op: (input: z.infer<S>, ctx: { isAdmin: boolean; op: ReturnType<typeof ctxOf> }) => Promise<R>, extraAudit?: (r: R) => Record<string, unknown>) {
  return {
    name,
    role: "operator" as const,
    input,
    target,
    run: async (i: z.infer<S>, ctx: ActionContext) => {
      const r = await op(i, { isAdmin: hasRole(ctx.user.role, "admin"), op: ctxOf(ctx) });
      after(i.ipv4);
      return r;
    },
    auditResult: (r: R) => ({ ...auditOf(r), ...extraAudit?.(r) }),
    outcome: (r: R) => verified(r),
  };
}

export const setUsageAction = defineAction(quotaChange("node.meter.set-usage", setUsageSchema, (i, c) => setUsage(i.ipv4, i.usedGb, c.op)));

export const configureQuotaAction = defineAction(quotaChange("node.meter.configure", configureQuotaSchema, (i, c) =>
  configureQuota(i.ipv4, { billingDay: i.billingDay, limitGb: i.limitGb, mode: i.mode, seedGb: i.seedGb }, c.isAdmin, c.op),
));

export const applyProrationSeedAction = defineAction(quotaChange(
  "node.meter.prorate",
  prorationSeedSchema,
  (i, c) => applyProrationSeed(i.ipv4, { createdAt: new Date(i.createdAt), bundleGb: i.bundleGb, fullLimitGb: i.fullLimitGb }, c.isAdmin, c.op),
  (r) => ({ workings: r.parsed.workings }),
));

export const recoverCutAction = defineAction(quotaChange("node.meter.recover", recoverCutSchema, (i, c) => recoverCut(i.ipv4, i.limitGb, c.isAdmin, c.op)));
