import { describe, expect, it } from "vitest";
import { BYTES_PER_GIB } from "./cycle";
import { gaugeOfRow, meterKnown, meterWarnPercent, quotaCellOf } from "./gauge-row";

const row = (o: Partial<Parameters<typeof gaugeOfRow>[0]> = {}) => ({ metering: true, limitGb: 1000, used: 500n * BYTES_PER_GIB, cut: false, k2sPaused: false, mode: "max", ...o });

describe("a node's gauge from its meter row", () => {
  it("K2OPS_METER_WARN_PERCENT: a percentage in (0, 100], else 80", () => {
    expect(meterWarnPercent(undefined)).toBe(80);
    expect(meterWarnPercent("")).toBe(80);
    expect(meterWarnPercent("90")).toBe(90);
    expect(meterWarnPercent("100")).toBe(100);
    expect(meterWarnPercent("0")).toBe(80);
    expect(meterWarnPercent("150")).toBe(80);
    expect(meterWarnPercent("ninety")).toBe(80);
  });

  it("each state at its threshold: ok below the warning %, warning at it, cut at limit − 500 MiB or when the node says so", () => {
    expect(quotaCellOf(row())).toEqual({ percentUsed: 50, state: "ok" });
    expect(quotaCellOf(row({ used: 800n * BYTES_PER_GIB }))).toEqual({ percentUsed: 80, state: "warning" });
    expect(quotaCellOf(row({ used: 800n * BYTES_PER_GIB }), 90)).toEqual({ percentUsed: 80, state: "ok" });
    const line = 1000n * BYTES_PER_GIB - 524_288_000n;
    expect(quotaCellOf(row({ used: line - 1n }))?.state).toBe("warning");
    expect(quotaCellOf(row({ used: line }))).toEqual({ percentUsed: 100, state: "cut" });
    expect(quotaCellOf(row({ cut: true, used: 10n * BYTES_PER_GIB }))?.state).toBe("cut");
    expect(quotaCellOf(row({ k2sPaused: true, used: 10n * BYTES_PER_GIB }))?.state).toBe("cut");
  });

  it("metering off = uncapped (a paused k2s is not a quota cut then); limit 0 = unlimited; never read = no cell", () => {
    expect(quotaCellOf(row({ metering: false, k2sPaused: true }))).toEqual({ percentUsed: null, state: "metering-off" });
    expect(quotaCellOf(row({ limitGb: 0 }))).toEqual({ percentUsed: null, state: "unlimited" });
    expect(quotaCellOf(row({ limitGb: null }))?.state).toBe("unlimited");
    expect(quotaCellOf(row({ metering: null, mode: null }))).toBeNull();
    expect(quotaCellOf(row({ mode: null }))).toBeNull();
    expect(quotaCellOf(null)).toBeNull();
    expect(meterKnown({ metering: false, mode: "max" })).toBe(true);
  });

  it("% used has one decimal", () => {
    expect(quotaCellOf(row({ used: 123_456_789_012n }))?.percentUsed).toBe(11.5);
  });
});
