import { describe, expect, it } from "vitest";
import { GIB, formatGiB, formatPercent, formatRate, formatRelative, formatUtc, gib, modeLabel, projectionText, annotationLabel } from "./format";

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
    expect(formatRelative("2026-12-04T14:30:00Z", now)).toBe("in 3 d 4 h");
    expect(formatRelative("2026-12-01T15:00:00Z", now)).toBe("in 5 h");
    expect(formatRelative("2026-12-01T10:12:00Z", now)).toBe("in 12 min");
    expect(formatRelative("2026-11-29T10:00:00Z", now)).toBe("2 d ago");
  });

  it("rates as GiB a day; modes as the sidecar combines rx and tx", () => {
    expect(formatRate(GIB / 86_400)).toBe("1 GiB/day");
    expect(formatRate((2.5 * GIB) / 86_400)).toBe("2.50 GiB/day");
    expect(formatRate(0)).toBe("0 GiB/day");
    expect(modeLabel("max")).toBe("max(rx, tx)");
    expect(modeLabel("sum")).toBe("rx + tx (sum)");
    expect(modeLabel(null)).toBe("—");
  });

  it("the projected cut in words, for every projection status", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(projectionText({ status: "projected", cutAt: "2026-12-14T03:00:00.000Z", rateBytesPerSec: 1 }, now)).toBe("2026-12-14 03:00 UTC (in 12 d 17 h)");
    expect(projectionText({ status: "cut", cutAt: null, rateBytesPerSec: 0 }, now)).toBe("cut now");
    expect(projectionText({ status: "resets-first", cutAt: null, rateBytesPerSec: 1 }, now)).toBe("not this cycle (resets first)");
    expect(projectionText({ status: "no-traffic", cutAt: null, rateBytesPerSec: 0 }, now)).toBe("no traffic");
    expect(projectionText({ status: "no-line", cutAt: null, rateBytesPerSec: 0 }, now)).toBe("never (no limit)");
    expect(projectionText({ status: "insufficient-data", cutAt: null, rateBytesPerSec: 0 }, now)).toBe("not enough data");
  });

  it("annotation kinds have short chart labels; an unknown kind is shown as it is", () => {
    expect(annotationLabel("nic-reset")).toBe("reboot");
    expect(annotationLabel("cycle-reset")).toBe("cycle reset");
    expect(annotationLabel("something-new")).toBe("something-new");
  });
});
