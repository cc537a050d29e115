import { db } from "@/lib/db";
import type { CloudInstance } from "@/lib/center/schemas";
import { BYTES_PER_GIB, CUTOFF_RESERVE_BYTES, cycleOfEnd, gaugeOf, gibOf, limitBytesOf, runningCycle, type BillingMode, type GaugeState } from "./cycle";
import { prorateCreationMonth, type Proration } from "./proration";
import { instanceOf, nodeModeFor, providerFigure, providerRulesFromEnv, ruleOf, type ProviderFigure, type ProviderRule, type Sources } from "./provider";

// The quota operations' proposals (issue #13 "Operate"; metering.md Parts B,
// C, E), pure, and what the node page's quota panel needs (quotaContext). The
// operations that change a node are in quota-ops.ts.
//
// Units: `…Gb` are the .env's GB (the sidecar's GiB, × 2^30 bytes), `…Bytes`
// bytes; numbers shown to the operator are GiB with one decimal.

const g1 = (bytes: bigint) => gibOf(bytes).toFixed(1);
const ymd = (d: Date) => d.toISOString().slice(0, 10);

/** What Lightsail says of the instance (GetInstance), when the API is configured. */
export type LightsailFacts = { createdAt: number; bundleId: string; transferGbPerMonth: number };

export type QuotaProposal = {
  provider: string | null;
  rule: ProviderRule;
  /** the billing day the provider's reset asks for; null when k2ops cannot derive it (the operator reads it off the provider) */
  billingDay: { value: number | null; why: string };
  /** the provider's monthly allowance, GB, and where it came from */
  allowance: { gb: number | null; source: string };
  /** K2_NODE_TRAFFIC_LIMIT_GB = allowance − headroom */
  limitGb: { value: number | null; why: string };
  mode: { value: BillingMode; why: string; verified: boolean };
  warnings: string[];
};

/**
 * The quota a node should run with, derived from its provider (Part B): the
 * reset day (Lightsail: 01; Bandwagon: the plan's own day, from the
 * configured per-node facts — never the provisioning date nor Center's
 * traffic_reset_at), the allowance (per-node fact > Lightsail's bundle >
 * the configured bundle table > Center's traffic_total_gb) minus the
 * provider's headroom, and the sidecar mode matching the provider's
 * accounting. Pure.
 */
export function proposeQuota(i: { ipv4: string; instance: CloudInstance | null; rule: ProviderRule; lightsail?: LightsailFacts | null }): QuotaProposal {
  const provider = i.instance?.provider ?? null;
  const rule = i.rule;
  const facts = rule.nodes[i.ipv4] ?? {};
  const warnings: string[] = [];
  let billingDay: QuotaProposal["billingDay"];
  if (!provider) billingDay = { value: null, why: "Center lists no cloud instance at this IPv4: read the provider's reset day from its console" };
  else if (rule.reset === "calendar-1st") billingDay = { value: 1, why: `${provider} resets its allowance on the 1st of each month, 00:00 UTC` };
  else if (rule.reset === "plan-day") {
    const center = i.instance?.traffic_reset_at ? new Date(i.instance.traffic_reset_at * 1000).getUTCDate() : null;
    billingDay = facts.resetDay
      ? { value: facts.resetDay, why: `the plan's own reset day, as configured for this node (read off the provider's panel)` }
      : { value: null, why: `the plan's own reset day: read "Next reset" off the provider's panel${center ? ` (Center's traffic_reset_at says day ${center}, which can be a day early: not used)` : ""}, and configure it (K2OPS_PROVIDER_ACCOUNTING ${provider}.nodes)` };
  } else {
    billingDay = { value: null, why: `${provider} does not reset monthly on a fixed day: the meter cannot model it. Leave metering off (uncapped, bundle-bounded) or accept a calendar-month approximation (day 1) with a conservative limit, and record the choice` };
    warnings.push(billingDay.why);
  }
  const bundleId = facts.bundle ?? i.lightsail?.bundleId ?? null;
  let allowance: QuotaProposal["allowance"] = { gb: null, source: "unknown: no bundle or allowance known for this node" };
  if (facts.allowanceGb) allowance = { gb: facts.allowanceGb, source: "configured for this node" };
  else if (i.lightsail?.transferGbPerMonth) allowance = { gb: i.lightsail.transferGbPerMonth, source: `Lightsail bundle ${i.lightsail.bundleId}` };
  else if (bundleId && rule.bundles[bundleId]) allowance = { gb: rule.bundles[bundleId], source: `configured bundle ${bundleId}` };
  else if (i.instance && i.instance.traffic_total_gb > 0) allowance = { gb: Math.round(i.instance.traffic_total_gb), source: "Center's traffic_total_gb" };
  const limitGb: QuotaProposal["limitGb"] =
    allowance.gb === null
      ? { value: null, why: "no allowance known: size the limit below the provider's allowance by hand" }
      : allowance.gb <= rule.headroomGb
        ? { value: null, why: `the allowance ${allowance.gb} GB is not above the headroom ${rule.headroomGb} GB` }
        : { value: allowance.gb - rule.headroomGb, why: `${allowance.gb} GB allowance (${allowance.source}) − ${rule.headroomGb} GB headroom = ${allowance.gb - rule.headroomGb}; the cut trips 500 MiB below it, before the provider bills overage` };
  const value = nodeModeFor(rule.billingMode);
  const mode = {
    value,
    verified: rule.verified,
    why: `${provider ?? "the provider"} counts ${rule.billingMode === "sum" ? "in + out" : rule.billingMode === "max" ? "max(in, out)" : "outbound only"} (${rule.verified ? "confirmed" : "configured default, not confirmed from the provider's bill"}): sidecar mode ${value}`,
  };
  if (!rule.verified) warnings.push(`${provider ?? "this provider"}'s accounting (${rule.billingMode}) is a default, not confirmed: ${rule.note}`);
  return { provider, rule, billingDay, allowance, limitGb, mode, warnings };
}

export type SeedProposal = { gb: number | null; providerBytes: bigint | null; workings: string[]; warnings: string[] };

/**
 * The guided seed for set-usage (Part B "deduct from actual usage"): the
 * provider's current-period billable figure rounded UP to whole GB (the cap
 * comes earlier, never later), with the arithmetic. A warning when the
 * provider's period is not the node's cycle (another reset day: the figure
 * is not this cycle's), when it would cut the node at once, or lower its count.
 */
export function proposeSeed(i: { figure: ProviderFigure | null; nodeUsedBytes: bigint | null; cycleStart: Date | null; limitGb: number | null }): SeedProposal {
  const f = i.figure;
  if (!f) return { gb: null, providerBytes: null, workings: [], warnings: ["no provider figure for this node (Center lists no cloud instance at its IPv4, or Center is not configured): enter the provider's current-cycle usage by hand"] };
  const workings: string[] = [];
  const warnings: string[] = [];
  const period = f.periodStart ? ` since ${ymd(f.periodStart)}` : "";
  if (f.inBytes !== null && f.outBytes !== null) {
    const how = f.basis === "sum" ? `${g1(f.inBytes)} + ${g1(f.outBytes)}` : f.basis === "max" ? `max(${g1(f.inBytes)}, ${g1(f.outBytes)})` : g1(f.outBytes);
    workings.push(`${f.source === "lightsail" ? "Lightsail" : f.provider}: NetworkIn ${g1(f.inBytes)} GiB, NetworkOut ${g1(f.outBytes)} GiB${period} → billable (${f.basis}) ${how} = ${g1(f.usedBytes)} GiB`);
  } else workings.push(`Center's cloud instance ${f.instance.name} (${f.provider}): traffic_used_gb ${g1(f.usedBytes)} GiB${period}${f.providerAt ? ` as of ${f.providerAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : ""}`);
  for (const n of f.notes) if (!workings[0].includes(n)) warnings.push(n);
  if (i.nodeUsedBytes !== null) workings.push(`the node counts ${g1(i.nodeUsedBytes)} GiB this cycle (difference ${g1(f.usedBytes - i.nodeUsedBytes)} GiB)`);
  const gb = Number((f.usedBytes + BYTES_PER_GIB - 1n) / BYTES_PER_GIB);
  workings.push(`set-usage takes whole GB (GiB), rounded up: ⌈${g1(f.usedBytes)}⌉ = ${gb}`);
  if (i.limitGb) {
    const line = limitBytesOf(i.limitGb) - CUTOFF_RESERVE_BYTES;
    const left = line - BigInt(gb) * BYTES_PER_GIB;
    workings.push(`then used = ${gb} GiB + new traffic; the cut at ${i.limitGb} GiB − 500 MiB = ${g1(line)} GiB leaves ${g1(left > 0n ? left : 0n)} GiB this cycle`);
    if (left <= 0n) warnings.push(`${gb} GB is at or over the cutoff line (${g1(line)} GiB): the node is cut at once`);
  }
  if (f.periodStart && i.cycleStart && Math.abs(f.periodStart.getTime() - i.cycleStart.getTime()) > 3600_000) {
    warnings.push(`the provider's period starts ${ymd(f.periodStart)}, the node's cycle ${ymd(i.cycleStart)}: the figure is not this cycle's. Fix the billing day first (Configure quota)`);
  }
  if (i.nodeUsedBytes !== null && BigInt(gb) * BYTES_PER_GIB < i.nodeUsedBytes) warnings.push("the provider counts less than the node: set-usage would LOWER the node's count (annotated on the chart as used-regressed)");
  return { gb, providerBytes: f.usedBytes, workings, warnings };
}

export type RecoveryProposal = { minimumGb: number; limitGb: number; workings: string[]; warnings: string[] };

/**
 * Recovering a cut node by raising its limit (Part E): the smallest limit that
 * unpauses it (used < limit − 500 MiB, so ⌊(used + 500 MiB) / GiB⌋ + 1) and
 * the proposed one (the provider-derived limit when higher, else the minimum
 * plus 1 GB), with a warning when it is at or over the allowance (every GB
 * past it is provider overage) and the cycle's end when the cut lifts by itself.
 */
export function proposeRecovery(i: { usedBytes: bigint; limitGb: number | null; allowanceGb: number | null; proposedLimitGb: number | null; cycleEnd: Date | null }): RecoveryProposal {
  const minimumGb = Number((i.usedBytes + CUTOFF_RESERVE_BYTES) / BYTES_PER_GIB) + 1;
  const limitGb = i.proposedLimitGb !== null && i.proposedLimitGb >= minimumGb ? i.proposedLimitGb : minimumGb + 1;
  const workings = [
    `used ${g1(i.usedBytes)} GiB; the enforcer unpauses once used < limit − 500 MiB`,
    `smallest limit: ⌊(${g1(i.usedBytes)} GiB + 0.49 GiB)⌋ + 1 = ${minimumGb} GB`,
    i.proposedLimitGb !== null && i.proposedLimitGb >= minimumGb ? `proposed: the provider-derived limit ${limitGb} GB` : `proposed: ${minimumGb} + 1 = ${limitGb} GB (about 0.5-1.5 GiB of traffic before the next cut)`,
  ];
  const warnings: string[] = [];
  if (i.allowanceGb !== null && limitGb >= i.allowanceGb) warnings.push(`${limitGb} GB is at or over the provider's allowance (${i.allowanceGb} GB): traffic past it is billed as overage`);
  if (i.cycleEnd) workings.push(`or wait: the cut lifts by itself at the cycle's end, ${i.cycleEnd.toISOString().slice(0, 16).replace("T", " ")} UTC`);
  return { minimumGb, limitGb, workings, warnings };
}

// ---- the node page's context -------------------------------------------------

const num = (b: bigint | null | undefined) => (b === null || b === undefined ? null : gibOf(b));
const lines = (p: { workings: string[]; warnings: string[] }) => ({ workings: p.workings, warnings: p.warnings });

export type QuotaContext = {
  ipv4: string;
  /** the latest stored reading (null: never polled) */
  meter: null | {
    polledAt: string | null;
    metering: boolean;
    state: GaugeState;
    reason: string;
    usedGib: number | null;
    percentUsed: number | null;
    limitGb: number | null;
    runningLimitGb: number | null;
    billingDay: number | null;
    mode: string | null;
    cycleStart: string | null;
    cycleEnd: string | null;
    cut: boolean;
    lastError: string | null;
    /** billing days 29-31: a sidecar restarted now would re-anchor the cycle (runningCycle) */
    restartReanchors: boolean;
  };
  provider: null | { provider: string; instance: string; source: string; usedGib: number; inGib: number | null; outGib: number | null; basis: string; totalGib: number | null; periodStart: string | null; notes: string[] };
  quota: { provider: string | null; billingDay: { value: number | null; why: string }; allowanceGb: number | null; allowanceSource: string; limitGb: { value: number | null; why: string }; mode: { value: BillingMode; why: string; verified: boolean }; warnings: string[] };
  seed: { gb: number | null; workings: string[]; warnings: string[] };
  proration: null | { createdAt: string; bundleGb: number; fullLimitGb: number; creationMonth: boolean; prorated: { limitGb: number; restoreAt: string; allowanceGb: number }; seeded: { limitGb: number; setUsageGb: number; remainingGb: number; clearsAt: string }; workings: string[]; warnings: string[] };
  recovery: null | { minimumGb: number; limitGb: number; workings: string[]; warnings: string[] };
  /** provider configuration or source problems, one sentence each */
  problems: string[];
};

/**
 * Everything the quota panel shows: the latest stored reading, the provider's
 * live figure, and the proposals (quota, seed, proration for a Lightsail node,
 * recovery for a cut one). `sources` default: Center and Lightsail from the
 * environment; a failing source is a problem line, never an error.
 */
export async function quotaContext(ipv4: string, opts: { sources?: Sources | null; now?: Date; warnPercent?: number } = {}): Promise<QuotaContext> {
  const now = opts.now ?? new Date();
  const problems: string[] = [];
  let rules: Record<string, ProviderRule> = {};
  try {
    rules = providerRulesFromEnv().rules;
  } catch (e) {
    problems.push(`provider accounting configuration: ${(e as Error).message} (defaults used)`);
    const { DEFAULT_PROVIDER_RULES } = await import("./provider");
    rules = DEFAULT_PROVIDER_RULES;
  }
  let src: Sources | null = null;
  try {
    src = opts.sources === undefined ? await (await import("./provider")).sourcesFromEnv() : opts.sources;
    if (!src) problems.push("Center is not configured (KAITU_CENTER_URL): no provider figures");
  } catch (e) {
    problems.push(`Center's cloud inventory could not be read: ${(e as Error).message}`);
  }
  const n = await db().meterNode.findUnique({ where: { nodeIpv4: ipv4 } });
  const instance = src ? instanceOf(src.instances, ipv4) : null;
  const rule = ruleOf(rules, instance?.provider);
  let lightsail: LightsailFacts | null = null;
  if (instance?.provider === "aws_lightsail" && src?.lightsail?.getInstance) {
    const { lightsailTargetOf } = await import("@/lib/lightsail/client");
    const target = lightsailTargetOf(instance);
    if (target) lightsail = await src.lightsail.getInstance(target.name, target.region).catch((e: Error) => (problems.push(`Lightsail GetInstance: ${e.message}`), null));
  }
  const figure = src ? await providerFigure(ipv4, src, rules, now).catch((e: Error) => (problems.push(`provider figure: ${e.message}`), null)) : null;

  let meter: QuotaContext["meter"] = null;
  let cycleStart: Date | null = null;
  if (n) {
    const limitBytes = n.limitGb !== null && n.limitGb >= 0 ? limitBytesOf(n.limitGb) : 0n;
    const gauge = gaugeOf({ metering: !!n.metering, limitBytes, usedBytes: n.used, cutObserved: !!n.cut || (!!n.metering && !!n.k2sPaused), warnPercent: opts.warnPercent });
    cycleStart = n.cycleEndAt && n.billingDay ? cycleOfEnd(n.billingDay, n.cycleEndAt).start : null;
    meter = {
      polledAt: n.at?.toISOString() ?? null, metering: !!n.metering, state: gauge.state, reason: gauge.reason, usedGib: num(n.used), percentUsed: gauge.percentUsed,
      limitGb: n.limitGb, runningLimitGb: n.runningLimitGb, billingDay: n.billingDay, mode: n.mode, cycleStart: cycleStart?.toISOString() ?? null, cycleEnd: n.cycleEndAt?.toISOString() ?? null,
      cut: gauge.state === "cut", lastError: n.lastError, restartReanchors: n.billingDay ? runningCycle(n.billingDay, now).restartReanchors : false,
    };
  }
  const q = proposeQuota({ ipv4, instance, rule, lightsail });
  const seed = proposeSeed({ figure, nodeUsedBytes: n?.used ?? null, cycleStart, limitGb: n?.limitGb ?? null });

  let proration: QuotaContext["proration"] = null;
  if (instance?.provider === "aws_lightsail" && lightsail?.createdAt) {
    const createdAt = new Date(lightsail.createdAt * 1000);
    const bundleGb = q.allowance.gb ?? lightsail.transferGbPerMonth;
    const fullLimitGb = q.limitGb.value ?? (n?.limitGb || bundleGb - rule.headroomGb);
    if (bundleGb > 0 && fullLimitGb > 0) {
      const p: Proration = prorateCreationMonth({ createdAt, bundleGb, fullLimitGb, currentUsedBytes: n?.used ?? 0n });
      proration = {
        createdAt: createdAt.toISOString(), bundleGb, fullLimitGb,
        creationMonth: createdAt.getUTCFullYear() === now.getUTCFullYear() && createdAt.getUTCMonth() === now.getUTCMonth(),
        prorated: { limitGb: p.proratedLimit.limitGb, restoreAt: p.proratedLimit.restoreAt.toISOString(), allowanceGb: p.proratedAllowanceGb },
        seeded: { limitGb: p.fullLimitWithSeed.limitGb, setUsageGb: p.fullLimitWithSeed.setUsageGb, remainingGb: p.fullLimitWithSeed.remainingGb, clearsAt: p.fullLimitWithSeed.clearsAt.toISOString() },
        ...lines(p),
      };
    }
  }
  const recovery = meter?.cut && n?.used !== null && n?.used !== undefined ? proposeRecovery({ usedBytes: n.used, limitGb: n.limitGb, allowanceGb: q.allowance.gb, proposedLimitGb: q.limitGb.value, cycleEnd: n.cycleEndAt }) : null;
  return {
    ipv4,
    meter,
    provider: figure ? { provider: figure.provider, instance: figure.instance.name, source: figure.source, usedGib: gibOf(figure.usedBytes), inGib: num(figure.inBytes), outGib: num(figure.outBytes), basis: figure.basis, totalGib: num(figure.totalBytes), periodStart: figure.periodStart?.toISOString() ?? null, notes: figure.notes } : null,
    quota: { provider: q.provider, billingDay: q.billingDay, allowanceGb: q.allowance.gb, allowanceSource: q.allowance.source, limitGb: q.limitGb, mode: q.mode, warnings: q.warnings },
    seed: { gb: seed.gb, ...lines(seed) },
    proration,
    recovery,
    problems,
  };
}

/** GiB of `bytes` rounded up to whole GB (set-usage never undercounts). */
export const ceilGb = (bytes: bigint): number => Number((bytes + BYTES_PER_GIB - 1n) / BYTES_PER_GIB);
