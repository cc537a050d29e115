import { describe, expect, it } from "vitest";
import type { CycleSeriesView } from "@/lib/metering/view";
import { GIB } from "./format";
import { annotationMarks, cycleChartRows, cycleHistoryRows, dayTicks, topConsumerRows, totalsChartRows } from "./series";

const series: CycleSeriesView = {
  start: "2026-12-01T00:00:00.000Z",
  end: "2027-01-01T00:00:00.000Z",
  resolution: "1h",
  points: [
    { at: "2026-12-01T01:00:00.000Z", usedBytes: 2 * GIB, rxBytes: 1 * GIB, txBytes: 1 * GIB, limitGb: 100, cut: false },
    { at: "2026-12-02T01:00:00.000Z", usedBytes: 10 * GIB, rxBytes: 4 * GIB, txBytes: 6 * GIB, limitGb: 100, cut: false },
  ],
  annotations: [{ at: "2026-12-01T01:00:00.000Z", kind: "cycle-reset", text: "billing cycle reset: 2026-12-01 → 2027-01-01" }],
};
const t = (iso: string) => Date.parse(iso);

describe("cycle chart rows", () => {
  it("GiB per point, time in ms, no projection without one", () => {
    expect(cycleChartRows(series)).toEqual([
      { t: t("2026-12-01T01:00:00Z"), used: 2, rx: 1, tx: 1 },
      { t: t("2026-12-02T01:00:00Z"), used: 10, rx: 4, tx: 6 },
    ]);
  });

  it("a projected cut continues the used line from the last point to the cutoff at the cut time", () => {
    const rows = cycleChartRows(series, {
      projection: { status: "projected", cutAt: "2026-12-10T00:00:00.000Z", rateBytesPerSec: 1000 },
      nowMs: t("2026-12-02T01:05:00Z"),
      usedBytes: 10 * GIB,
      cutoffBytes: 99.5 * GIB,
    });
    expect(rows[1]).toMatchObject({ t: t("2026-12-02T01:00:00Z"), used: 10, projected: 10 });
    expect(rows[2]).toEqual({ t: t("2026-12-10T00:00:00Z"), used: null, rx: null, tx: null, projected: 99.5 });
  });

  it("a cycle that resets first projects to its end at the rate; a stale last point gets a point at now", () => {
    const rows = cycleChartRows(series, { projection: { status: "resets-first", cutAt: null, rateBytesPerSec: GIB / 86_400 }, nowMs: t("2026-12-03T01:00:00Z"), usedBytes: 10 * GIB, cutoffBytes: 999 * GIB });
    expect(rows).toHaveLength(4);
    expect(rows[2]).toEqual({ t: t("2026-12-03T01:00:00Z"), used: null, rx: null, tx: null, projected: 10 });
    expect(rows[3].t).toBe(t("2027-01-01T00:00:00Z"));
    expect(rows[3].projected).toBeCloseTo(10 + 28 + 23 / 24, 6);
  });

  it("no projection line without traffic, without a figure or for a cut node", () => {
    expect(cycleChartRows(series, { projection: { status: "no-traffic", cutAt: null, rateBytesPerSec: 0 }, nowMs: t("2026-12-02T02:00:00Z"), usedBytes: 10 * GIB })).toHaveLength(2);
    expect(cycleChartRows(series, { projection: { status: "cut", cutAt: null, rateBytesPerSec: 5 }, nowMs: t("2026-12-02T02:00:00Z"), usedBytes: 10 * GIB })).toHaveLength(2);
    expect(cycleChartRows(series, { projection: { status: "projected", cutAt: "2026-12-10T00:00:00.000Z", rateBytesPerSec: 5 }, nowMs: t("2026-12-02T02:00:00Z"), usedBytes: null })).toHaveLength(2);
  });

  it("annotations become marks by kind", () => {
    expect(annotationMarks(series)).toEqual([{ t: t("2026-12-01T01:00:00Z"), kind: "cycle-reset", text: "billing cycle reset: 2026-12-01 → 2027-01-01" }]);
  });
});

describe("fleet and history rows", () => {
  it("cycle totals, fleet totals and top consumers in GiB", () => {
    expect(cycleHistoryRows([{ start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z", rxBytes: GIB, txBytes: 3 * GIB, usedBytes: 3 * GIB, current: false }, { start: "2026-12-01T00:00:00.000Z", end: "2027-01-01T00:00:00.000Z", rxBytes: 0, txBytes: GIB, usedBytes: GIB, current: true }])).toEqual([
      { label: "2026-11-01", start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z", used: 3, rx: 1, tx: 3, current: false },
      { label: "2026-12-01 (now)", start: "2026-12-01T00:00:00.000Z", end: "2027-01-01T00:00:00.000Z", used: 1, rx: 0, tx: 1, current: true },
    ]);
    expect(totalsChartRows([{ at: "2026-12-01T00:00:00.000Z", rxBytes: GIB, txBytes: 2 * GIB, nodes: 3 }])).toEqual([{ t: t("2026-12-01T00:00:00Z"), rx: 1, tx: 2, total: 3, nodes: 3 }]);
    expect(topConsumerRows([{ ipv4: "203.0.113.1", name: "a", rxBytes: GIB, txBytes: GIB, totalBytes: 2 * GIB }])).toEqual([{ ipv4: "203.0.113.1", name: "a", rx: 1, tx: 1, total: 2 }]);
  });

  it("day ticks at 00:00 UTC, thinned to at most 8", () => {
    expect(dayTicks(t("2026-12-01T05:00:00Z"), t("2026-12-04T00:00:00Z"))).toEqual([t("2026-12-02T00:00:00Z"), t("2026-12-03T00:00:00Z"), t("2026-12-04T00:00:00Z")]);
    const month = dayTicks(t("2026-12-01T00:00:00Z"), t("2027-01-01T00:00:00Z"));
    expect(month.length).toBeLessThanOrEqual(8);
    expect(month[0]).toBe(t("2026-12-01T00:00:00Z"));
    expect(month.every((x) => x % 86_400_000 === 0)).toBe(true);
  });
});

describe("time axis", () => {
  it("hourly ticks for a domain up to 3 days, day ticks beyond; labels in UTC", async () => {
    const { timeTicks, tickLabel } = await import("./series");
    const a = timeTicks(t("2026-12-01T00:00:00Z"), t("2026-12-01T12:00:00Z"));
    expect(a.unit).toBe("hour");
    expect(a.ticks.map((x) => tickLabel("hour")(x))).toEqual(["12-01 00:00", "12-01 02:00", "12-01 04:00", "12-01 06:00", "12-01 08:00", "12-01 10:00", "12-01 12:00"]);
    const b = timeTicks(t("2026-12-01T00:00:00Z"), t("2026-12-31T00:00:00Z"));
    expect(b.unit).toBe("day");
    expect(tickLabel("day")(b.ticks[0])).toBe("12-01");
  });
});
