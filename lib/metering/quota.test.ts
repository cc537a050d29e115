import { describe, expect, it } from "vitest";
import type { CloudInstance } from "@/lib/center/schemas";
import { BYTES_PER_GIB, CUTOFF_RESERVE_BYTES, enforcerCuts, limitBytesOf } from "./cycle";
import { DEFAULT_PROVIDER_RULES, figureFromCenter, figureFromLightsail, mergeRules } from "./provider";
import { ceilGb, proposeQuota, proposeRecovery, proposeSeed } from "./quota";
import { prorateCreationMonth } from "./proration";
import type { QuotaLine } from "./cycle";
import { createTranslator } from "next-intl";
import { en } from "@/messages";

const GIB = BYTES_PER_GIB;
const inst = (o: Partial<CloudInstance> = {}): CloudInstance => ({
  id: 7, provider: "aws_lightsail", account_name: "aws-tokyo", instance_id: "jp-1", name: "jp-1", ip_address: "203.0.113.9", region: "ap-northeast-1",
  traffic_used_gb: 431.2, traffic_total_gb: 1024, traffic_ratio: 0.4, traffic_reset_at: Date.UTC(2026, 11, 1) / 1000, expires_at: 0, time_ratio: 0.5, last_synced_at: Date.UTC(2026, 10, 20, 12) / 1000,
  ...o,
});
const NOW = new Date("2026-11-20T12:30:00Z");

describe("configure quota: derived from the provider and its bundle (metering.md Part B)", () => {
  it("Lightsail: day 01, the bundle's allowance − the headroom (1024 → 1000, the runbook's), the mode of the configured rule (unverified: warned)", () => {
    const q = proposeQuota({ ipv4: "203.0.113.9", instance: inst(), rule: DEFAULT_PROVIDER_RULES.aws_lightsail, lightsail: { createdAt: 0, bundleId: "micro_3_2", transferGbPerMonth: 1024 } });
    expect(q.billingDay.value).toBe(1);
    expect(q.allowance).toEqual({ gb: 1024, source: "Lightsail bundle micro_3_2" });
    expect(q.limitGb.value).toBe(1000);
    expect(q.mode).toMatchObject({ value: "sum", verified: false });
    expect(q.warnings.join(" ")).toMatch(/not confirmed/);
    // without the Lightsail API: Center's traffic_total_gb
    expect(proposeQuota({ ipv4: "203.0.113.9", instance: inst({ traffic_total_gb: 1536 }), rule: DEFAULT_PROVIDER_RULES.aws_lightsail }).allowance).toEqual({ gb: 1536, source: "Center's traffic_total_gb" });
  });

  it("Bandwagon: the plan's own day only when configured per node — never Center's traffic_reset_at (it can be a day early)", () => {
    const bwh = inst({ provider: "bandwagon", traffic_reset_at: Date.UTC(2026, 11, 9) / 1000, traffic_total_gb: 2000 });
    const unknown = proposeQuota({ ipv4: "93.179.114.62", instance: bwh, rule: DEFAULT_PROVIDER_RULES.bandwagon });
    expect(unknown.billingDay.value).toBeNull();
    expect(unknown.billingDay.why).toMatch(/traffic_reset_at says day 9, which can be a day early: not used/);
    expect(unknown.limitGb.value).toBe(1990);
    const rules = mergeRules({ bandwagon: { nodes: { "93.179.114.62": { resetDay: 10 } }, verified: true, billingMode: "max" } });
    const known = proposeQuota({ ipv4: "93.179.114.62", instance: bwh, rule: rules.bandwagon });
    expect(known.billingDay.value).toBe(10);
    expect(known.mode).toMatchObject({ value: "max", verified: true });
    expect(known.warnings).toEqual([]);
  });

  it("not monthly on a fixed day (traffic packages), or no cloud instance: no day is invented", () => {
    const a = proposeQuota({ ipv4: "203.0.113.9", instance: inst({ provider: "alibaba_swas" }), rule: DEFAULT_PROVIDER_RULES.alibaba_swas });
    expect(a.billingDay.value).toBeNull();
    expect(a.billingDay.why).toMatch(/cannot model it/);
    expect(a.mode.value).toBe("max"); // outbound-only: max never under-counts
    const none = proposeQuota({ ipv4: "203.0.113.9", instance: null, rule: DEFAULT_PROVIDER_RULES.ssh_standalone });
    expect([none.provider, none.billingDay.value, none.allowance.gb, none.limitGb.value]).toEqual([null, null, null, null]);
  });
});

describe("set usage: the guided seed from the provider's current-cycle figure", () => {
  it("Center's figure rounded UP to whole GB, with the arithmetic and what is left before the cut", () => {
    const f = figureFromCenter(inst(), DEFAULT_PROVIDER_RULES.aws_lightsail, NOW);
    const s = proposeSeed({ figure: f, nodeUsedBytes: 400n * GIB, cycleStart: new Date("2026-11-01T00:00:00Z"), limitGb: 1000 });
    expect(s.gb).toBe(432);
    expect(s.workings).toEqual([
      "Center's cloud instance jp-1 (aws_lightsail): traffic_used_gb 431.2 GiB since 2026-11-01 as of 2026-11-20 12:00 UTC",
      "the node counts 400.0 GiB this cycle (difference 31.2 GiB)",
      "set-usage takes whole GB (GiB), rounded up: ⌈431.2⌉ = 432",
      "then used = 432 GiB + new traffic; the cut at 1000 GiB − 500 MiB = 999.5 GiB leaves 567.5 GiB this cycle",
    ]);
    expect(s.warnings).toEqual([]);
  });

  it("Lightsail's per-direction figures show the combination; warnings: another cycle, a cut at once, a lowered count", () => {
    const f = figureFromLightsail(inst(), { from: Date.UTC(2026, 10, 1) / 1000, inBytes: 300 * 2 ** 30, outBytes: 720 * 2 ** 30 }, DEFAULT_PROVIDER_RULES.aws_lightsail, NOW, null);
    const s = proposeSeed({ figure: f, nodeUsedBytes: 1100n * GIB, cycleStart: new Date("2026-11-10T00:00:00Z"), limitGb: 1000 });
    expect(s.gb).toBe(1020);
    expect(s.workings[0]).toBe("Lightsail: NetworkIn 300.0 GiB, NetworkOut 720.0 GiB since 2026-11-01 → billable (sum) 300.0 + 720.0 = 1020.0 GiB");
    expect(s.warnings.join("\n")).toMatch(/cut at once/);
    expect(s.warnings.join("\n")).toMatch(/the figure is not this cycle's/);
    expect(s.warnings.join("\n")).toMatch(/LOWER the node's count/);
    expect(proposeSeed({ figure: null, nodeUsedBytes: null, cycleStart: null, limitGb: null })).toMatchObject({ gb: null, workings: [] });
    expect(ceilGb(GIB + 1n)).toBe(2);
  });
});

describe("recovering a cut node (Part E)", () => {
  it("the smallest limit that unpauses, the proposed one, and the overage warning", () => {
    const used = 1000n * GIB - CUTOFF_RESERVE_BYTES + 5n; // just over the 1000 GB line
    const r = proposeRecovery({ usedBytes: used, limitGb: 1000, allowanceGb: 1024, proposedLimitGb: 1000, cycleEnd: new Date("2026-12-01T00:00:00Z") });
    expect(r.minimumGb).toBe(1001);
    expect(enforcerCuts(used, limitBytesOf(r.minimumGb))).toBe(false);
    expect(enforcerCuts(used, limitBytesOf(r.minimumGb - 1))).toBe(true);
    expect(r.limitGb).toBe(1002);
    expect(r.warnings).toEqual([]);
    expect(r.workings.at(-1)).toMatch(/lifts by itself at the cycle's end, 2026-12-01 00:00 UTC/);
    const over = proposeRecovery({ usedBytes: 1030n * GIB, limitGb: 1000, allowanceGb: 1024, proposedLimitGb: 1000, cycleEnd: null });
    expect(over.limitGb).toBe(1032);
    expect(over.warnings.join(" ")).toMatch(/over the provider's allowance \(1024 GB\)/);
    // a provider-derived limit above the minimum is proposed as is
    expect(proposeRecovery({ usedBytes: 900n * GIB, limitGb: 800, allowanceGb: 1024, proposedLimitGb: 1000, cycleEnd: null }).limitGb).toBe(1000);
  });
});

describe("the quota panel's lines on the page (metering.ops.lines)", () => {
  const t = createTranslator({ locale: "en", messages: en, namespace: "metering.ops.lines" });
  const same = (phrases: QuotaLine[], texts: string[]) => {
    expect(phrases).toHaveLength(texts.length);
    phrases.forEach((p, i) => expect(t(p.code, p.values)).toBe(texts[i]));
    return phrases.map((p) => p.code);
  };

  it("every proposal, recovery and proration line renders exactly as lib's English", () => {
    const seen: string[] = [];
    const bwh = inst({ provider: "bandwagon", traffic_reset_at: Date.UTC(2026, 11, 9) / 1000, traffic_total_gb: 2000 });
    const known = mergeRules({ bandwagon: { nodes: { "93.179.114.62": { resetDay: 10 } }, verified: true, billingMode: "max" } });
    const tiny = mergeRules({ aws_lightsail: { headroomGb: 5000 } });
    const proposals = [
      proposeQuota({ ipv4: "203.0.113.9", instance: inst(), rule: DEFAULT_PROVIDER_RULES.aws_lightsail, lightsail: { createdAt: 0, bundleId: "micro_3_2", transferGbPerMonth: 1024 } }),
      proposeQuota({ ipv4: "93.179.114.62", instance: bwh, rule: DEFAULT_PROVIDER_RULES.bandwagon }),
      proposeQuota({ ipv4: "93.179.114.62", instance: inst({ provider: "bandwagon", traffic_reset_at: 0, traffic_total_gb: 2000 }), rule: DEFAULT_PROVIDER_RULES.bandwagon }),
      proposeQuota({ ipv4: "93.179.114.62", instance: bwh, rule: known.bandwagon }),
      proposeQuota({ ipv4: "203.0.113.9", instance: inst({ provider: "alibaba_swas" }), rule: DEFAULT_PROVIDER_RULES.alibaba_swas }),
      proposeQuota({ ipv4: "203.0.113.9", instance: null, rule: DEFAULT_PROVIDER_RULES.ssh_standalone }),
      proposeQuota({ ipv4: "203.0.113.9", instance: inst(), rule: tiny.aws_lightsail }),
      ...(["sum", "max", "out"] as const).flatMap((billingMode) =>
        [inst(), null].map((instance) => proposeQuota({ ipv4: "203.0.113.9", instance, rule: { ...DEFAULT_PROVIDER_RULES.aws_lightsail, billingMode, verified: billingMode === "max" } })),
      ),
    ];
    for (const q of proposals) {
      seen.push(...same([q.billingDay.whyPhrase, q.limitGb.whyPhrase, q.mode.whyPhrase], [q.billingDay.why, q.limitGb.why, q.mode.why]));
      seen.push(...same(q.warningPhrases, q.warnings));
    }
    const used = 1000n * GIB - CUTOFF_RESERVE_BYTES + 5n;
    for (const r of [
      proposeRecovery({ usedBytes: used, limitGb: 1000, allowanceGb: 1024, proposedLimitGb: 1000, cycleEnd: new Date("2026-12-01T00:00:00Z") }),
      proposeRecovery({ usedBytes: 1030n * GIB, limitGb: 1000, allowanceGb: 1024, proposedLimitGb: 1000, cycleEnd: null }),
      proposeRecovery({ usedBytes: 900n * GIB, limitGb: 800, allowanceGb: 1024, proposedLimitGb: 1000, cycleEnd: null }),
    ]) {
      seen.push(...same(r.workingPhrases, r.workings), ...same(r.warningPhrases, r.warnings));
    }
    for (const p of [
      prorateCreationMonth({ createdAt: new Date("2026-06-07T10:00:00Z"), bundleGb: 1024, fullLimitGb: 1000 }),
      prorateCreationMonth({ createdAt: new Date("2026-06-07T10:00:00Z"), bundleGb: 1024, fullLimitGb: 1024, currentUsedBytes: 300n * GIB + 7n, basis: "hours" }),
      prorateCreationMonth({ createdAt: new Date("2026-06-29T10:00:00Z"), bundleGb: 1024, fullLimitGb: 1000, currentUsedBytes: 990n * GIB }),
    ]) {
      seen.push(...same(p.workingPhrases, p.workings), ...same(p.warningPhrases, p.warnings));
    }
    const lf = (o: { in: number; out: number }, rule = DEFAULT_PROVIDER_RULES.aws_lightsail) => figureFromLightsail(inst(), { from: Date.UTC(2026, 10, 1) / 1000, inBytes: o.in * 2 ** 30, outBytes: o.out * 2 ** 30 }, rule, NOW, null);
    const maxRules = mergeRules({ aws_lightsail: { billingMode: "max" } });
    const outRules = mergeRules({ aws_lightsail: { billingMode: "out" } });
    for (const sd of [
      proposeSeed({ figure: null, nodeUsedBytes: null, cycleStart: null, limitGb: null }),
      proposeSeed({ figure: figureFromCenter(inst(), DEFAULT_PROVIDER_RULES.aws_lightsail, NOW), nodeUsedBytes: 400n * GIB, cycleStart: new Date("2026-11-01T00:00:00Z"), limitGb: 1000 }),
      proposeSeed({ figure: figureFromCenter(inst({ provider: "bandwagon", traffic_reset_at: 0, last_synced_at: 0 }), DEFAULT_PROVIDER_RULES.bandwagon, NOW), nodeUsedBytes: null, cycleStart: null, limitGb: null }),
      proposeSeed({ figure: lf({ in: 300, out: 720 }), nodeUsedBytes: 1100n * GIB, cycleStart: new Date("2026-11-10T00:00:00Z"), limitGb: 1000 }),
      proposeSeed({ figure: lf({ in: 300, out: 720 }, maxRules.aws_lightsail), nodeUsedBytes: null, cycleStart: null, limitGb: null }),
      proposeSeed({ figure: lf({ in: 300, out: 720 }, outRules.aws_lightsail), nodeUsedBytes: null, cycleStart: null, limitGb: null }),
    ]) {
      seen.push(...same(sd.workingPhrases, sd.workings), ...same(sd.warningPhrases, sd.warnings));
    }
    // quotaContext's problems: only the message is data
    const m = { message: "HTTP 500" };
    expect(t("problemRulesInvalid", m)).toBe("provider accounting configuration: HTTP 500 (defaults used)");
    expect(t("problemNoCenter")).toBe("Center is not configured (KAITU_CENTER_URL): no provider figures");
    expect(t("problemCenterUnreadable", m)).toBe("Center's cloud inventory could not be read: HTTP 500");
    expect(t("problemLightsail", m)).toBe("Lightsail GetInstance: HTTP 500");
    expect(t("problemFigure", m)).toBe("provider figure: HTTP 500");
    seen.push("problemRulesInvalid", "problemNoCenter", "problemCenterUnreadable", "problemLightsail", "problemFigure");
    // Lightsail is the only per-direction source today, and its figure always has a period
    const untested = ["seedProviderDirections", "seedProviderDirectionsSince", "seedLightsail", "seedCenterAt", "seedCenterSince"];
    expect([...new Set(seen)].sort()).toEqual(Object.keys(en.metering.ops.lines).filter((c) => !untested.includes(c)).sort());
    const v = { provider: "vultr", in: "1.0", out: "2.0", since: "2026-11-01", basis: "sum", how: "1.0 + 2.0", used: "3.0", instance: "jp-1", at: "2026-11-20 12:00" };
    expect(t("seedProviderDirections", v)).toBe("vultr: NetworkIn 1.0 GiB, NetworkOut 2.0 GiB → billable (sum) 1.0 + 2.0 = 3.0 GiB");
    expect(t("seedProviderDirectionsSince", v)).toBe("vultr: NetworkIn 1.0 GiB, NetworkOut 2.0 GiB since 2026-11-01 → billable (sum) 1.0 + 2.0 = 3.0 GiB");
    expect(t("seedLightsail", v)).toBe("Lightsail: NetworkIn 1.0 GiB, NetworkOut 2.0 GiB → billable (sum) 1.0 + 2.0 = 3.0 GiB");
    expect(t("seedCenterAt", v)).toBe("Center's cloud instance jp-1 (vultr): traffic_used_gb 3.0 GiB as of 2026-11-20 12:00 UTC");
    expect(t("seedCenterSince", v)).toBe("Center's cloud instance jp-1 (vultr): traffic_used_gb 3.0 GiB since 2026-11-01");
  });
});
