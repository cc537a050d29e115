import { describe, expect, it } from "vitest";
import { BYTES_PER_GIB, cutoffBytesOf, limitBytesOf } from "./cycle";
import { linkBytesPerSec, meterPollMinutes, pollIntervalMs } from "./schedule";

const GIB = BYTES_PER_GIB;
const line = cutoffBytesOf(limitBytesOf(1000))!;
const node = (o: Partial<Parameters<typeof pollIntervalMs>[0]> = {}) => ({ metering: true, limitGb: 1000, usedBytes: 100n * GIB, cut: false, rateBytesPerSec: 0, ...o });

describe("the meter poll's schedule", () => {
  it("K2OPS_METER_POLL_MINUTES: default 5, 0 = off, nonsense = 5", () => {
    expect([meterPollMinutes(undefined), meterPollMinutes(""), meterPollMinutes("2"), meterPollMinutes("0"), meterPollMinutes("soon"), meterPollMinutes("-3")]).toEqual([5, 5, 2, 0, 5, 5]);
  });

  it("polls every base minutes; every minute near the cutoff (>= 90 % of the line, or the line within 2 h at the running rate)", () => {
    expect(pollIntervalMs(node(), 5)).toBe(5 * 60_000);
    expect(pollIntervalMs(node({ usedBytes: (line * 9n) / 10n }), 5)).toBe(60_000);
    expect(pollIntervalMs(node({ usedBytes: (line * 9n) / 10n - GIB }), 5)).toBe(5 * 60_000);
    // 100 GiB left at 20 MiB/s: about 85 min
    expect(pollIntervalMs(node({ usedBytes: line - 100n * GIB, rateBytesPerSec: 20 * 2 ** 20 }), 5)).toBe(60_000);
    expect(pollIntervalMs(node({ usedBytes: line - 100n * GIB, rateBytesPerSec: 2 ** 20 }), 5)).toBe(5 * 60_000);
    // cut, over the line, unlimited, metering off, no figure: the base interval
    for (const o of [{ cut: true, usedBytes: line - 1n }, { usedBytes: line }, { limitGb: 0, usedBytes: line }, { metering: false, usedBytes: line - 1n }, { usedBytes: null }]) expect(pollIntervalMs(node(o), 5)).toBe(5 * 60_000);
    // a base of 1 stays 1; failures back off to at most an hour
    expect(pollIntervalMs(node({ usedBytes: line - 1n }), 1)).toBe(60_000);
    expect([1, 2, 3, 10].map((failures) => pollIntervalMs(node({ failures }), 5) / 60_000)).toEqual([5, 10, 20, 60]);
  });

  it("the link bound: K2OPS_METER_LINK_GBPS in bytes per second, default 10 Gbit/s", () => {
    expect(linkBytesPerSec(undefined)).toBe(1_250_000_000);
    expect(linkBytesPerSec("1")).toBe(125_000_000);
    expect(linkBytesPerSec("x")).toBe(1_250_000_000);
  });
});
