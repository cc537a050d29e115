import { db } from "@/lib/db";
import type { CloudInstance } from "@/lib/center/schemas";
import { BYTES_PER_GIB, CUTOFF_RESERVE_BYTES, cycleOfEnd, gaugeOf, gibOf, limitBytesOf, NONE, runningCycle, type BillingMode, type Gauge, type GaugeState, type QuotaLine } from "./cycle";
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
  billingDay: { value: number | null; why: string; whyPhrase: QuotaLine };
  /** the provider's monthly allowance, GB, and where it came from */
  allowance: { gb: number | null; source: string };
  /** K2_NODE_TRAFFIC_LIMIT_GB = allowance − headroom */
  limitGb: { value: number | null; why: string; whyPhrase: QuotaLine };
  mode: { value: BillingMode; why: string; whyPhrase: QuotaLine; verified: boolean };
  /** English; `warningPhrases` the same as codes and values (metering.ops.lines.<code>), one for one */
  warnings: string[];
  warningPhrases: QuotaLine[];
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
  const warningPhrases: QuotaLine[] = [];
  let billingDay: QuotaProposal["billingDay"];
  if (!provider) billingDay = { value: null, why: "Center lists no cloud instance at this IPv4: read the provider's reset day from its console", whyPhrase: { code: "dayNoInstance", values: {} } };
  else if (rule.reset === "calendar-1st") billingDay = { value: 1, why: `${provider} resets its allowance on the 1st of each month, 00:00 UTC`, whyPhrase: { code: "dayCalendar", values: { provider } } };
  else if (rule.reset === "plan-day") {
    const center = i.instance?.traffic_reset_at ? new Date(i.instance.traffic_reset_at * 1000).getUTCDate() : null;
    billingDay = facts.resetDay
      ? { value: facts.resetDay, why: `the plan's own reset day, as configured for this node (read off the provider's panel)`, whyPhrase: { code: "dayPlanConfigured", values: {} } }
      : {
          value: null,
          why: `the plan's own reset day: read "Next reset" off the provider's panel${center ? ` (Center's traffic_reset_at says day ${center}, which can be a day early: not used)` : ""}, and configure it (K2OPS_PROVIDER_ACCOUNTING ${provider}.nodes)`,
          whyPhrase: { code: "dayPlanUnknown", values: { center: center ? String(center) : NONE, provider } },
        };
  } else {
    billingDay = { value: null, why: `${provider} does not reset monthly on a fixed day: the meter cannot model it. Leave metering off (uncapped, bundle-bounded) or accept a calendar-month approximation (day 1) with a conservative limit, and record the choice`, whyPhrase: { code: "dayNotMonthly", values: { provider } } };
    warnings.push(billingDay.why);
    warningPhrases.push(billingDay.whyPhrase);
  }
  const bundleId = facts.bundle ?? i.lightsail?.bundleId ?? null;
  let allowance: QuotaProposal["allowance"] = { gb: null, source: "unknown: no bundle or allowance known for this node" };
  if (facts.allowanceGb) allowance = { gb: facts.allowanceGb, source: "configured for this node" };
  else if (i.lightsail?.transferGbPerMonth) allowance = { gb: i.lightsail.transferGbPerMonth, source: `Lightsail bundle ${i.lightsail.bundleId}` };
  else if (bundleId && rule.bundles[bundleId]) allowance = { gb: rule.bundles[bundleId], source: `configured bundle ${bundleId}` };
  else if (i.instance && i.instance.traffic_total_gb > 0) allowance = { gb: Math.round(i.instance.traffic_total_gb), source: "Center's traffic_total_gb" };
  const limitGb: QuotaProposal["limitGb"] =
    allowance.gb === null
      ? { value: null, why: "no allowance known: size the limit below the provider's allowance by hand", whyPhrase: { code: "limitNoAllowance", values: {} } }
      : allowance.gb <= rule.headroomGb
        ? { value: null, why: `the allowance ${allowance.gb} GB is not above the headroom ${rule.headroomGb} GB`, whyPhrase: { code: "limitUnderHeadroom", values: { allowance: String(allowance.gb), headroom: String(rule.headroomGb) } } }
        : {
            value: allowance.gb - rule.headroomGb,
            why: `${allowance.gb} GB allowance (${allowance.source}) − ${rule.headroomGb} GB headroom = ${allowance.gb - rule.headroomGb}; the cut trips 500 MiB below it, before the provider bills overage`,
            whyPhrase: { code: "limitDerived", values: { allowance: String(allowance.gb), source: allowance.source, headroom: String(rule.headroomGb), limit: String(allowance.gb - rule.headroomGb) } },
          };
  const value = nodeModeFor(rule.billingMode);
  const mode = {
    value,
    verified: rule.verified,
    why: `${provider ?? "the provider"} counts ${rule.billingMode === "sum" ? "in + out" : rule.billingMode === "max" ? "max(in, out)" : "outbound only"} (${rule.verified ? "confirmed" : "configured default, not confirmed from the provider's bill"}): sidecar mode ${value}`,
    whyPhrase: {
      code: `modeWhy${rule.billingMode === "sum" ? "Sum" : rule.billingMode === "max" ? "Max" : "Out"}${provider ? "" : "NoProvider"}`,
      values: { provider: provider ?? NONE, verified: rule.verified ? "yes" : "no", mode: value },
    } satisfies QuotaLine,
  };
  if (!rule.verified) {
    warnings.push(`${provider ?? "this provider"}'s accounting (${rule.billingMode}) is a default, not confirmed: ${rule.note}`);
    warningPhrases.push({ code: provider ? "warnUnverified" : "warnUnverifiedNoProvider", values: { provider: provider ?? NONE, counts: rule.billingMode, note: rule.note } });
  }
  return { provider, rule, billingDay, allowance, limitGb, mode, warnings, warningPhrases };
}

/** `workingPhrases` / `warningPhrases`: `workings` / `warnings` as codes and values (metering.ops.lines.<code>), one for one (a provider note is "verbatim"). */
export type SeedProposal = { gb: number | null; providerBytes: bigint | null; workings: string[]; warnings: string[]; workingPhrases: QuotaLine[]; warningPhrases: QuotaLine[] };

/**
 * The guided seed for set-usage (Part B "deduct from actual usage"): the
 * provider's current-period billable figure rounded UP to whole GB (the cap
 * comes earlier, never later), with the arithmetic. A warning when the
 * provider's period is not the node's cycle (another reset day: the figure
 * is not this cycle's), when it would cut the node at once, or lower its count.
 */
export function proposeSeed(i: { figure: ProviderFigure | null; nodeUsedBytes: bigint | null; cycleStart: Date | null; limitGb: number | null }): SeedProposal {
  const f = i.figure;
  if (!f) {
    return {
      gb: null,
      providerBytes: null,
      workings: [],
      warnings: ["no provider figure for this node (Center lists no cloud instance at its IPv4, or Center is not configured): enter the provider's current-cycle usage by hand"],
      workingPhrases: [],
      warningPhrases: [{ code: "seedNoFigure", values: {} }],
    };
  }
  const workings: string[] = [];
  const warnings: string[] = [];
  const workingPhrases: QuotaLine[] = [];
  const warningPhrases: QuotaLine[] = [];
  const period = f.periodStart ? ` since ${ymd(f.periodStart)}` : "";
  const since = f.periodStart ? ymd(f.periodStart) : NONE;
  if (f.inBytes !== null && f.outBytes !== null) {
    const how = f.basis === "sum" ? `${g1(f.inBytes)} + ${g1(f.outBytes)}` : f.basis === "max" ? `max(${g1(f.inBytes)}, ${g1(f.outBytes)})` : g1(f.outBytes);
    workings.push(`${f.source === "lightsail" ? "Lightsail" : f.provider}: NetworkIn ${g1(f.inBytes)} GiB, NetworkOut ${g1(f.outBytes)} GiB${period} → billable (${f.basis}) ${how} = ${g1(f.usedBytes)} GiB`);
    const values = { provider: f.provider, in: g1(f.inBytes), out: g1(f.outBytes), since, basis: f.basis, how, used: g1(f.usedBytes) };
    workingPhrases.push({ code: `${f.source === "lightsail" ? "seedLightsail" : "seedProviderDirections"}${f.periodStart ? "Since" : ""}`, values });
  } else {
    const at = f.providerAt ? f.providerAt.toISOString().slice(0, 16).replace("T", " ") : null;
    workings.push(`Center's cloud instance ${f.instance.name} (${f.provider}): traffic_used_gb ${g1(f.usedBytes)} GiB${period}${at ? ` as of ${at} UTC` : ""}`);
    workingPhrases.push({ code: `seedCenter${f.periodStart ? "Since" : ""}${at ? "At" : ""}`, values: { instance: f.instance.name, provider: f.provider, used: g1(f.usedBytes), since, at: at ?? NONE } });
  }
  for (const n of f.notes) {
    if (!workings[0].includes(n)) {
      warnings.push(n);
      warningPhrases.push({ code: "verbatim", values: { text: n } });
    }
  }
  if (i.nodeUsedBytes !== null) {
    workings.push(`the node counts ${g1(i.nodeUsedBytes)} GiB this cycle (difference ${g1(f.usedBytes - i.nodeUsedBytes)} GiB)`);
    workingPhrases.push({ code: "seedNodeCounts", values: { node: g1(i.nodeUsedBytes), difference: g1(f.usedBytes - i.nodeUsedBytes) } });
  }
  const gb = Number((f.usedBytes + BYTES_PER_GIB - 1n) / BYTES_PER_GIB);
  workings.push(`set-usage takes whole GB (GiB), rounded up: ⌈${g1(f.usedBytes)}⌉ = ${gb}`);
  workingPhrases.push({ code: "seedRoundUp", values: { used: g1(f.usedBytes), gb: String(gb) } });
  if (i.limitGb) {
    const line = limitBytesOf(i.limitGb) - CUTOFF_RESERVE_BYTES;
    const left = line - BigInt(gb) * BYTES_PER_GIB;
    workings.push(`then used = ${gb} GiB + new traffic; the cut at ${i.limitGb} GiB − 500 MiB = ${g1(line)} GiB leaves ${g1(left > 0n ? left : 0n)} GiB this cycle`);
    workingPhrases.push({ code: "seedThen", values: { gb: String(gb), limit: String(i.limitGb), line: g1(line), left: g1(left > 0n ? left : 0n) } });
    if (left <= 0n) {
      warnings.push(`${gb} GB is at or over the cutoff line (${g1(line)} GiB): the node is cut at once`);
      warningPhrases.push({ code: "seedCutAtOnce", values: { gb: String(gb), line: g1(line) } });
    }
  }
  if (f.periodStart && i.cycleStart && Math.abs(f.periodStart.getTime() - i.cycleStart.getTime()) > 3600_000) {
    warnings.push(`the provider's period starts ${ymd(f.periodStart)}, the node's cycle ${ymd(i.cycleStart)}: the figure is not this cycle's. Fix the billing day first (Configure quota)`);
    warningPhrases.push({ code: "seedOtherPeriod", values: { period: ymd(f.periodStart), cycle: ymd(i.cycleStart) } });
  }
  if (i.nodeUsedBytes !== null && BigInt(gb) * BYTES_PER_GIB < i.nodeUsedBytes) {
    warnings.push("the provider counts less than the node: set-usage would LOWER the node's count (annotated on the chart as used-regressed)");
    warningPhrases.push({ code: "seedLowers", values: {} });
  }
  return { gb, providerBytes: f.usedBytes, workings, warnings, workingPhrases, warningPhrases };
}

/** `workingPhrases` / `warningPhrases`: `workings` / `warnings` as codes and values (metering.ops.lines.<code>), one for one. */
export type RecoveryProposal = { minimumGb: number; limitGb: number; workings: string[]; warnings: string[]; workingPhrases: QuotaLine[]; warningPhrases: QuotaLine[] };

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
  const used = g1(i.usedBytes);
  const workingPhrases: QuotaLine[] = [
    { code: "recoveryUsed", values: { used } },
    { code: "recoverySmallest", values: { used, min: String(minimumGb) } },
    i.proposedLimitGb !== null && i.proposedLimitGb >= minimumGb ? { code: "recoveryProposedProvider", values: { limit: String(limitGb) } } : { code: "recoveryProposedMin", values: { min: String(minimumGb), limit: String(limitGb) } },
  ];
  const warnings: string[] = [];
  const warningPhrases: QuotaLine[] = [];
  if (i.allowanceGb !== null && limitGb >= i.allowanceGb) {
    warnings.push(`${limitGb} GB is at or over the provider's allowance (${i.allowanceGb} GB): traffic past it is billed as overage`);
    warningPhrases.push({ code: "recoveryOverAllowance", values: { limit: String(limitGb), allowance: String(i.allowanceGb) } });
  }
  if (i.cycleEnd) {
    const end = i.cycleEnd.toISOString().slice(0, 16).replace("T", " ");
    workings.push(`or wait: the cut lifts by itself at the cycle's end, ${end} UTC`);
    workingPhrases.push({ code: "recoveryWait", values: { end } });
  }
  return { minimumGb, limitGb, workings, warnings, workingPhrases, warningPhrases };
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
    /** the gauge's reason (English) and the same as code + values (metering.gaugeReason.<code>) */
    reason: string;
    reasonPhrase: Gauge["reasonPhrase"];
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
  /** the proposal (QuotaProposal): each `why` in English with its `whyPhrase`; `warningPhrases` one for one with `warnings` */
  quota: {
    provider: string | null;
    billingDay: QuotaProposal["billingDay"];
    allowanceGb: number | null;
    allowanceSource: string;
    limitGb: QuotaProposal["limitGb"];
    mode: QuotaProposal["mode"];
    warnings: string[];
    warningPhrases: QuotaLine[];
  };
  seed: { gb: number | null; workings: string[]; warnings: string[]; workingPhrases: QuotaLine[]; warningPhrases: QuotaLine[] };
  /** `workingPhrases` / `warningPhrases`: the lines as codes and values (metering.ops.lines.<code>), one for one */
  proration: null | {
    createdAt: string;
    bundleGb: number;
    fullLimitGb: number;
    creationMonth: boolean;
    prorated: { limitGb: number; restoreAt: string; allowanceGb: number };
    seeded: { limitGb: number; setUsageGb: number; remainingGb: number; clearsAt: string };
    workings: string[];
    warnings: string[];
    workingPhrases: QuotaLine[];
    warningPhrases: QuotaLine[];
  };
  recovery: null | RecoveryProposal;
  /** provider configuration or source problems, one sentence each (English); `problemPhrases` the same as codes and values, one for one */
  problems: string[];
  problemPhrases: QuotaLine[];
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
  const problemPhrases: QuotaLine[] = [];
  const problem = (text: string, code: QuotaLine["code"], values: Record<string, string> = {}) => (problems.push(text), problemPhrases.push({ code, values }));
  let rules: Record<string, ProviderRule> = {};
  try {
    rules = providerRulesFromEnv().rules;
  } catch (e) {
    problem(`provider accounting configuration: ${(e as Error).message} (defaults used)`, "problemRulesInvalid", { message: (e as Error).message });
    const { DEFAULT_PROVIDER_RULES } = await import("./provider");
    rules = DEFAULT_PROVIDER_RULES;
  }
  let src: Sources | null = null;
  try {
    src = opts.sources === undefined ? await (await import("./provider")).sourcesFromEnv() : opts.sources;
    if (!src) problem("Center is not configured (KAITU_CENTER_URL): no provider figures", "problemNoCenter");
  } catch (e) {
    problem(`Center's cloud inventory could not be read: ${(e as Error).message}`, "problemCenterUnreadable", { message: (e as Error).message });
  }
  const n = await db().meterNode.findUnique({ where: { nodeIpv4: ipv4 } });
  const instance = src ? instanceOf(src.instances, ipv4) : null;
  const rule = ruleOf(rules, instance?.provider);
  let lightsail: LightsailFacts | null = null;
  if (instance?.provider === "aws_lightsail" && src?.lightsail?.getInstance) {
    const { lightsailTargetOf } = await import("@/lib/lightsail/client");
    const target = lightsailTargetOf(instance);
    if (target) lightsail = await src.lightsail.getInstance(target.name, target.region).catch((e: Error) => (problem(`Lightsail GetInstance: ${e.message}`, "problemLightsail", { message: e.message }), null));
  }
  const figure = src ? await providerFigure(ipv4, src, rules, now).catch((e: Error) => (problem(`provider figure: ${e.message}`, "problemFigure", { message: e.message }), null)) : null;

  let meter: QuotaContext["meter"] = null;
  let cycleStart: Date | null = null;
  if (n) {
    const limitBytes = n.limitGb !== null && n.limitGb >= 0 ? limitBytesOf(n.limitGb) : 0n;
    const gauge = gaugeOf({ metering: !!n.metering, limitBytes, usedBytes: n.used, cutObserved: !!n.cut || (!!n.metering && !!n.k2sPaused), warnPercent: opts.warnPercent });
    cycleStart = n.cycleEndAt && n.billingDay ? cycleOfEnd(n.billingDay, n.cycleEndAt).start : null;
    meter = {
      polledAt: n.at?.toISOString() ?? null, metering: !!n.metering, state: gauge.state, reason: gauge.reason, reasonPhrase: gauge.reasonPhrase, usedGib: num(n.used), percentUsed: gauge.percentUsed,
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
        workingPhrases: p.workingPhrases,
        warningPhrases: p.warningPhrases,
      };
    }
  }
  const recovery = meter?.cut && n?.used !== null && n?.used !== undefined ? proposeRecovery({ usedBytes: n.used, limitGb: n.limitGb, allowanceGb: q.allowance.gb, proposedLimitGb: q.limitGb.value, cycleEnd: n.cycleEndAt }) : null;
  return {
    ipv4,
    meter,
    provider: figure ? { provider: figure.provider, instance: figure.instance.name, source: figure.source, usedGib: gibOf(figure.usedBytes), inGib: num(figure.inBytes), outGib: num(figure.outBytes), basis: figure.basis, totalGib: num(figure.totalBytes), periodStart: figure.periodStart?.toISOString() ?? null, notes: figure.notes } : null,
    quota: { provider: q.provider, billingDay: q.billingDay, allowanceGb: q.allowance.gb, allowanceSource: q.allowance.source, limitGb: q.limitGb, mode: q.mode, warnings: q.warnings, warningPhrases: q.warningPhrases },
    seed: { gb: seed.gb, ...lines(seed), workingPhrases: seed.workingPhrases, warningPhrases: seed.warningPhrases },
    proration,
    recovery,
    problems,
    problemPhrases,
  };
}

/** GiB of `bytes` rounded up to whole GB (set-usage never undercounts). */
export const ceilGb = (bytes: bigint): number => Number((bytes + BYTES_PER_GIB - 1n) / BYTES_PER_GIB);
