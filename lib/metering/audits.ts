import { db } from "@/lib/db";
import type { CloudInstance } from "@/lib/center/schemas";
import { BYTES_PER_GIB, gibOf, nextCycleEnds, runningCycle, type BillingMode } from "./cycle";
import { proposeQuota } from "./quota";
import { DEFAULT_PROVIDER_RULES, latestProviderSamples, nodeModeFor, providerRulesFromEnv, ruleOf, type ProviderRule, type Sources } from "./provider";
import { NONE, type Phrase as SharedPhrase } from "@/lib/phrase";

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

/**
 * A sentence of the audits as a stable code and its values (plain data; the Metering page
 * renders it from its catalog, metering.audits.<group>.<code>, the English `text` beside it
 * is what else uses). Values are strings, shown verbatim (numbers as lib prints them,
 * unformatted); `NONE` stands for "absent" where the sentence then says something else.
 */
export type Phrase<C extends string> = SharedPhrase<C, Record<string, string>>;
export { NONE };

/** The codes of the fix-link labels (metering.audits.fix.<code>). */
export type FixCode = "configureQuota" | "setBillingDay" | "setLimit" | "setLimitBelow" | "setMode" | "readSidecarLog" | "seedFromProvider" | "compareOnNode" | "restoreAfterRestart" | "applyUpD";
/** The codes of the finding details (metering.audits.finding.<code>). */
export type FindingCode =
  | "meteringOffProposed"
  | "meteringOffNoProposal"
  | "meteringOffNoInstance"
  | "billingDay"
  | "limitUnlimited"
  | "limitOverAllowance"
  | "stale095"
  | "stale095NoCurrent"
  | "modeMismatch"
  | "reporterFailing"
  | "reporterFailingNoError"
  | "divergence"
  | "divergenceNoText"
  | "restartReanchorsNow"
  | "restartReanchorsRollover"
  | "limitNotApplied";
/** The codes of runMeteringAudits' problems (metering.audits.problem.<code>). */
export type ProblemCode = "rulesInvalid" | "noCenter" | "centerUnreadable";

/** A fix: `label` is the English link text, `labelPhrase` the same as code + values. */
export type Fix =
  | { kind: "configure-quota"; label: string; labelPhrase: Phrase<FixCode>; billingDay: number | null; limitGb: number | null; mode: BillingMode }
  | { kind: "set-usage"; label: string; labelPhrase: Phrase<FixCode>; usedGb: number }
  | { kind: "open-node"; label: string; labelPhrase: Phrase<FixCode> };

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

/** One node in an audit: `detail` is the English sentence, `detailPhrase` the same as code + values. */
export type Finding = { ipv4: string; name: string; severity: "critical" | "warning" | "info"; detail: string; detailPhrase: Phrase<FindingCode>; fix: Fix | null };
/** An audit: `title` and `description` are English; the page shows metering.audits.titles.<key>.title / .description. */
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
    const known = n.instance?.provider ?? NONE;
    const ph = <C extends string>(code: C, values: Record<string, string | number | null> = {}): Phrase<C> => ({ code, values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === null ? NONE : String(v)])) });
    const configure = (label: string, labelPhrase: Phrase<FixCode>, over: Partial<{ billingDay: number | null; limitGb: number | null; mode: BillingMode }> = {}): Fix => ({
      kind: "configure-quota",
      label,
      labelPhrase,
      billingDay: over.billingDay !== undefined ? over.billingDay : (n.billingDay ?? q.billingDay.value),
      limitGb: over.limitGb !== undefined ? over.limitGb : (n.limitGb || q.limitGb.value),
      mode: over.mode ?? mode,
    });
    const add = (k: AuditKey, severity: Finding["severity"], detail: string, detailPhrase: Phrase<FindingCode>, fix: Fix | null) => found[k].push({ ipv4: n.ipv4, name: n.name, severity, detail, detailPhrase, fix });
    const setDay = (day: number) => configure(`Set billing day ${day}`, ph("setBillingDay", { day }), { billingDay: day });
    if (n.metering === false) {
      const offValues = { provider: known, allowance: q.allowance.gb || null };
      add(
        "metering-off",
        "critical",
        `${provider}: uncapped${q.allowance.gb ? ` (allowance ${q.allowance.gb} GB)` : ""}. ${q.billingDay.value ? `Proposed: day ${q.billingDay.value}, limit ${q.limitGb.value ?? "?"} GB, mode ${q.mode.value}` : q.billingDay.why}`,
        q.billingDay.value
          ? ph("meteringOffProposed", { ...offValues, day: q.billingDay.value, limit: q.limitGb.value ?? "?", mode: q.mode.value })
          : ph(known === NONE ? "meteringOffNoInstance" : "meteringOffNoProposal", { ...offValues, why: q.billingDay.why }),
        configure("Configure quota", ph("configureQuota"), { billingDay: q.billingDay.value, limitGb: q.limitGb.value, mode: q.mode.value }),
      );
      continue;
    }
    if (!n.metering) continue; // never read, or .env unreadable: nothing known
    if (q.billingDay.value !== null && n.billingDay !== null && n.billingDay !== q.billingDay.value) {
      add("billing-day", "warning", `billing day ${n.billingDay}, ${provider} resets on day ${q.billingDay.value} (${q.billingDay.why}). Changing it re-anchors the cycle: seed it from the provider afterwards`, ph("billingDay", { day: n.billingDay, provider: known, reset: q.billingDay.value, why: q.billingDay.why }), setDay(q.billingDay.value));
    }
    const allowance = q.allowance.gb;
    if (allowance !== null && n.limitGb !== null && (n.limitGb === 0 || n.limitGb >= allowance)) {
      add(
        "limit-allowance",
        "critical",
        n.limitGb === 0 ? `unlimited (limit 0) on a ${allowance} GB allowance (${q.allowance.source})` : `limit ${n.limitGb} GB ≥ allowance ${allowance} GB (${q.allowance.source})`,
        n.limitGb === 0 ? ph("limitUnlimited", { allowance, source: q.allowance.source }) : ph("limitOverAllowance", { limit: n.limitGb, allowance, source: q.allowance.source }),
        configure(`Set limit ${q.limitGb.value ?? "below the allowance"}`, q.limitGb.value === null ? ph("setLimitBelow") : ph("setLimit", { limit: q.limitGb.value }), { limitGb: q.limitGb.value }),
      );
    } else if (allowance !== null && n.limitGb && [Math.floor, Math.round, Math.ceil].some((f) => f(allowance * 0.95) === n.limitGb)) {
      add(
        "stale-095",
        "warning",
        `limit ${n.limitGb} GB = 0.95 × ${allowance} GB (the retired soft-hide convention); current: ${q.limitGb.value ?? "allowance − headroom"} GB`,
        ph(q.limitGb.value === null ? "stale095NoCurrent" : "stale095", { limit: n.limitGb, allowance, current: q.limitGb.value }),
        configure(`Set limit ${q.limitGb.value ?? "?"}`, ph("setLimit", { limit: q.limitGb.value ?? "?" }), { limitGb: q.limitGb.value }),
      );
    }
    const want = nodeModeFor(rule.billingMode);
    if (n.instance && mode !== want) {
      add(
        "mode-mismatch",
        rule.billingMode === "sum" ? "critical" : "warning",
        `mode ${mode}, ${provider} counts ${rule.billingMode}${rule.verified ? "" : " (configured default, not confirmed)"}: sidecar mode ${want}`,
        ph("modeMismatch", { mode, provider: known, counts: rule.billingMode, verified: rule.verified ? "yes" : "no", want }),
        configure(`Set mode ${want}`, ph("setMode", { mode: want }), { mode: want }),
      );
    }
    if (n.reportFailAt && (!n.reportAt || n.reportFailAt > n.reportAt)) {
      const minute = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ");
      add(
        "reporter-failing",
        "warning",
        `failing since ${minute(n.reportFailAt)} UTC${n.reportAt ? `, last ok ${minute(n.reportAt)}` : ", never ok"}: ${n.reportFailError ?? "see the sidecar log"}`,
        ph(n.reportFailError === null ? "reporterFailingNoError" : "reporterFailing", { since: minute(n.reportFailAt), lastOk: n.reportAt ? minute(n.reportAt) : null, error: n.reportFailError }),
        { kind: "open-node", label: "Read the sidecar's log", labelPhrase: ph("readSidecarLog") },
      );
    }
    if (n.provider?.flagged) {
      const seed = Number((n.provider.usedBytes + BYTES_PER_GIB - 1n) / BYTES_PER_GIB);
      const higher = n.usedBytes !== null && n.provider.usedBytes > n.usedBytes;
      add(
        "divergence",
        higher ? "critical" : "warning",
        n.provider.text ?? "diverges",
        n.provider.text === null ? ph("divergenceNoText") : ph("divergence", { text: n.provider.text }),
        higher && n.provider.nodeBasis === "node-cycle"
          ? { kind: "set-usage", label: `Seed from the provider: set-usage ${seed}`, labelPhrase: ph("seedFromProvider", { seed }), usedGb: seed }
          : { kind: "open-node", label: "Compare on the node page", labelPhrase: ph("compareOnNode") },
      );
    }
    if (n.billingDay !== null && n.billingDay >= 29) {
      const rc = runningCycle(n.billingDay, now);
      if (rc.restartReanchors) {
        const end = rc.end.toISOString().slice(0, 10);
        const freshEnd = rc.freshEnd.toISOString().slice(0, 10);
        const used = n.usedBytes !== null ? gb(n.usedBytes) : "?";
        add(
          "restart-reanchors",
          "critical",
          `NOW: a sidecar restarted before ${end} computes the cycle end ${freshEnd} instead and re-anchors (usage ${used} GiB → 0). Avoid restarts/up -d until then; after one, restore the count with set-usage`,
          ph("restartReanchorsNow", { end, freshEnd, used }),
          n.usedBytes !== null ? { kind: "set-usage", label: "After a restart: restore with set-usage", labelPhrase: ph("restoreAfterRestart"), usedGb: Number((n.usedBytes + BYTES_PER_GIB - 1n) / BYTES_PER_GIB) } : null,
        );
      } else {
        const odd = nextCycleEnds(n.billingDay, now, 12).filter((d) => d.getUTCDate() !== n.billingDay).map((d) => d.toISOString().slice(0, 10));
        if (odd.length) {
          add(
            "restart-reanchors",
            "info",
            `day ${n.billingDay}: resets roll over to ${odd.join(", ")}; a restart in the days before each re-anchors the cycle`,
            ph("restartReanchorsRollover", { day: n.billingDay, dates: odd.join(", ") }),
            q.billingDay.value && q.billingDay.value !== n.billingDay ? setDay(q.billingDay.value) : null,
          );
        }
      }
    }
    if (n.runningLimitGb !== null && n.limitGb !== null && n.runningLimitGb !== n.limitGb) {
      add("limit-not-applied", "warning", `.env says ${n.limitGb} GB, the running sidecar uses ${n.runningLimitGb} GB`, ph("limitNotApplied", { limit: n.limitGb, running: n.runningLimitGb }), configure("Apply with up -d k2-sidecar", ph("applyUpD")));
    }
  }
  const sev = { critical: 0, warning: 1, info: 2 };
  return AUDIT_KEYS.map((key) => ({ key, title: TITLES[key][0], description: TITLES[key][1], findings: found[key].sort((a, b) => sev[a.severity] - sev[b.severity] || a.ipv4.localeCompare(b.ipv4)) }));
}

/**
 * The audits over every node k2ops has read (MeterNode), with Center's cloud
 * inventory (`sources`, default from the environment; without Center the
 * provider-dependent audits find nothing and a problem says why) and the
 * latest provider comparisons. Never throws for a source: problems lists it
 * (English), problemPhrases the same sentences as code + values (`message`: the
 * error's own text, verbatim).
 */
export async function runMeteringAudits(opts: { now?: Date; sources?: Sources | null } = {}): Promise<{ audits: Audit[]; problems: string[]; problemPhrases: Phrase<ProblemCode>[]; rulesSource: string }> {
  const problems: string[] = [];
  const problemPhrases: Phrase<ProblemCode>[] = [];
  let rules: Record<string, ProviderRule> = DEFAULT_PROVIDER_RULES;
  let rulesSource = "defaults";
  try {
    ({ rules, source: rulesSource } = providerRulesFromEnv());
  } catch (e) {
    problems.push(`provider accounting configuration: ${(e as Error).message} (defaults used)`);
    problemPhrases.push({ code: "rulesInvalid", values: { message: (e as Error).message } });
  }
  let instances: CloudInstance[] = [];
  try {
    const src = opts.sources === undefined ? await (await import("./provider")).sourcesFromEnv() : opts.sources;
    if (src) instances = src.instances;
    else {
      problems.push("Center is not configured (KAITU_CENTER_URL): provider-dependent audits cannot run");
      problemPhrases.push({ code: "noCenter", values: {} });
    }
  } catch (e) {
    problems.push(`Center's cloud inventory could not be read: ${(e as Error).message}`);
    problemPhrases.push({ code: "centerUnreadable", values: { message: (e as Error).message } });
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
  return { audits: auditFleet(nodes, rules, opts.now), problems, problemPhrases, rulesSource };
}
