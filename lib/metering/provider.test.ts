import { describe, expect, it } from "vitest";
import type { CloudInstance } from "@/lib/center/schemas";
import { BYTES_PER_GIB } from "./cycle";
import { DEFAULT_PROVIDER_RULES, ProviderConfigError, UNKNOWN_RULE, divergenceOf, divergenceThresholdFromEnv, figureFromCenter, figureFromLightsail, mergeRules, nodeModeFor, providerCombine, providerRulesFromEnv, ruleOf } from "./provider";

const GIB = BYTES_PER_GIB;
const inst = (o: Partial<CloudInstance>): CloudInstance => ({
  id: 7, provider: "aws_lightsail", account_name: "aws-tokyo", instance_id: "jp-1", name: "jp-1", ip_address: "203.0.113.9", region: "ap-northeast-1",
  traffic_used_gb: 100.5, traffic_total_gb: 1024, traffic_ratio: 0.1, traffic_reset_at: Date.UTC(2026, 11, 1) / 1000, expires_at: 0, time_ratio: 0.5, last_synced_at: Date.UTC(2026, 10, 20, 12) / 1000,
  ...o,
});
const NOW = new Date("2026-11-20T12:30:00Z");

describe("provider accounting is configuration (documented defaults, env/JSON overrides)", () => {
  it("defaults: Lightsail = calendar month, sum (unverified), its bundles; Bandwagon = the plan's day; unknown providers assume nothing but a conservative sum", () => {
    const { rules, source } = providerRulesFromEnv({});
    expect(source).toBe("defaults");
    expect(rules.aws_lightsail).toMatchObject({ reset: "calendar-1st", billingMode: "sum", verified: false, headroomGb: 24 });
    expect(rules.aws_lightsail.bundles).toMatchObject({ micro_3_2: 1024, small_3_2: 1536, medium_3_2: 2048 });
    expect(rules.bandwagon).toMatchObject({ reset: "plan-day", verified: false });
    expect(ruleOf(rules, "hetzner")).toBe(UNKNOWN_RULE);
    expect(ruleOf(rules, null)).toMatchObject({ reset: "not-monthly", billingMode: "sum" });
  });

  it("K2OPS_PROVIDER_ACCOUNTING merges per provider (bundles and per-node facts key by key); a new provider starts from the unknown rule", () => {
    const { rules, source } = providerRulesFromEnv({
      K2OPS_PROVIDER_ACCOUNTING: JSON.stringify({ aws_lightsail: { billingMode: "max", verified: true, bundles: { large_3_2: 3072 } }, bandwagon: { nodes: { "93.179.114.62": { resetDay: 10, allowanceGb: 2000 } } }, hetzner: { reset: "calendar-1st", bundles: { cx22: 20480 } } }),
    });
    expect(source).toBe("K2OPS_PROVIDER_ACCOUNTING");
    expect(rules.aws_lightsail).toMatchObject({ billingMode: "max", verified: true, reset: "calendar-1st" });
    expect(rules.aws_lightsail.bundles).toMatchObject({ micro_3_2: 1024, large_3_2: 3072 });
    expect(rules.bandwagon.nodes["93.179.114.62"]).toEqual({ resetDay: 10, allowanceGb: 2000 });
    expect(rules.hetzner).toMatchObject({ reset: "calendar-1st", billingMode: "sum", verified: false, bundles: { cx22: 20480 } });
  });

  it("a bad configuration is an error naming the field, never silently a guess", () => {
    expect(() => providerRulesFromEnv({ K2OPS_PROVIDER_ACCOUNTING: "{nope" })).toThrow(ProviderConfigError);
    expect(() => mergeRules({ aws_lightsail: { billingMode: "both" } })).toThrow(/aws_lightsail\.billingMode/);
    expect(() => mergeRules({ bandwagon: { nodes: { "93.179.114.62": { resetDay: 32 } } } })).toThrow(/bandwagon\.nodes/);
    expect(() => mergeRules({ aws_lightsail: { headroomGb: 0 } })).toThrow(/headroomGb/);
    expect(() => mergeRules([])).toThrow(ProviderConfigError);
    expect(() => providerRulesFromEnv({ K2OPS_PROVIDER_ACCOUNTING_FILE: "/nonexistent/k2ops-provider.json" })).toThrow(/K2OPS_PROVIDER_ACCOUNTING_FILE/);
  });

  it("the sidecar mode for a provider's accounting: sum → sum; max and outbound-only → max (never under-counts)", () => {
    expect([nodeModeFor("sum"), nodeModeFor("max"), nodeModeFor("out")]).toEqual(["sum", "max", "max"]);
    expect([providerCombine("sum", 3n, 5n), providerCombine("max", 3n, 5n), providerCombine("out", 7n, 5n)]).toEqual([8n, 5n, 5n]);
  });
});

describe("the provider's figures", () => {
  it("Center's Lightsail figure is in + out since the 1st: billable only under sum (an upper bound otherwise, said so)", () => {
    const f = figureFromCenter(inst({}), DEFAULT_PROVIDER_RULES.aws_lightsail, NOW);
    expect(f).toMatchObject({ source: "center", basis: "sum", usedBytes: BigInt(Math.round(100.5 * 2 ** 30)), totalBytes: 1024n * GIB, inBytes: null });
    expect([f.periodStart?.toISOString(), f.periodEnd?.toISOString()]).toEqual(["2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"]);
    expect(f.notes).toEqual([]);
    const max = figureFromCenter(inst({}), { ...DEFAULT_PROVIDER_RULES.aws_lightsail, billingMode: "max" }, NOW);
    expect(max.notes.join(" ")).toMatch(/upper bound/);
  });

  it("Bandwagon's counter period ends at traffic_reset_at (possibly a day early: noted); package providers have no monthly period", () => {
    const b = figureFromCenter(inst({ provider: "bandwagon", traffic_reset_at: Date.UTC(2026, 11, 9) / 1000 }), DEFAULT_PROVIDER_RULES.bandwagon, NOW);
    expect([b.periodStart?.toISOString(), b.periodEnd?.toISOString(), b.basis]).toEqual(["2026-11-09T00:00:00.000Z", "2026-12-09T00:00:00.000Z", "counter"]);
    expect(b.notes.join(" ")).toMatch(/a day earlier/);
    const a = figureFromCenter(inst({ provider: "alibaba_swas", traffic_reset_at: 0, sync_error: "throttled" }), DEFAULT_PROVIDER_RULES.alibaba_swas, NOW);
    expect(a.periodStart).toBeNull();
    expect(a.notes.join(" ")).toMatch(/not a monthly period.*throttled/);
  });

  it("Lightsail's NetworkIn/NetworkOut are combined per the configured rule", () => {
    const m = { from: Date.UTC(2026, 10, 1) / 1000, inBytes: 300 * 2 ** 30, outBytes: 500 * 2 ** 30 };
    const sum = figureFromLightsail(inst({}), m, DEFAULT_PROVIDER_RULES.aws_lightsail, NOW, null);
    expect(sum).toMatchObject({ source: "lightsail", basis: "sum", usedBytes: 800n * GIB, inBytes: 300n * GIB, outBytes: 500n * GIB });
    const max = figureFromLightsail(inst({}), m, { ...DEFAULT_PROVIDER_RULES.aws_lightsail, billingMode: "max" }, NOW, 1536);
    expect(max).toMatchObject({ basis: "max", usedBytes: 500n * GIB, totalBytes: 1536n * GIB });
    expect(max.notes[0]).toMatch(/NetworkIn 300\.0 GiB, NetworkOut 500\.0 GiB since 2026-11-01; max\(in, out\)/);
  });
});

describe("divergence", () => {
  it("flagged only beyond BOTH the percentage and the absolute minimum (as Center's own reconciliation)", () => {
    const t = divergenceThresholdFromEnv({});
    expect(t).toEqual({ percent: 10, minBytes: 20n * GIB });
    // 15 % but only 15 GiB: not flagged
    expect(divergenceOf(100n * GIB, 85n * GIB, t).flagged).toBe(false);
    // 15 % and 150 GiB: flagged, the provider counts more (overage risk)
    const d = divergenceOf(1000n * GIB, 850n * GIB, t);
    expect(d).toMatchObject({ flagged: true, diffBytes: 150n * GIB });
    expect(d.percent).toBeCloseTo(15, 5);
    expect(d.text).toMatch(/^provider 1000\.0 GiB vs node 850\.0 GiB: \+15\.0 % \(150\.0 GiB\); the provider counts more/);
    // the node counting more: negative, flagged the other way
    expect(divergenceOf(800n * GIB, 1000n * GIB, t)).toMatchObject({ flagged: true, percent: -25 });
    expect(divergenceOf(0n, 0n, t)).toMatchObject({ flagged: false, percent: 0 });
    expect(divergenceThresholdFromEnv({ K2OPS_METER_DIVERGENCE_PERCENT: "2", K2OPS_METER_DIVERGENCE_MIN_GB: "0.5" })).toEqual({ percent: 2, minBytes: GIB / 2n });
  });
});
