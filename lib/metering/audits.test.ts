import { describe, expect, it } from "vitest";
import type { CloudInstance } from "@/lib/center/schemas";
import { BYTES_PER_GIB } from "./cycle";
import { AUDIT_KEYS, auditFleet, fixHref, type AuditNode, type FindingCode, type FixCode } from "./audits";
import { DEFAULT_PROVIDER_RULES, mergeRules } from "./provider";
import { createTranslator } from "next-intl";
import { en } from "@/messages";

// The metering audits (issue #13; metering.md Part B and its guardrails): each a
// list of nodes with the fix the node page offers.

const GIB = BYTES_PER_GIB;
const inst = (ip: string, o: Partial<CloudInstance> = {}): CloudInstance => ({
  id: 1, provider: "aws_lightsail", account_name: "aws-tokyo", instance_id: ip, name: ip, ip_address: ip, region: "ap-northeast-1",
  traffic_used_gb: 100, traffic_total_gb: 1024, traffic_ratio: 0.1, traffic_reset_at: Date.UTC(2026, 11, 1) / 1000, expires_at: 0, time_ratio: 0.5, last_synced_at: 0,
  ...o,
});
const node = (ip: string, o: Partial<AuditNode> = {}): AuditNode => ({
  ipv4: ip, name: `n-${ip}`, metering: true, billingDay: 1, limitGb: 1000, runningLimitGb: null, mode: "sum", usedBytes: 100n * GIB,
  reportAt: new Date("2026-11-20T11:00:00Z"), reportFailAt: null, reportFailError: null, instance: inst(ip), provider: null, ...o,
});
const NOW = new Date("2026-11-20T12:00:00Z");
const findings = (nodes: AuditNode[], now = NOW, rules = DEFAULT_PROVIDER_RULES) => Object.fromEntries(auditFleet(nodes, rules, now).map((a) => [a.key, a.findings.map((f) => f.ipv4)]));

describe("metering audits", () => {
  it("a node configured as the provider says is in no list; every audit is listed (possibly empty)", () => {
    const a = auditFleet([node("10.0.0.1")], DEFAULT_PROVIDER_RULES, NOW);
    expect(a.map((x) => x.key)).toEqual([...AUDIT_KEYS]);
    expect(a.every((x) => x.findings.length === 0 && x.title && x.description)).toBe(true);
  });

  it("each problem lands in its list with its fix", () => {
    const nodes = [
      node("10.0.0.2", { metering: false, billingDay: null, limitGb: null, mode: null, usedBytes: null }),
      node("10.0.0.3", { billingDay: 9 }),
      node("10.0.0.4", { limitGb: 1024 }),
      node("10.0.0.5", { limitGb: 0 }),
      node("10.0.0.6", { limitGb: 1900, instance: inst("10.0.0.6", { traffic_total_gb: 2000 }) }),
      node("10.0.0.7", { mode: "max" }),
      node("10.0.0.8", { reportFailAt: new Date("2026-11-20T11:30:00Z"), reportFailError: "center HTTP 503" }),
      node("10.0.0.9", { provider: { flagged: true, text: "provider 300.0 GiB vs node 100.0 GiB", usedBytes: 300n * GIB + 1n, nodeBasis: "node-cycle" } }),
      node("10.0.0.10", { runningLimitGb: 800 }), node("10.0.0.11", { runningLimitGb: 1000 }),
    ];
    const all = auditFleet(nodes, DEFAULT_PROVIDER_RULES, NOW);
    const by = Object.fromEntries(all.map((a) => [a.key, a.findings]));
    expect(by["metering-off"].map((f) => [f.ipv4, f.fix])).toEqual([["10.0.0.2", { kind: "configure-quota", label: "Configure quota", labelPhrase: { code: "configureQuota", values: {} }, billingDay: 1, limitGb: 1000, mode: "sum" }]]);
    expect(by["billing-day"].map((f) => [f.ipv4, f.fix?.kind === "configure-quota" && f.fix.billingDay])).toEqual([["10.0.0.3", 1]]);
    expect(by["limit-allowance"].map((f) => [f.ipv4, f.detail, f.fix?.kind === "configure-quota" && f.fix.limitGb])).toEqual([
      ["10.0.0.4", "limit 1024 GB ≥ allowance 1024 GB (Center's traffic_total_gb)", 1000],
      ["10.0.0.5", "unlimited (limit 0) on a 1024 GB allowance (Center's traffic_total_gb)", 1000],
    ]);
    expect(by["stale-095"].map((f) => [f.ipv4, f.fix?.kind === "configure-quota" && f.fix.limitGb])).toEqual([["10.0.0.6", 1976]]);
    expect(by["mode-mismatch"].map((f) => [f.ipv4, f.severity, f.fix?.kind === "configure-quota" && f.fix.mode])).toEqual([["10.0.0.7", "critical", "sum"]]);
    expect(by["reporter-failing"].map((f) => [f.ipv4, f.fix?.kind])).toEqual([["10.0.0.8", "open-node"]]);
    expect(by["reporter-failing"][0].detail).toMatch(/center HTTP 503/);
    expect(by.divergence.map((f) => [f.ipv4, f.severity, f.fix])).toEqual([["10.0.0.9", "critical", { kind: "set-usage", label: "Seed from the provider: set-usage 301", labelPhrase: { code: "seedFromProvider", values: { seed: "301" } }, usedGb: 301 }]]);
    expect(by["limit-not-applied"].map((f) => f.ipv4)).toEqual(["10.0.0.10"]);
  });

  it("Bandwagon: the plan's day is checked only when configured; a mode rule that is configured as max flags a sum node", () => {
    const bwh = (ip: string, o: Partial<AuditNode> = {}) => node(ip, { instance: inst(ip, { provider: "bandwagon", traffic_total_gb: 1000, traffic_reset_at: Date.UTC(2026, 11, 9) / 1000 }), billingDay: 9, limitGb: 990, ...o });
    // not configured: Center's traffic_reset_at (day 9) is never used to judge
    expect(findings([bwh("10.0.1.1")])["billing-day"]).toEqual([]);
    const rules = mergeRules({ bandwagon: { billingMode: "max", verified: true, nodes: { "10.0.1.1": { resetDay: 10 } } } });
    const f = findings([bwh("10.0.1.1")], NOW, rules);
    expect(f["billing-day"]).toEqual(["10.0.1.1"]);
    expect(f["mode-mismatch"]).toEqual(["10.0.1.1"]);
  });

  it("billing days 29-31: a restart in a re-anchor window is critical (with the restore seed); otherwise the coming roll-overs are listed", () => {
    // day 31, on 2027-03-02: the running cycle ends 2027-03-03 (Feb 31 rolled over), a fresh start computes 2027-03-31
    const now = new Date("2027-03-02T08:00:00Z");
    const a = auditFleet([node("10.0.2.1", { billingDay: 31, usedBytes: 12n * GIB + 5n })], DEFAULT_PROVIDER_RULES, now).find((x) => x.key === "restart-reanchors")!;
    expect(a.findings[0]).toMatchObject({ severity: "critical", fix: { kind: "set-usage", usedGb: 13 } });
    expect(a.findings[0].detail).toMatch(/before 2027-03-03 computes the cycle end 2027-03-31/);
    const later = auditFleet([node("10.0.2.1", { billingDay: 31 })], DEFAULT_PROVIDER_RULES, new Date("2027-03-10T00:00:00Z")).find((x) => x.key === "restart-reanchors")!;
    expect(later.findings[0]).toMatchObject({ severity: "info", fix: { kind: "configure-quota", billingDay: 1 } });
    expect(later.findings[0].detail).toMatch(/2027-05-01/);
    expect(findings([node("10.0.2.2", { billingDay: 28 })])["restart-reanchors"]).toEqual([]);
  });

  it("each fix opens the node page's quota panel prefilled", () => {
    expect(fixHref("10.0.0.2", { kind: "configure-quota", label: "x", labelPhrase: { code: "configureQuota", values: {} }, billingDay: 1, limitGb: 1000, mode: "sum" })).toBe("/nodes/10.0.0.2?quota=configure&day=1&limit=1000&mode=sum#quota");
    expect(fixHref("10.0.0.9", { kind: "set-usage", label: "x", labelPhrase: { code: "configureQuota", values: {} }, usedGb: 301 })).toBe("/nodes/10.0.0.9?quota=set-usage&used=301#quota");
    expect(fixHref("10.0.0.8", { kind: "open-node", label: "x", labelPhrase: { code: "compareOnNode", values: {} } })).toBe("/nodes/10.0.0.8#quota");
    expect(fixHref("10.0.0.3", { kind: "configure-quota", label: "x", labelPhrase: { code: "configureQuota", values: {} }, billingDay: null, limitGb: null, mode: "max" })).toBe("/nodes/10.0.0.3?quota=configure&mode=max#quota");
  });

  it("the page's catalog renders every title, finding and fix label exactly as lib's English", () => {
    const t = createTranslator({ locale: "en", messages: en, namespace: "metering.audits" });
    const rulesMax = mergeRules({ aws_lightsail: { billingMode: "max", verified: false } });
    const runs: [AuditNode[], Date, typeof DEFAULT_PROVIDER_RULES][] = [
      [
        [
          node("10.0.0.2", { metering: false, billingDay: null, limitGb: null, mode: null, usedBytes: null }),
          node("10.0.0.12", { metering: false, instance: null }),
          node("10.0.0.13", { metering: false, instance: inst("10.0.0.13", { traffic_total_gb: 0 }) }),
          node("10.0.0.3", { billingDay: 9 }),
          node("10.0.0.4", { limitGb: 1024 }),
          node("10.0.0.5", { limitGb: 0 }),
          node("10.0.0.6", { limitGb: 1900, instance: inst("10.0.0.6", { traffic_total_gb: 2000 }) }),
          node("10.0.0.14", { limitGb: 48, instance: inst("10.0.0.14", { traffic_total_gb: 50 }) }),
          node("10.0.0.7", { mode: "max" }),
          node("10.0.0.8", { reportFailAt: new Date("2026-11-20T11:30:00Z"), reportFailError: "center HTTP 503" }),
          node("10.0.0.15", { reportAt: null, reportFailAt: new Date("2026-11-20T11:30:00Z") }),
          node("10.0.0.9", { provider: { flagged: true, text: "provider 300.0 GiB vs node 100.0 GiB", usedBytes: 300n * GIB + 1n, nodeBasis: "node-cycle" } }),
          node("10.0.0.16", { provider: { flagged: true, text: null, usedBytes: 1n, nodeBasis: null } }),
          node("10.0.0.10", { runningLimitGb: 800 }),
          node("10.0.0.17", { billingDay: 31 }),
          node("10.0.0.18", { metering: false, instance: inst("10.0.0.18", { provider: "alibaba_swas" }) }),
          node("10.0.0.19", { limitGb: 9, instance: inst("10.0.0.19", { traffic_total_gb: 10 }) }),
          node("10.0.0.20", { limitGb: 10, instance: inst("10.0.0.20", { traffic_total_gb: 10 }) }),
        ],
        new Date("2027-03-10T00:00:00Z"),
        DEFAULT_PROVIDER_RULES,
      ],
      [[node("10.0.2.1", { billingDay: 31, usedBytes: 12n * GIB + 5n }), node("10.0.2.2", { billingDay: 31, usedBytes: null })], new Date("2027-03-02T08:00:00Z"), DEFAULT_PROVIDER_RULES],
      [[node("10.0.3.1", { mode: "sum" })], NOW, rulesMax],
    ];
    const findingCodes = new Set<FindingCode>();
    const fixCodes = new Set<FixCode>();
    for (const [nodes, now, rules] of runs) {
      for (const a of auditFleet(nodes, rules, now)) {
        expect(t(`titles.${a.key}.title`)).toBe(a.title);
        expect(t(`titles.${a.key}.description`)).toBe(a.description);
        for (const f of a.findings) {
          findingCodes.add(f.detailPhrase.code);
          expect(t(`finding.${f.detailPhrase.code}`, f.detailPhrase.values)).toBe(f.detail);
          if (f.fix) {
            fixCodes.add(f.fix.labelPhrase.code);
            expect(t(`fix.${f.fix.labelPhrase.code}`, f.fix.labelPhrase.values)).toBe(f.fix.label);
          }
        }
      }
    }
    expect([...findingCodes].sort()).toEqual(Object.keys(en.metering.audits.finding).sort());
    expect([...fixCodes].sort()).toEqual(Object.keys(en.metering.audits.fix).sort());
    expect(t("problem.rulesInvalid", { message: "bad JSON" })).toBe("provider accounting configuration: bad JSON (defaults used)");
    expect(t("problem.noCenter")).toBe("Center is not configured (KAITU_CENTER_URL): provider-dependent audits cannot run");
    expect(t("problem.centerUnreadable", { message: "HTTP 500" })).toBe("Center's cloud inventory could not be read: HTTP 500");
  });
});
