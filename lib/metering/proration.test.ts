import { describe, expect, it } from "vitest";
import { BYTES_PER_GIB } from "./cycle";
import { prorateCreationMonth } from "./proration";

describe("first-month proration of a Lightsail node (metering.md Part C)", () => {
  it("the runbook's worked example: created 2026-06-07, 1024 GB bundle → about 819 GB this month", () => {
    const p = prorateCreationMonth({ createdAt: new Date("2026-06-07T09:30:00Z"), bundleGb: 1024, fullLimitGb: 1000 });
    expect([p.daysInMonth, p.remainingDays]).toEqual([30, 24]);
    expect(p.proratedAllowanceGb).toBe(819);
    // A: "Correct first-month value would have been ≈800 ... then 1000 from 2026-07-01"
    expect(p.proratedLimit).toMatchObject({ limitGb: 800, restoreLimitGb: 1000 });
    expect(p.proratedLimit.restoreAt.toISOString()).toBe("2026-07-01T00:00:00.000Z");
    // the cut trips at 800 GiB − 500 MiB, below the allowance
    expect(p.proratedLimit.cutoffBytes).toBe(800n * BYTES_PER_GIB - 524_288_000n);
    // B: full limit + the phantom part of the month as a seed that clears on the 1st
    expect(p.fullLimitWithSeed).toMatchObject({ limitGb: 1000, setUsageGb: 200, remainingGb: 800 });
    expect(p.fullLimitWithSeed.clearsAt.toISOString()).toBe("2026-07-01T00:00:00.000Z");
    expect(p.warnings).toEqual([]);
    expect(p.workings[1]).toBe("prorated allowance = 1024 GB × 24/30 = 819.2 → 819 GB (rounded down)");
  });

  it("au-1 as it ran (full limit 1000, no proration) is flagged against the allowance; a limit at the bundle is an overage risk", () => {
    const p = prorateCreationMonth({ createdAt: new Date("2026-06-07T00:00:00Z"), bundleGb: 1024, fullLimitGb: 1024 });
    expect(p.warnings).toEqual(["the full limit 1024 GB is not below the bundle's 1024 GB: overage risk every month", "the prorated limit 819 GB is not below the prorated allowance 819 GB"]);
  });

  it("what the node already used goes into the seed (set-usage replaces the meter's count), rounded up", () => {
    const p = prorateCreationMonth({ createdAt: new Date("2026-06-07T00:00:00Z"), bundleGb: 1024, fullLimitGb: 1000, currentUsedBytes: 12n * BYTES_PER_GIB + 1n });
    expect(p.fullLimitWithSeed).toMatchObject({ setUsageGb: 213, remainingGb: 787 });
    expect(p.workings[3]).toContain("+ 12.0 already used");
  });

  it("month lengths and leap Februaries; the first day keeps the whole month; the hourly basis", () => {
    expect(prorateCreationMonth({ createdAt: new Date("2028-02-20T00:00:00Z"), bundleGb: 1536, fullLimitGb: 1500 }).remainingDays).toBe(10);
    expect(prorateCreationMonth({ createdAt: new Date("2027-02-20T00:00:00Z"), bundleGb: 1536, fullLimitGb: 1500 }).remainingDays).toBe(9);
    const first = prorateCreationMonth({ createdAt: new Date("2026-12-01T00:00:00Z"), bundleGb: 2048, fullLimitGb: 2000 });
    expect([first.share, first.proratedAllowanceGb, first.proratedLimit.limitGb, first.fullLimitWithSeed.setUsageGb]).toEqual([1, 2048, 2000, 0]);
    expect(first.nextMonthStart.toISOString()).toBe("2027-01-01T00:00:00.000Z");
    const h = prorateCreationMonth({ createdAt: new Date("2026-06-07T12:00:00Z"), bundleGb: 1024, fullLimitGb: 1000, basis: "hours" });
    expect(h.remainingDays).toBe(23.5);
    expect(h.proratedAllowanceGb).toBe(802);
  });

  it("refuses bundles and limits that are not positive whole GB", () => {
    expect(() => prorateCreationMonth({ createdAt: new Date(), bundleGb: 0, fullLimitGb: 1 })).toThrow(RangeError);
    expect(() => prorateCreationMonth({ createdAt: new Date(), bundleGb: 1024, fullLimitGb: 99.5 })).toThrow(RangeError);
    expect(() => prorateCreationMonth({ createdAt: new Date(), bundleGb: 1024, fullLimitGb: 1000, currentUsedBytes: -1n })).toThrow(RangeError);
  });
});
