import { db } from "@/lib/db";
import type { CloudInstance } from "@/lib/center/schemas";
import { BYTES_PER_GIB, gibOf, nextCycleEnds, runningCycle, type BillingMode } from "./cycle";
import { proposeQuota } from "./quota";
import { DEFAULT_PROVIDER_RULES, latestProviderSamples, nodeModeFor, providerRulesFromEnv, ruleOf, type ProviderRule, type Sources } from "./provider";

// The metering audits of the fleet (issue #13 "Show" → Metering page; metering.md
// Part B and its guardrails), each a list of nodes with the fix the console
// offers (the node page's quota operations):
//   metering-off        no billing date: uncapped, bounded only by the provider bundle
//   billing-day         billing day ≠ the provider's reset day (Lightsail 01; Bandwagon
//                       the plan's own day, never the provisioning date)
//   limit-allowance     limit at or above the bundle's allowance, or unlimited on a
//                       node with an allowance (overage risk)
//   stale-095           the retired 0.95 × provider-quota convention (pre-2026-06-19)
//   mode-mismatch       billing mode differs from the provider's accounting rule
//   reporter-failing    the usage reporter's latest line is a failure
//   divergence          meter vs provider figure beyond the threshold
//   restart-reanchors   billing day 29-31: a sidecar restarted in the first days of a
//                       month after a short month re-anchors the cycle (usage back to 0)
//   limit-not-applied   .env's limit differs from the running sidecar's (edited, no up -d)
// Pure (auditFleet) over what k2ops stored; runMeteringAudits loads it.

export type Fix =
  | { kind: "configure-quota"; label: string; billingDay: number | null; limitGb: number | null; mode: BillingMode }
  | { kind: "set-usage"; label: string; usedGb: number }
  | { kind: "open-node"; label: string };

/**
 * The node page link that opens a fix prefilled in its quota panel
 * (components/metering/quota-operations.tsx reads these parameters): configure-quota →
 * quota=configure&day=&limit=&mode=; set-usage → quota=set-usage&used=; open-node → the page.
 */
export function fixHref(ipv4: string, fix: Fix | null): string {
  const q = new URLSearchParams();
  if (fix?.kind === "configure-quota") {
    q.set("quota", "configure");
    if (fix.billingDay !== null) q.set("day", String(fix.billingDay));
    if (fix.limitGb !== null) q.set("limit", String(fix.limitGb));
    q.set("mode", fix.mode);
  } else if (fix?.kind === "set-usage") {
    q.set("quota", "set-usage");
    q.set("used", String(fix.usedGb));
  }
  const qs = q.toString();
  return `/nodes/${ipv4}${qs ? `?${qs}` : ""}#quota`;
}

export type Finding = { ipv4: string; name: string; severity: "critical" | "warning" | "info"; detail: string; fix: Fix | null };
export type Audit = { key: AuditKey; title: string; description: string; findings: Finding[] };
export const AUDIT_KEYS = ["metering-off", "billing-day", "limit-allowance", "stale-095", "mode-mismatch", "reporter-failing", "divergence", "restart-reanchors", "limit-not-applied"] as const;
export type AuditKey = (typeof AUDIT_KEYS)[number];

/** One node as the audits see it (MeterNode's latest reading + Center's cloud instance + the latest provider comparison). */
export type AuditNode = {
  ipv4: string;
  name: string;
  metering: boolean | null;
  billingDay: number | null;
  limitGb: number | null;
  runningLimitGb: number | null;
  mode: string | null;
  usedBytes: bigint | null;
  reportAt: Date | null;
  reportFailAt: Date | null;
  reportFailError: string | null;
  instance: CloudInstance | null;
  provider: { flagged: boolean; text: string | null; usedBytes: bigint; nodeBasis: string | null } | null;
};

const TITLES: Record<AuditKey, [string, string]> = {
  "metering-off": ["Metering off (uncapped)", "No K2_NODE_BILLING_START_DATE: no meter, no reports, no cutoff; the node is bounded only by the provider's bundle."],
  "billing-day": ["Billing day is not the provider's reset day", "The node meters another window than the provider bills (Lightsail resets on the 1st; Bandwagon on the plan's own day)."],
  "limit-allowance": ["Limit at or above the bundle's allowance", "The cut trips only after the provider's allowance: overage is billed (Bandwagon suspends the VPS at 100 %)."],
  "stale-095": ["Stale 0.95 × provider-quota limit", "A limit that is a clean 0.95 × the provider's quota predates the 2026-06-19 redesign and was never migrated to allowance − headroom."],
  "mode-mismatch": ["Billing mode differs from the provider's rule", "The meter combines rx and tx differently from how the provider counts (a sum-billing provider with max under-counts up to 2×)."],
  "reporter-failing": ["Usage reporter failing", "Center gets no usage from the node: it cannot hide the node when over quota, and its figures go stale."],
  divergence: ["Meter vs provider divergence", "The node's count and the provider's own figure differ beyond the threshold."],
  "restart-reanchors": ["Billing day 29-31: restarts re-anchor", "In the first days of a month after a short month, a sidecar (re)started computes a later cycle end than the running one: its cycle re-anchors and usage drops to 0."],
  "limit-not-applied": ["Limit edited but not applied", "The running sidecar reports another limit than .env has: the .env was edited without up -d k2-sidecar (restart does not re-read it)."],
};

const gb = (b: bigint) => gibOf(b).toFixed(1);

/**
 * Every audit over `nodes` at `now` (each audit listed, possibly empty).
 * `rules`: the provider accounting configuration (provider.ts).
 */
export function auditFleet(nodes: AuditNode[], rules: Record<string, ProviderRule>, now = new Date()): Audit[] {
  const found: Record<AuditKey, Finding[]> = Object.fromEntries(AUDIT_KEYS.map((k) => [k, []])) as unknown as Record<AuditKey, Finding[]>;
  for (const n of nodes) {
    const rule = ruleOf(rules, n.instance?.provider);
    const q = proposeQuota({ ipv4: n.ipv4, instance: n.instance, rule });
    const provider = n.instance?.provider ?? "unknown provider";
    const mode: BillingMode = n.mode === "sum" ? "sum" : "max";
    const configure = (label: string, over: Partial<{ billingDay: number | null; limitGb: number | null; mode: BillingMode }> = {}): Fix => ({
      kind: "configure-quota",
      label,
      billingDay: over.billingDay !== undefined ? over.billingDay : (n.billingDay ?? q.billingDay.value),
      limitGb: over.limitGb !== undefined ? over.limitGb : (n.limitGb || q.limitGb.value),
      mode: over.mode ?? mode,
    });
    const add = (k: AuditKey, severity: Finding["severity"], detail: string, fix: Fix | null) => found[k].push({ ipv4: n.ipv4, name: n.name, severity, detail, fix });
    if (n.metering === false) {
      add("metering-off", "critical", `${provider}: uncapped${q.allowance.gb ? ` (allowance ${q.allowance.gb} GB)` : ""}. ${q.billingDay.value ? `Proposed: day ${q.billingDay.value}, limit ${q.limitGb.value ?? "?"} GB, mode ${q.mode.value}` : q.billingDay.why}`, configure("Configure quota", { billingDay: q.billingDay.value, limitGb: q.limitGb.value, mode: q.mode.value }));
      continue;
    }
    if (!n.metering) continue; // never read, or .env unreadable: nothing known
    if (q.billingDay.value !== null && n.billingDay !== null && n.billingDay !== q.billingDay.value) {
      add("billing-day", "warning", `billing day ${n.billingDay}, ${provider} resets on day ${q.billingDay.value} (${q.billingDay.why}). Changing it re-anchors the cycle: seed it from the provider afterwards`, configure(`Set billing day ${q.billingDay.value}`, { billingDay: q.billingDay.value }));
    }
    const allowance = q.allowance.gb;
    if (allowance !== null && n.limitGb !== null && (n.limitGb === 0 || n.limitGb >= allowance)) {
      add("limit-allowance", "critical", n.limitGb === 0 ? `unlimited (limit 0) on a ${allowance} GB allowance (${q.allowance.source})` : `limit ${n.limitGb} GB ≥ allowance ${allowance} GB (${q.allowance.source})`, configure(`Set limit ${q.limitGb.value ?? "below the allowance"}`, { limitGb: q.limitGb.value }));
    } else if (allowance !== null && n.limitGb && [Math.floor, Math.round, Math.ceil].some((f) => f(allowance * 0.95) === n.limitGb)) {
      add("stale-095", "warning", `limit ${n.limitGb} GB = 0.95 × ${allowance} GB (the retired soft-hide convention); current: ${q.limitGb.value ?? "allowance − headroom"} GB`, configure(`Set limit ${q.limitGb.value ?? "?"}`, { limitGb: q.limitGb.value }));
    }
    const want = nodeModeFor(rule.billingMode);
    if (n.instance && mode !== want) {
      add("mode-mismatch", rule.billingMode === "sum" ? "critical" : "warning", `mode ${mode}, ${provider} counts ${rule.billingMode}${rule.verified ? "" : " (configured default, not confirmed)"}: sidecar mode ${want}`, configure(`Set mode ${want}`, { mode: want }));
    }
    if (n.reportFailAt && (!n.reportAt || n.reportFailAt > n.reportAt)) {
      add("reporter-failing", "warning", `failing since ${n.reportFailAt.toISOString().slice(0, 16).replace("T", " ")} UTC${n.reportAt ? `, last ok ${n.reportAt.toISOString().slice(0, 16).replace("T", " ")}` : ", never ok"}: ${n.reportFailError ?? "see the sidecar log"}`, { kind: "open-node", label: "Read the sidecar's log" });
    }
    if (n.provider?.flagged) {
      const seed = Number((n.provider.usedBytes + BYTES_PER_GIB - 1n) / BYTES_PER_GIB);
      const higher = n.usedBytes !== null && n.provider.usedBytes > n.usedBytes;
      add("divergence", higher ? "critical" : "warning", n.provider.text ?? "diverges", higher && n.provider.nodeBasis === "node-cycle" ? { kind: "set-usage", label: `Seed from the provider: set-usage ${seed}`, usedGb: seed } : { kind: "open-node", label: "Compare on the node page" });
    }
    if (n.billingDay !== null && n.billingDay >= 29) {
      const rc = runningCycle(n.billingDay, now);
      if (rc.restartReanchors) {
        add("restart-reanchors", "critical", `NOW: a sidecar restarted before ${rc.end.toISOString().slice(0, 10)} computes the cycle end ${rc.freshEnd.toISOString().slice(0, 10)} instead and re-anchors (usage ${n.usedBytes !== null ? gb(n.usedBytes) : "?"} GiB → 0). Avoid restarts/up -d until then; after one, restore the count with set-usage`, n.usedBytes !== null ? { kind: "set-usage", label: "After a restart: restore with set-usage", usedGb: Number((n.usedBytes + BYTES_PER_GIB - 1n) / BYTES_PER_GIB) } : null);
      } else {
        const odd = nextCycleEnds(n.billingDay, now, 12).filter((d) => d.getUTCDate() !== n.billingDay).map((d) => d.toISOString().slice(0, 10));
        if (odd.length) add("restart-reanchors", "info", `day ${n.billingDay}: resets roll over to ${odd.join(", ")}; a restart in the days before each re-anchors the cycle`, q.billingDay.value && q.billingDay.value !== n.billingDay ? configure(`Set billing day ${q.billingDay.value}`, { billingDay: q.billingDay.value }) : null);
      }
    }
    if (n.runningLimitGb !== null && n.limitGb !== null && n.runningLimitGb !== n.limitGb) {
      add("limit-not-applied", "warning", `.env says ${n.limitGb} GB, the running sidecar uses ${n.runningLimitGb} GB`, configure("Apply with up -d k2-sidecar"));
    }
  }
  const sev = { critical: 0, warning: 1, info: 2 };
  return AUDIT_KEYS.map((key) => ({ key, title: TITLES[key][0], description: TITLES[key][1], findings: found[key].sort((a, b) => sev[a.severity] - sev[b.severity] || a.ipv4.localeCompare(b.ipv4)) }));
}

/**
 * The audits over every node k2ops has read (MeterNode), with Center's cloud
 * inventory (`sources`, default from the environment; without Center the
 * provider-dependent audits find nothing and a problem says why) and the
 * latest provider comparisons. Never throws for a source: problems lists it.
 */
export async function runMeteringAudits(opts: { now?: Date; sources?: Sources | null } = {}): Promise<{ audits: Audit[]; problems: string[]; rulesSource: string }> {
  const problems: string[] = [];
  let rules: Record<string, ProviderRule> = DEFAULT_PROVIDER_RULES;
  let rulesSource = "defaults";
  try {
    ({ rules, source: rulesSource } = providerRulesFromEnv());
  } catch (e) {
    problems.push(`provider accounting configuration: ${(e as Error).message} (defaults used)`);
  }
  let instances: CloudInstance[] = [];
  try {
    const src = opts.sources === undefined ? await (await import("./provider")).sourcesFromEnv() : opts.sources;
    if (src) instances = src.instances;
    else problems.push("Center is not configured (KAITU_CENTER_URL): provider-dependent audits cannot run");
  } catch (e) {
    problems.push(`Center's cloud inventory could not be read: ${(e as Error).message}`);
  }
  const rows = await db().meterNode.findMany({ orderBy: { nodeIpv4: "asc" } });
  const names = new Map((await db().node.findMany({ where: { ipv4: { in: rows.map((r) => r.nodeIpv4) } }, select: { ipv4: true, name: true } })).map((n) => [n.ipv4, n.name]));
  const samples = new Map((await latestProviderSamples(rows.map((r) => r.nodeIpv4))).map((s) => [s.nodeIpv4, s]));
  const nodes: AuditNode[] = rows.map((r) => {
    const s = samples.get(r.nodeIpv4);
    return {
      ipv4: r.nodeIpv4, name: names.get(r.nodeIpv4) || r.nodeIpv4, metering: r.metering, billingDay: r.billingDay, limitGb: r.limitGb, runningLimitGb: r.runningLimitGb, mode: r.mode, usedBytes: r.used,
      reportAt: r.reportAt, reportFailAt: r.reportFailAt, reportFailError: r.reportFailError, instance: instances.find((i) => i.ip_address === r.nodeIpv4) ?? null,
      provider: s ? { flagged: s.flagged, text: (s.detail as { text?: string } | null)?.text ?? null, usedBytes: s.usedBytes, nodeBasis: s.nodeBasis } : null,
    };
  });
  return { audits: auditFleet(nodes, rules, opts.now), problems, rulesSource };
}
