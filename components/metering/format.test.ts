import { describe, expect, it } from "vitest";
import { GIB, formatGiB, formatPercent, formatUtc, gib, isAnnotationKind, modeKey, projectionKey, rateGiBPerDay, relativeParts } from "./format";

describe("metering display", () => {
  it("bytes as GiB (the sidecar's GB): two decimals under 10, one above, none for whole numbers", () => {
    expect(gib(GIB)).toBe(1);
    expect(gib(null)).toBeNull();
    expect(formatGiB(0)).toBe("0 GiB");
    expect(formatGiB(1.5 * GIB)).toBe("1.50 GiB");
    expect(formatGiB(708_794_295_396)).toBe("660.1 GiB");
    expect(formatGiB(1536 * GIB)).toBe("1,536 GiB");
    // the cutoff line (limit − 500 MiB) never reads as the limit
    expect(formatGiB(2048 * GIB - 524_288_000)).toBe("2,047.5 GiB");
    expect(formatGiB(1_213.44 * GIB)).toBe("1,213.4 GiB");
    expect(formatGiB(null)).toBe("—");
    expect(formatGiB(Number.NaN)).toBe("—");
    expect(formatGiB(1536 * GIB, "zh-CN")).toBe("1,536 GiB");
  });

  it("percentages never round up to a full quota", () => {
    expect(formatPercent(46.14)).toBe("46.1%");
    expect(formatPercent(99.96)).toBe("99.9%");
    expect(formatPercent(100)).toBe("100%");
    expect(formatPercent(104.6)).toBe("105%");
    expect(formatPercent(null)).toBe("—");
  });

  it("times in UTC, and relative to now", () => {
    expect(formatUtc("2026-12-01T00:00:00.000Z")).toBe("2026-12-01 00:00 UTC");
    expect(formatUtc("2027-01-01T00:00:00.000Z", { dayOnly: true })).toBe("2027-01-01");
    expect(formatUtc(null)).toBe("—");
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(relativeParts("2026-12-04T14:30:00Z", now)).toEqual({ future: true, unit: "dh", d: 3, h: 4, m: 30 });
    expect(relativeParts("2026-12-01T15:00:00Z", now)).toMatchObject({ future: true, unit: "h", h: 5 });
    expect(relativeParts("2026-12-01T10:12:00Z", now)).toMatchObject({ future: true, unit: "m", m: 12 });
    expect(relativeParts("2026-12-01T10:00:10Z", now)).toMatchObject({ unit: "m", m: 1 });
    expect(relativeParts("2026-11-29T10:00:00Z", now)).toMatchObject({ future: false, unit: "d", d: 2 });
  });

  it("rates as GiB a day; modes as the sidecar combines rx and tx", () => {
    expect(rateGiBPerDay(GIB / 86_400)).toBe("1");
    expect(rateGiBPerDay((2.5 * GIB) / 86_400)).toBe("2.50");
    expect(rateGiBPerDay(0)).toBe("0");
    expect(modeKey("max")).toBe("max");
    expect(modeKey("sum")).toBe("sum");
    expect(modeKey(null)).toBeNull();
  });

  it("the projected cut as a catalog key, for every projection status", () => {
    expect(projectionKey({ status: "projected", cutAt: "2026-12-14T03:00:00.000Z", rateBytesPerSec: 1 })).toEqual({ key: "projected", cutAt: "2026-12-14T03:00:00.000Z" });
    expect(projectionKey({ status: "cut", cutAt: null, rateBytesPerSec: 0 }).key).toBe("cut");
    expect(projectionKey({ status: "resets-first", cutAt: null, rateBytesPerSec: 1 }).key).toBe("resetsFirst");
    expect(projectionKey({ status: "no-traffic", cutAt: null, rateBytesPerSec: 0 }).key).toBe("noTraffic");
    expect(projectionKey({ status: "no-line", cutAt: null, rateBytesPerSec: 0 }).key).toBe("noLine");
    expect(projectionKey({ status: "insufficient-data", cutAt: null, rateBytesPerSec: 0 }).key).toBe("insufficient");
  });

  it("annotation kinds are codes the component labels (an unknown kind is not one)", () => {
    expect(isAnnotationKind("cycle-reset")).toBe(true);
    expect(isAnnotationKind("something-new")).toBe(false);
  });
});
