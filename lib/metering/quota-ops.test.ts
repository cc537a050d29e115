import { describe, expect, it } from "vitest";
import { createTranslator } from "next-intl";
import { en } from "@/messages";
import { BYTES_PER_GIB } from "./cycle";
import type { MeterReading } from "./poll";
import { billingDateFor, configureChecks, setUsageChecks, verifyTiming } from "./quota-ops";

// The verification of the quota operations: what a fresh meter read must show
// before k2ops says the node took the change (metering.md Parts C and E).

const GIB = BYTES_PER_GIB;
const END = Date.UTC(2026, 11, 1) / 1000;
function reading(o: { started: string; prior?: bigint; rx?: bigint; tx?: bigint; ok?: { at: string; cum: bigint; quota?: bigint; epoch?: number }; limitGb?: number; day?: number; mode?: "max" | "sum"; paused?: boolean; cut?: boolean | null; end?: number }): MeterReading {
  const day = o.day ?? 1;
  return {
    nodeAt: new Date(o.started),
    dir: "/apps/k2s",
    volume: "/var/lib/docker/volumes/k2s_config/_data",
    sidecar: { status: "running", startedAt: new Date(o.started) },
    k2s: { status: o.paused ? "paused" : "running", paused: !!o.paused },
    env: { billingDate: `2026-01-${String(day).padStart(2, "0")}`, billingDay: day, billingDateError: null, limitGb: o.limitGb ?? 1000, limitRaw: String(o.limitGb ?? 1000), mode: o.mode ?? "sum", modeRaw: o.mode ?? "sum", modeUnknown: false, seedGb: null },
    metering: true,
    trafficState: { cycleEndUnix: o.end ?? END, cycleStartRxBytes: 10n * GIB, cycleStartTxBytes: 10n * GIB, priorUsedBytes: o.prior ?? 0n, lastUsedBytes: null },
    trafficStateProblem: null,
    cut: o.cut ?? null,
    nic: { name: "ens5", rxBytes: o.rx ?? 10n * GIB, txBytes: o.tx ?? 10n * GIB },
    reporter: { ok: o.ok ? { at: new Date(o.ok.at), epochUnix: o.ok.epoch ?? END, cumulativeBytes: o.ok.cum, quotaTotalBytes: o.ok.quota ?? 1000n * GIB } : null, fail: null },
    problems: [],
  };
}
const before = reading({ started: "2026-11-20T10:00:00Z", ok: { at: "2026-11-20T11:59:00Z", cum: 5n * GIB } });

describe("set-usage is verified on the node", () => {
  it("passes when the state holds the seed, the sidecar restarted and its first report counts it", () => {
    const after = reading({ started: "2026-11-20T12:00:00Z", prior: 432n * GIB, ok: { at: "2026-11-20T12:00:01Z", cum: 432n * GIB } });
    expect(setUsageChecks(before, after, 432).map((c) => [c.label, c.ok])).toEqual([
      ["traffic.state holds the seed", true],
      ["the sidecar restarted and runs", true],
      ["the running sidecar reports the seeded usage", true],
      ["the node counts at least the seed", true],
    ]);
  });

  it("fails each way: overwritten by the running sidecar's persist, no restart, only a report from before the restart", () => {
    const overwritten = reading({ started: "2026-11-20T12:00:00Z", prior: 0n, ok: { at: "2026-11-20T12:00:01Z", cum: 5n * GIB } });
    const c1 = setUsageChecks(before, overwritten, 432);
    expect(c1.filter((c) => !c.ok).map((c) => c.label)).toEqual(["traffic.state holds the seed", "the running sidecar reports the seeded usage", "the node counts at least the seed"]);
    const notRestarted = reading({ started: "2026-11-20T10:00:00Z", prior: 432n * GIB, ok: { at: "2026-11-20T11:59:00Z", cum: 5n * GIB } });
    expect(setUsageChecks(before, notRestarted, 432).filter((c) => !c.ok).map((c) => c.label)).toEqual(["the sidecar restarted and runs", "the running sidecar reports the seeded usage"]);
  });
});

describe("an .env quota change applied with up -d is verified on the node", () => {
  it("the recreated sidecar reports the new limit, its cycle follows the day, the enforcer agrees (recovery: k2s unpaused)", () => {
    const cutBefore = reading({ started: "2026-11-20T10:00:00Z", limitGb: 1000, paused: true, cut: true, rx: 1010n * GIB, ok: { at: "2026-11-20T11:59:00Z", cum: 1000n * GIB } });
    const after = reading({ started: "2026-11-20T12:00:00Z", limitGb: 1200, rx: 1010n * GIB, cut: false, ok: { at: "2026-11-20T12:00:01Z", cum: 1000n * GIB, quota: 1200n * GIB } });
    const checks = configureChecks(cutBefore, after, { billingDay: 1, limitGb: 1200, mode: "sum" }, true, true);
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(checks.map((c) => c.label)).toContain("k2s runs (not cut)");
    // still paused (the enforcer has not run yet), and the old limit in the reports: not verified
    const lagging = reading({ started: "2026-11-20T12:00:00Z", limitGb: 1200, rx: 1010n * GIB, paused: true, cut: true, ok: { at: "2026-11-20T11:59:00Z", cum: 1000n * GIB } });
    expect(configureChecks(cutBefore, lagging, { billingDay: 1, limitGb: 1200, mode: "sum" }, true, true).filter((c) => !c.ok).map((c) => c.label)).toEqual(["the running sidecar uses the new limit", "k2s runs (not cut)"]);
    // a lowered limit under the usage: the enforcer must keep k2s paused
    const lowered = reading({ started: "2026-11-20T12:00:00Z", limitGb: 500, rx: 1010n * GIB, paused: true, cut: true, ok: { at: "2026-11-20T12:00:01Z", cum: 1000n * GIB, quota: 500n * GIB } });
    const lc = configureChecks(before, lowered, { billingDay: 1, limitGb: 500, mode: "sum" }, true);
    expect(lc.every((c) => c.ok)).toBe(true);
    expect(lc.at(-1)!.label).toBe("the enforcer keeps k2s paused (used over the line)");
  });

  it("a new billing day: the cycle end must be a reset of that day; a restart-only change needs no recreation", () => {
    const day10 = reading({ started: "2026-11-20T12:00:00Z", day: 10, end: Date.UTC(2026, 11, 10) / 1000, ok: { at: "2026-11-20T12:00:01Z", cum: 0n } });
    expect(configureChecks(before, day10, { billingDay: 10, limitGb: 1000, mode: "sum" }, true).every((c) => c.ok)).toBe(true);
    const stale = reading({ started: "2026-11-20T12:00:00Z", day: 10, end: END, ok: { at: "2026-11-20T12:00:01Z", cum: 0n } });
    expect(configureChecks(before, stale, { billingDay: 10, limitGb: 1000, mode: "sum" }, true).find((c) => !c.ok)?.label).toBe("the cycle follows the billing day");
    expect(configureChecks(before, before, { billingDay: 1, limitGb: 1000, mode: "sum" }, false).every((c) => c.ok)).toBe(true);
  });
});

describe("helpers", () => {
  it("the billing date keeps the node's own date when the day is unchanged, else January (every day exists)", () => {
    expect(billingDateFor(1, "2026-03-01")).toBe("2026-03-01");
    expect(billingDateFor(31, "2026-03-01", new Date("2026-11-20T00:00:00Z"))).toBe("2026-01-31");
    expect(billingDateFor(9, null, new Date("2027-02-01T00:00:00Z"))).toBe("2027-01-09");
  });
  it("verification timing from the environment", () => {
    expect(verifyTiming({})).toEqual({ timeoutMs: 90_000, intervalMs: 3_000 });
    expect(verifyTiming({ K2OPS_METER_VERIFY_TIMEOUT_MS: "5000", K2OPS_METER_VERIFY_INTERVAL_MS: "250" })).toEqual({ timeoutMs: 5000, intervalMs: 250 });
  });
});

describe("the checks' labels on the page (metering.ops.checks)", () => {
  it("every code renders exactly as lib's English label", () => {
    const t = createTranslator({ locale: "en", messages: en, namespace: "metering.ops.checks" });
    const after = reading({ started: "2026-11-20T12:00:00Z", prior: 432n * GIB, ok: { at: "2026-11-20T12:00:01Z", cum: 432n * GIB } });
    const lowered = reading({ started: "2026-11-20T12:00:00Z", limitGb: 500, rx: 1010n * GIB, paused: true, cut: true, ok: { at: "2026-11-20T12:00:01Z", cum: 1000n * GIB, quota: 500n * GIB } });
    const checks = [
      ...setUsageChecks(before, after, 432),
      ...configureChecks(before, before, { billingDay: 1, limitGb: 1000, mode: "sum" }, false),
      ...configureChecks(before, lowered, { billingDay: 1, limitGb: 500, mode: "sum" }, true),
    ];
    for (const c of checks) expect(t(c.code)).toBe(c.label);
    expect([...new Set(checks.map((c) => c.code))].sort()).toEqual(Object.keys(en.metering.ops.checks).sort());
  });
});
