import { describe, expect, it } from "vitest";
import { cycleEnd, isCalendarDate, nextCycleEnds } from "./cycle";

const at = (iso: string) => new Date(iso);
const epoch = (d: Date) => d.getTime() / 1000;

describe("the sidecar's cycle end (node-behavior.md §4.3)", () => {
  it("matches the documented examples", () => {
    expect(epoch(cycleEnd(1, at("2026-08-22T10:00:00Z")))).toBe(1788220800);
    expect(epoch(cycleEnd(10, at("2026-08-22T10:00:00Z")))).toBe(1788998400);
  });

  it("rolls days that a month lacks over as Go's date normalisation does", () => {
    // day 31 on Nov 30: Nov 31 is Dec 1, not yet passed
    expect(cycleEnd(31, at("2026-11-30T12:00:00Z")).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    // day 31 on Jan 31 after midnight: Jan 31 + 1 month = Feb 31 = Mar 3 (Mar 2 in a leap year)
    expect(cycleEnd(31, at("2027-01-31T00:00:01Z")).toISOString()).toBe("2027-03-03T00:00:00.000Z");
    expect(cycleEnd(31, at("2028-01-31T00:00:01Z")).toISOString()).toBe("2028-03-02T00:00:00.000Z");
    // exactly at the candidate is not "after" it
    expect(cycleEnd(15, at("2026-12-15T00:00:00Z")).toISOString()).toBe("2026-12-15T00:00:00.000Z");
  });

  it("lists a year of resets for day 30: February's moves into March", () => {
    const ends = nextCycleEnds(30, at("2026-12-01T00:00:00Z"), 4).map((d) => d.toISOString().slice(0, 10));
    expect(ends).toEqual(["2026-12-30", "2027-01-30", "2027-03-02", "2027-03-30"]);
  });

  it("knows real calendar dates", () => {
    expect(isCalendarDate("2026-02-28")).toBe(true);
    expect(isCalendarDate("2028-02-29")).toBe(true);
    expect(isCalendarDate("2026-02-29")).toBe(false);
    expect(isCalendarDate("2026-02-31")).toBe(false);
    expect(isCalendarDate("2026-04-31")).toBe(false);
    expect(isCalendarDate("2026-13-01")).toBe(false);
  });
});
