import { describe, expect, it } from "vitest";
import { formatBytes, formatDateTime, formatNumber, formattersFor, formatUtc, SERVER_TIME_ZONE, toDate, when } from "./format";

const T = new Date("2025-03-04T05:06:07Z");

describe("dates and times", () => {
  it("in the locale and the zone, with the zone's name; Asia/Singapore when no zone is given", () => {
    expect(SERVER_TIME_ZONE).toBe("Asia/Singapore");
    expect(formatDateTime(T, { locale: "en" })).toBe("Mar 4, 2025, 13:06 GMT+8");
    expect(formatDateTime(T, { locale: "zh-CN" })).toBe("2025年3月4日 13:06 GMT+8");
    expect(formatDateTime(T, { locale: "en", timeZone: "UTC", style: "seconds" })).toBe("Mar 4, 2025, 05:06:07 UTC");
    expect(formatDateTime(T, { locale: "en", timeZone: "America/New_York", style: "seconds" })).toBe("Mar 4, 2025, 00:06:07 EST");
    expect(formatDateTime(T, { locale: "zh-CN", style: "date" })).toBe("2025年3月4日");
    expect(formatDateTime(T, { locale: "en", style: "time", zone: false })).toBe("13:06:07");
  });

  it("the UTC title, and the same inputs as the old when(): Date, ISO string, epoch ms, null", () => {
    expect(formatUtc(T)).toBe("2025-03-04 05:06:07 UTC");
    expect(formatUtc("2025-03-04T05:06:07.000Z")).toBe("2025-03-04 05:06:07 UTC");
    expect(when(T.getTime(), { locale: "en" })).toBe("Mar 4, 2025, 13:06:07 GMT+8");
    expect(when("2025-03-04T05:06:07Z", { locale: "zh-CN", timeZone: "UTC" })).toBe("2025年3月4日 05:06:07 UTC");
    expect(when(null)).toBe("—");
    expect(when(undefined)).toBe("—");
    expect(when("not a date")).toBe("—");
    expect(formatUtc(null)).toBe("—");
    expect(toDate(0)?.toISOString()).toBe("1970-01-01T00:00:00.000Z");
  });
});

describe("numbers and byte sizes", () => {
  it("numbers with the locale's grouping", () => {
    expect(formatNumber(1234567.25, "en")).toBe("1,234,567.25");
    expect(formatNumber(1234567, "zh-CN")).toBe("1,234,567");
    expect(formatNumber(0.5, "en", { style: "percent" })).toBe("50%");
    expect(formatNumber(null)).toBe("—");
    expect(formatNumber(Number.NaN)).toBe("—");
  });

  it("bytes in 1024-based units", () => {
    expect(formatBytes(0, "en")).toBe("0 B");
    expect(formatBytes(1023, "en")).toBe("1,023 B");
    expect(formatBytes(1024, "en")).toBe("1 KiB");
    expect(formatBytes(1536, "en")).toBe("1.5 KiB");
    expect(formatBytes(5 * 1024 ** 3, "zh-CN")).toBe("5 GiB");
    expect(formatBytes(1.25 * 1024 ** 2, "en", { digits: 2, fixed: true })).toBe("1.25 MiB");
    expect(formatBytes(2 * 1024 ** 3, "en", { digits: 2, fixed: true })).toBe("2.00 GiB");
    expect(formatBytes(1500 * 1024 ** 3, "en", { unit: "GiB" })).toBe("1,500 GiB");
    expect(formatBytes(3n * 1024n ** 4n, "en")).toBe("3 TiB");
    expect(formatBytes(-2048, "en")).toBe("-2 KiB");
    expect(formatBytes(null)).toBe("—");
  });

  it("formatters bound to a locale and a zone", () => {
    const f = formattersFor("zh-CN", "UTC");
    expect(f.dateTime(T)).toBe("2025年3月4日 05:06 UTC");
    expect(f.bytes(1024 ** 3)).toBe("1 GiB");
    expect(f.number(12345)).toBe("12,345");
    expect(f.utc(T)).toBe("2025-03-04 05:06:07 UTC");
  });
});
