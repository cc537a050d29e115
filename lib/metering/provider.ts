import { sameAcrossBundles } from "@/lib/errors";
import fs from "node:fs";
import { z } from "zod";
import { db } from "@/lib/db";
import type { CloudInstance } from "@/lib/center/schemas";
import { logger } from "@/lib/log";
import { BYTES_PER_GIB, cycleOfEnd, gibOf, type BillingMode } from "./cycle";

// Provider accounting as CONFIGURATION, never assumed (issue #13 "Provider
// accounting is configuration"; metering.md Part B; node-behavior.md §11.1),
// and the provider's own figures of a node's usage with their divergence from
// the node's meter.
//
// Per provider (Center's ids: aws_lightsail, bandwagon, alibaba_swas, ...):
//   billingMode  how the provider counts the month's transfer: "max" = max(in, out),
//                "sum" = in + out, "out" = outbound only (traffic packages);
//   verified     whether that rule was confirmed from the provider's own terms
//                (false: a conservative default the audit asks the operator to confirm);
//   reset        "calendar-1st" (the 1st, 00:00 UTC: K2_NODE_BILLING_START_DATE day 01),
//                "plan-day" (the plan's own day of month, read off the provider's panel,
//                NEVER the provisioning date nor Center's traffic_reset_at),
//                "not-monthly" (rolling / package expiry: the meter cannot model it);
//   bundles      bundle/plan id → monthly transfer allowance, GB (the sidecar's GiB);
//   headroomGb   K2_NODE_TRAFFIC_LIMIT_GB = allowance − headroomGb (≥ 1: at least 1 GB
//                above the 500 MiB cutoff reserve, so the node cuts before the provider bills);
//   nodes        per-node facts read off the provider's panel, by IPv4: the plan's reset
//                day, its allowance, its bundle id.
//
// The documented defaults (DEFAULT_PROVIDER_RULES) and how to change them:
// K2OPS_PROVIDER_ACCOUNTING (JSON) or K2OPS_PROVIDER_ACCOUNTING_FILE (a JSON
// file), each `{ "<provider>": { ...partial rule } }`, merged over the default
// rule of that provider (a provider without a default starts from UNKNOWN_RULE).
//
// Lightsail: the runbook (metering.md) says max(in, out); the sidecar's
// 2026-08-20 change (c0b6a339) moved Lightsail to in + out after an overage
// bill, and Center's own sync and overage backstop count in + out. The default
// is "sum" (the rule that never lets the node cut later than AWS bills),
// unverified, so the audit shows it until an operator confirms the account's
// bill and sets `verified: true` (or "max").

export const PROVIDER_MODES = ["max", "sum", "out"] as const;
export type ProviderMode = (typeof PROVIDER_MODES)[number];
export const RESET_RULES = ["calendar-1st", "plan-day", "not-monthly"] as const;
export type ResetRule = (typeof RESET_RULES)[number];

const nodeFactsSchema = z.object({ resetDay: z.number().int().min(1).max(31).optional(), allowanceGb: z.number().int().positive().optional(), bundle: z.string().min(1).optional() }).strict();

export const providerRuleSchema = z
  .object({
    billingMode: z.enum(PROVIDER_MODES),
    verified: z.boolean(),
    reset: z.enum(RESET_RULES),
    bundles: z.record(z.string(), z.number().int().positive()),
    headroomGb: z.number().int().min(1).max(100_000),
    nodes: z.record(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, "an IPv4 address"), nodeFactsSchema),
    note: z.string(),
  })
  .strict();
export type ProviderRule = z.infer<typeof providerRuleSchema>;

/** A rule for a provider the configuration does not know: nothing assumed but a conservative sum. */
export const UNKNOWN_RULE: ProviderRule = {
  billingMode: "sum",
  verified: false,
  reset: "not-monthly",
  bundles: {},
  headroomGb: 10,
  nodes: {},
  note: "No rule configured for this provider: read its reset date, allowance and accounting from its console and configure them (K2OPS_PROVIDER_ACCOUNTING).",
};

/** The documented defaults (README "Provider accounting"). */
export const DEFAULT_PROVIDER_RULES: Record<string, ProviderRule> = {
  aws_lightsail: {
    billingMode: "sum",
    verified: false,
    reset: "calendar-1st",
    // metering.md Part B (ap-southeast-2) and the simulator's bundles
    bundles: { nano_3_2: 1024, micro_3_2: 1024, small_3_2: 1536, medium_3_2: 2048 },
    // the runbook's worked example: a 1024 GB bundle runs at K2_NODE_TRAFFIC_LIMIT_GB=1000
    headroomGb: 24,
    nodes: {},
    note: "Calendar month (reset the 1st 00:00 UTC); the runbook says max(in,out), the sidecar's 2026-08-20 change and Center count in+out: sum until the account's bill confirms otherwise.",
  },
  bandwagon: {
    billingMode: "sum",
    verified: false,
    reset: "plan-day",
    bundles: {},
    headroomGb: 10,
    nodes: {},
    note: "Monthly on the plan's own reset day (KiwiVM panel 'Next reset'; Center's traffic_reset_at can be a day early). Whether the plan counts max, in+out or outbound: confirm from KiwiVM's plan terms. BWH suspends the whole VPS at 100 %.",
  },
  alibaba_swas: { ...UNKNOWN_RULE, billingMode: "out", note: "Traffic packages (outbound), billed by instance expiry: not a monthly fixed-day reset." },
  aliyun_swas: { ...UNKNOWN_RULE, billingMode: "out", note: "Traffic packages (outbound), billed by instance expiry: not a monthly fixed-day reset." },
  tencent_lighthouse: { ...UNKNOWN_RULE, billingMode: "out", note: "Traffic packages (outbound) with their own deadlines: not a monthly fixed-day reset." },
  qcloud_lighthouse: { ...UNKNOWN_RULE, billingMode: "out", note: "Traffic packages (outbound) with their own deadlines: not a monthly fixed-day reset." },
  ssh_standalone: { ...UNKNOWN_RULE, note: "Not a cloud account (Center synthesises it; vnstat RX+TX of the calendar month): configure the real provider's rule per node." },
};

export class ProviderConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderConfigError";
  }
}
sameAcrossBundles(ProviderConfigError, "ProviderConfigError");

export type ProviderRules = { rules: Record<string, ProviderRule>; source: string };

/**
 * The provider rules in force: the defaults, with K2OPS_PROVIDER_ACCOUNTING
 * (JSON) or K2OPS_PROVIDER_ACCOUNTING_FILE (a JSON file) merged over them per
 * provider (`bundles` and `nodes` merged key by key). Throws
 * ProviderConfigError naming the file/variable and the bad field.
 */
export function providerRulesFromEnv(env: Record<string, string | undefined> = process.env): ProviderRules {
  let text = env.K2OPS_PROVIDER_ACCOUNTING?.trim() || "";
  let source = text ? "K2OPS_PROVIDER_ACCOUNTING" : "defaults";
  const file = env.K2OPS_PROVIDER_ACCOUNTING_FILE?.trim();
  if (!text && file) {
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new ProviderConfigError(`K2OPS_PROVIDER_ACCOUNTING_FILE ${file}: ${(e as Error).message}`);
    }
    source = file;
  }
  if (!text) return { rules: { ...DEFAULT_PROVIDER_RULES }, source };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ProviderConfigError(`${source}: not JSON (${(e as Error).message})`);
  }
  return { rules: mergeRules(raw, source), source };
}

/** `raw` ({ provider: partial rule }) merged over the defaults; throws ProviderConfigError. */
export function mergeRules(raw: unknown, source = "configuration"): Record<string, ProviderRule> {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new ProviderConfigError(`${source}: expected an object { "<provider>": { ...rule } }`);
  const out: Record<string, ProviderRule> = { ...DEFAULT_PROVIDER_RULES };
  for (const [provider, partial] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[a-z0-9_]{1,64}$/.test(provider)) throw new ProviderConfigError(`${source}: "${provider}" is not a provider id (like aws_lightsail)`);
    const base = out[provider] ?? UNKNOWN_RULE;
    const p = (partial ?? {}) as Partial<ProviderRule>;
    const merged = { ...base, ...p, bundles: { ...base.bundles, ...(p.bundles ?? {}) }, nodes: { ...base.nodes, ...(p.nodes ?? {}) } };
    const r = providerRuleSchema.safeParse(merged);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new ProviderConfigError(`${source}: ${provider}.${i.path.join(".") || "rule"}: ${i.message}`);
    }
    out[provider] = r.data;
  }
  return out;
}

/** The rule for `provider` (null/unknown: UNKNOWN_RULE). */
export function ruleOf(rules: Record<string, ProviderRule>, provider: string | null | undefined): ProviderRule {
  return (provider && rules[provider]) || UNKNOWN_RULE;
}

/** The sidecar billing mode that matches a provider's accounting: sum → sum, max → max, outbound-only → max (max ≥ out: never under-counts). */
export function nodeModeFor(mode: ProviderMode): BillingMode {
  return mode === "sum" ? "sum" : "max";
}

// ---- the provider's figure ---------------------------------------------------

export type ProviderFigure = {
  provider: string;
  source: "center" | "lightsail";
  /** Center's cloud instance (id, provider instance id, name, region) */
  instance: { id: number; instanceId: string; name: string; region: string; account: string };
  /** as of when the provider counted (Center's last_synced_at; the request for Lightsail) */
  providerAt: Date | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  inBytes: bigint | null;
  outBytes: bigint | null;
  /** the billable figure, bytes, under `basis` */
  usedBytes: bigint;
  /** max | sum | out: computed from in/out under the rule; counter: the provider's own billable counter (Center) */
  basis: ProviderMode | "counter";
  /** the allowance, bytes (Center's traffic_total_gb × 2^30), null when unknown */
  totalBytes: bigint | null;
  notes: string[];
};

const gibBytes = (gib: number) => BigInt(Math.round(gib * Number(BYTES_PER_GIB)));
const monthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
const nextMonthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
/** combine(in, out) under a provider's mode (bytes). */
export const providerCombine = (mode: ProviderMode, inB: bigint, outB: bigint): bigint => (mode === "sum" ? inB + outB : mode === "out" ? outB : inB > outB ? inB : outB);

/**
 * The provider's figure from Center's cloud instance (center-api.md §6.3/§6.7):
 * traffic_used_gb (GiB float) over the provider's period. aws_lightsail: in +
 * out since the 1st (UTC) — the billable figure only when the rule is "sum";
 * bandwagon: the provider's own counter over the plan's month (Center's
 * traffic_reset_at is the next reset, possibly a day early); ssh_standalone:
 * vnstat's calendar month; traffic-package providers: no monthly period.
 */
export function figureFromCenter(ci: CloudInstance, rule: ProviderRule, now: Date): ProviderFigure {
  const notes: string[] = [];
  let periodStart: Date | null = null;
  let periodEnd: Date | null = null;
  let basis: ProviderFigure["basis"] = "counter";
  const reset = ci.traffic_reset_at ? new Date(ci.traffic_reset_at * 1000) : null;
  if (ci.provider === "aws_lightsail") {
    periodStart = monthStart(now);
    periodEnd = nextMonthStart(now);
    basis = "sum";
    if (rule.billingMode !== "sum") notes.push(`Center's Lightsail figure is NetworkIn + NetworkOut; the configured accounting is ${rule.billingMode}: an upper bound (configure the Lightsail API for the per-direction figures)`);
  } else if (ci.provider === "bandwagon" && reset) {
    periodEnd = reset;
    periodStart = new Date(Date.UTC(reset.getUTCFullYear(), reset.getUTCMonth() - 1, reset.getUTCDate()));
    notes.push("Bandwagon's counter period from Center's traffic_reset_at, which can be up to a day earlier than the plan's real reset day");
  } else if (ci.provider === "ssh_standalone") {
    periodStart = monthStart(now);
    periodEnd = nextMonthStart(now);
    basis = "sum";
    notes.push("ssh_standalone: vnstat RX + TX of the calendar month, read by Center over SSH");
  } else notes.push(`${ci.provider}: traffic packages, not a monthly period`);
  if (ci.sync_error) notes.push(`Center's last sync of this instance failed: ${ci.sync_error}`);
  return {
    provider: ci.provider,
    source: "center",
    instance: { id: ci.id, instanceId: ci.instance_id, name: ci.name, region: ci.region, account: ci.account_name },
    providerAt: ci.last_synced_at ? new Date(ci.last_synced_at * 1000) : null,
    periodStart,
    periodEnd,
    inBytes: null,
    outBytes: null,
    usedBytes: gibBytes(ci.traffic_used_gb),
    basis,
    totalBytes: ci.traffic_total_gb > 0 ? gibBytes(ci.traffic_total_gb) : null,
    notes,
  };
}

/** The Lightsail month's NetworkIn/NetworkOut (lib/lightsail monthlyTransfer) as a figure under the rule's mode. */
export function figureFromLightsail(ci: CloudInstance, m: { from: number; inBytes: number; outBytes: number }, rule: ProviderRule, at: Date, totalGb: number | null): ProviderFigure {
  const inB = BigInt(Math.round(m.inBytes));
  const outB = BigInt(Math.round(m.outBytes));
  const from = new Date(m.from * 1000);
  return {
    provider: ci.provider,
    source: "lightsail",
    instance: { id: ci.id, instanceId: ci.instance_id, name: ci.name, region: ci.region, account: ci.account_name },
    providerAt: at,
    periodStart: from,
    periodEnd: nextMonthStart(from),
    inBytes: inB,
    outBytes: outB,
    usedBytes: providerCombine(rule.billingMode, inB, outB),
    basis: rule.billingMode,
    totalBytes: totalGb ? BigInt(totalGb) * BYTES_PER_GIB : ci.traffic_total_gb > 0 ? gibBytes(ci.traffic_total_gb) : null,
    notes: [`Lightsail GetInstanceMetricData NetworkIn ${gibOf(inB).toFixed(1)} GiB, NetworkOut ${gibOf(outB).toFixed(1)} GiB since ${from.toISOString().slice(0, 10)}; ${rule.billingMode === "sum" ? "in + out" : rule.billingMode === "max" ? "max(in, out)" : "outbound"} per the configured accounting`],
  };
}

export type Sources = {
  /** Center's cloud instances (one list per refresh) */
  instances: CloudInstance[];
  /** the Lightsail wrapper, when configured (AWS_REGION); null = Center's figures only */
  lightsail: { monthlyTransfer(name: string, o: { region?: string; nowSec?: number }): Promise<{ from: number; inBytes: number; outBytes: number }>; getInstance?(name: string, region?: string): Promise<{ createdAt: number; bundleId: string; transferGbPerMonth: number }> } | null;
};

/** Center's cloud instance of a node (by IPv4), or null. */
export function instanceOf(instances: CloudInstance[], ipv4: string): CloudInstance | null {
  return instances.find((i) => i.ip_address === ipv4) ?? null;
}

/**
 * The provider's figure of one node: Lightsail's per-direction metric data for
 * an aws_lightsail instance when the Lightsail API is configured (a failure
 * falls back to Center's figure, noted), else Center's cloud-instance fields.
 * Null when Center lists no cloud instance at the node's IPv4.
 */
export async function providerFigure(ipv4: string, src: Sources, rules: Record<string, ProviderRule>, now = new Date()): Promise<ProviderFigure | null> {
  const ci = instanceOf(src.instances, ipv4);
  if (!ci) return null;
  const rule = ruleOf(rules, ci.provider);
  if (ci.provider === "aws_lightsail" && src.lightsail) {
    try {
      const { lightsailTargetOf } = await import("@/lib/lightsail/client");
      const target = lightsailTargetOf(ci);
      if (target) {
        const m = await src.lightsail.monthlyTransfer(target.name, { region: target.region, nowSec: Math.floor(now.getTime() / 1000) });
        return figureFromLightsail(ci, m, rule, now, null);
      }
    } catch (e) {
      const f = figureFromCenter(ci, rule, now);
      f.notes.push(`Lightsail metric data unavailable (${(e as Error).message}); Center's figure instead`);
      return f;
    }
  }
  return figureFromCenter(ci, rule, now);
}

// ---- divergence ------------------------------------------------------------------

export type DivergenceThreshold = { percent: number; minBytes: bigint };

/**
 * K2OPS_METER_DIVERGENCE_PERCENT (default 10) and K2OPS_METER_DIVERGENCE_MIN_GB
 * (default 20 GiB): the figures diverge when they differ by more than BOTH,
 * as Center's own reconciliation alert does (center-api.md §6.8).
 */
export function divergenceThresholdFromEnv(env: Record<string, string | undefined> = process.env): DivergenceThreshold {
  const pct = Number(env.K2OPS_METER_DIVERGENCE_PERCENT);
  const gb = Number(env.K2OPS_METER_DIVERGENCE_MIN_GB);
  return { percent: env.K2OPS_METER_DIVERGENCE_PERCENT && pct > 0 ? pct : 10, minBytes: BigInt(Math.round((env.K2OPS_METER_DIVERGENCE_MIN_GB && gb >= 0 ? gb : 20) * Number(BYTES_PER_GIB))) };
}

export type Divergence = { diffBytes: bigint; /** (provider − node) / provider × 100; positive: the provider counts more */ percent: number; flagged: boolean; text: string };

/** Provider vs node over the same window (bytes); flagged beyond the threshold (both the % and the absolute minimum). */
export function divergenceOf(providerBytes: bigint, nodeBytes: bigint, t: DivergenceThreshold): Divergence {
  const diff = providerBytes - nodeBytes;
  const abs = diff < 0n ? -diff : diff;
  const base = providerBytes > 0n ? providerBytes : nodeBytes > 0n ? nodeBytes : 1n;
  const percent = (Number(diff) / Number(base)) * 100;
  const flagged = Math.abs(percent) > t.percent && abs > t.minBytes;
  const dir = diff > 0n ? "the provider counts more than the node (overage risk: the node would cut late)" : diff < 0n ? "the node counts more than the provider (it cuts early)" : "they agree";
  return { diffBytes: diff, percent, flagged, text: `provider ${gibOf(providerBytes).toFixed(1)} GiB vs node ${gibOf(nodeBytes).toFixed(1)} GiB: ${percent >= 0 ? "+" : ""}${percent.toFixed(1)} % (${gibOf(diff).toFixed(1)} GiB); ${dir}` };
}

/**
 * The node's usage over the provider's period (bytes), from k2ops' record:
 * the node's own cycle `used` when its cycle starts where the provider's
 * period does (within an hour), else the sum of the integrity-checked deltas
 * in the hourly rollups since the period's start, combined per the node's
 * mode — when k2ops' history covers that start (its first sample at most an
 * hour after it). Null with the reason otherwise.
 */
export async function nodeUsageOver(ipv4: string, periodStart: Date | null): Promise<{ bytes: bigint | null; basis: "node-cycle" | "rollups" | null; reason: string | null }> {
  if (!periodStart) return { bytes: null, basis: null, reason: "the provider's figure has no monthly period to compare with" };
  const n = await db().meterNode.findUnique({ where: { nodeIpv4: ipv4 } });
  if (!n || !n.metering) return { bytes: null, basis: null, reason: "the node does not meter (no billing date)" };
  if (n.used !== null && n.cycleEndAt && n.billingDay) {
    const start = cycleOfEnd(n.billingDay, n.cycleEndAt).start;
    if (Math.abs(start.getTime() - periodStart.getTime()) <= 3600_000) return { bytes: n.used, basis: "node-cycle", reason: null };
  }
  const first = await db().meterSample.findFirst({ where: { nodeIpv4: ipv4 }, orderBy: { at: "asc" }, select: { at: true } });
  const firstHour = await db().meterHourly.findFirst({ where: { nodeIpv4: ipv4 }, orderBy: { bucket: "asc" }, select: { bucket: true } });
  const since = [first?.at, firstHour?.bucket].filter((d): d is Date => !!d).sort((a, b) => a.getTime() - b.getTime())[0];
  if (!since || since.getTime() > periodStart.getTime() + 3600_000) return { bytes: null, basis: null, reason: `the node's cycle does not start at the provider's period (${periodStart.toISOString().slice(0, 10)}) and k2ops' history does not reach back to it` };
  const rows = await db().$queryRaw<{ rx: bigint | null; tx: bigint | null }[]>`SELECT sum("rxBytes")::bigint AS rx, sum("txBytes")::bigint AS tx FROM "MeterHourly" WHERE "nodeIpv4" = ${ipv4} AND "bucket" >= ${periodStart}`;
  const rx = rows[0]?.rx ?? 0n;
  const tx = rows[0]?.tx ?? 0n;
  const mode = (n.mode as BillingMode | null) ?? "max";
  return { bytes: mode === "sum" ? rx + tx : rx > tx ? rx : tx, basis: "rollups", reason: null };
}

// ---- storage ------------------------------------------------------------------

export type ProviderSampleResult = { figure: ProviderFigure; node: { bytes: bigint | null; basis: string | null; reason: string | null }; divergence: Divergence | null };

/** Compares a figure with the node's usage over its window and stores both (MeterProviderSample at `at`). */
export async function recordProviderFigure(ipv4: string, figure: ProviderFigure, at: Date, t: DivergenceThreshold = divergenceThresholdFromEnv()): Promise<ProviderSampleResult> {
  const node = await nodeUsageOver(ipv4, figure.periodStart);
  const divergence = node.bytes === null ? null : divergenceOf(figure.usedBytes, node.bytes, t);
  await db().meterProviderSample.upsert({
    where: { nodeIpv4_at: { nodeIpv4: ipv4, at } },
    create: {
      nodeIpv4: ipv4, at, provider: figure.provider, source: figure.source, providerAt: figure.providerAt, periodStart: figure.periodStart, periodEnd: figure.periodEnd,
      inBytes: figure.inBytes, outBytes: figure.outBytes, usedBytes: figure.usedBytes, basis: figure.basis, totalBytes: figure.totalBytes,
      nodeUsedBytes: node.bytes, nodeBasis: node.basis, divergence: divergence?.percent ?? null, flagged: divergence?.flagged ?? false,
      detail: { notes: figure.notes, instance: figure.instance, ...(node.reason ? { notComparable: node.reason } : {}), ...(divergence ? { text: divergence.text } : {}) },
    },
    update: {},
  });
  return { figure, node, divergence };
}

export type StoredProviderSample = Awaited<ReturnType<typeof latestProviderSamples>>[number];

/** The latest provider sample per node (all nodes, or those of `ipv4s`). */
export async function latestProviderSamples(ipv4s?: string[]) {
  const rows = await db().meterProviderSample.findMany({
    where: ipv4s ? { nodeIpv4: { in: ipv4s } } : undefined,
    orderBy: [{ nodeIpv4: "asc" }, { at: "desc" }],
    distinct: ["nodeIpv4"],
  });
  return rows;
}

/** Deletes provider samples older than `days` (the daily rollups' retention). */
export async function pruneProviderSamples(now: Date, days: number): Promise<number> {
  return (await db().meterProviderSample.deleteMany({ where: { at: { lt: new Date(now.getTime() - days * 86_400_000) } } })).count;
}

/** K2OPS_METER_PROVIDER_MINUTES (default 30; 0 = off): how often the provider's figures are read (Center syncs its cloud every 30 min). */
export function providerRefreshMinutes(raw: string | undefined = process.env.K2OPS_METER_PROVIDER_MINUTES): number {
  if (raw === undefined || raw.trim() === "") return 30;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : 30;
}

// Center's cloud inventory is one paged list for the whole fleet (no filter by IP): node pages
// opened within a minute share one read of it (Center itself syncs its providers every 30 min).
let inventoryCache: { at: number; instances: Promise<CloudInstance[]> } | null = null;
const INVENTORY_TTL_MS = 60_000;

/**
 * The sources from the environment: Center (KAITU_CENTER_URL) and Lightsail when AWS_REGION is set.
 * Null when Center is not configured. Center's list is reused for a minute (`fresh`: read it now).
 */
export async function sourcesFromEnv(opts: { fresh?: boolean } = {}): Promise<Sources | null> {
  if (!process.env.KAITU_CENTER_URL) return null;
  const { centerClientFromEnv } = await import("@/lib/center/client");
  if (opts.fresh || !inventoryCache || Date.now() - inventoryCache.at > INVENTORY_TTL_MS) {
    const read = centerClientFromEnv().listAllCloudInstances({}, { timeoutMs: 20_000 });
    inventoryCache = { at: Date.now(), instances: read };
    read.catch(() => (inventoryCache = null));
  }
  const instances = await inventoryCache.instances;
  let lightsail: Sources["lightsail"] = null;
  if (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION) {
    const { lightsailClientFromEnv } = await import("@/lib/lightsail/client");
    lightsail = lightsailClientFromEnv();
  }
  return { instances, lightsail };
}

/**
 * Reads the provider's figure of every metering node (or `ipv4s`) and stores
 * it with the comparison; returns each result. `sources` default: from the
 * environment (nothing happens without Center). Never throws for one node.
 */
export async function refreshProviderFigures(opts: { now?: Date; sources?: Sources | null; rules?: Record<string, ProviderRule>; ipv4s?: string[]; threshold?: DivergenceThreshold; /** nodes read at a time (Lightsail: 2 API calls each), default 8 */ concurrency?: number } = {}): Promise<{ ipv4: string; result?: ProviderSampleResult; error?: string }[]> {
  const now = opts.now ?? new Date();
  const src = opts.sources === undefined ? await sourcesFromEnv({ fresh: true }) : opts.sources;
  if (!src) return [];
  const rules = opts.rules ?? providerRulesFromEnv().rules;
  const ipv4s = opts.ipv4s ?? (await db().meterNode.findMany({ where: { metering: true }, select: { nodeIpv4: true } })).map((n) => n.nodeIpv4);
  const out: { ipv4: string; result?: ProviderSampleResult; error?: string }[] = [];
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, opts.concurrency ?? 8), ipv4s.length) }, async () => {
      while (i < ipv4s.length) {
        const ipv4 = ipv4s[i++];
        try {
          const f = await providerFigure(ipv4, src, rules, now);
          if (f) out.push({ ipv4, result: await recordProviderFigure(ipv4, f, now, opts.threshold) });
        } catch (e) {
          logger.warn({ err: e, ipv4 }, "provider figure could not be read");
          out.push({ ipv4, error: (e as Error).message });
        }
      }
    }),
  );
  return out;
}
