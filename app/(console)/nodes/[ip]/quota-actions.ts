"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/safe-action";
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

const target = (i: { ipv4: string }) => ({ type: "node", id: i.ipv4 });
const after = (ip: string) => revalidatePath(`/nodes/${ip}`);
const ctxOf = (c: { user: { email: string }; audit: { requestId: string } }) => ({ actor: c.user.email, requestId: c.audit.requestId });
const verified = (r: { summary: string; parsed: QuotaOpParsed }) =>
  r.parsed.verified ? { status: "succeeded" as const } : { status: "degraded" as const, reason: `applied, but not verified on the node: ${r.parsed.checks.filter((c) => !c.ok).map((c) => c.label).join("; ")}` };
const auditOf = (r: { summary: string; parsed: QuotaOpParsed }) => ({ summary: r.summary, verified: r.parsed.verified, checks: r.parsed.checks, changes: r.parsed.changes, seedGb: r.parsed.seedGb, gauge: r.parsed.gauge });

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

export const setUsageAction = defineAction({
  name: "node.meter.set-usage",
  role: "operator",
  input: setUsageSchema,
  target,
  run: async (input, ctx) => {
    const r = await setUsage(input.ipv4, input.usedGb, ctxOf(ctx));
    after(input.ipv4);
    return r;
  },
  auditResult: (r) => auditOf(r),
  outcome: (r) => verified(r),
});

export const configureQuotaAction = defineAction({
  name: "node.meter.configure",
  role: "operator",
  input: configureQuotaSchema,
  target,
  run: async (input, ctx) => {
    const r = await configureQuota(input.ipv4, { billingDay: input.billingDay, limitGb: input.limitGb, mode: input.mode, seedGb: input.seedGb }, hasRole(ctx.user.role, "admin"), ctxOf(ctx));
    after(input.ipv4);
    return r;
  },
  auditResult: (r) => auditOf(r),
  outcome: (r) => verified(r),
});

export const applyProrationSeedAction = defineAction({
  name: "node.meter.prorate",
  role: "operator",
  input: prorationSeedSchema,
  target,
  run: async (input, ctx) => {
    const r = await applyProrationSeed(input.ipv4, { createdAt: new Date(input.createdAt), bundleGb: input.bundleGb, fullLimitGb: input.fullLimitGb }, hasRole(ctx.user.role, "admin"), ctxOf(ctx));
    after(input.ipv4);
    return r;
  },
  auditResult: (r) => ({ ...auditOf(r), workings: r.parsed.workings }),
  outcome: (r) => verified(r),
});

export const recoverCutAction = defineAction({
  name: "node.meter.recover",
  role: "operator",
  input: recoverCutSchema,
  target,
  run: async (input, ctx) => {
    const r = await recoverCut(input.ipv4, input.limitGb, hasRole(ctx.user.role, "admin"), ctxOf(ctx));
    after(input.ipv4);
    return r;
  },
  auditResult: (r) => auditOf(r),
  outcome: (r) => verified(r),
});
