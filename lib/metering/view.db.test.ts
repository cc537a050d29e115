import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { fleetTable, parseFleetQuery, syncFleet } from "@/lib/fleet";
import { BYTES_PER_GIB } from "./cycle";
import { demoHistory, type DemoNode } from "./demo-history";
import { parseMeterEnv } from "./poll";
import { recordPollFailure, recordReading } from "./store";
import { recordNewNodeHistory } from "./store-bulk";
import { meteringPageView, meteringRange, nodeMeterView, topConsumers } from "./view";

// What the node page and the Metering page read (lib/metering/view), and the fleet
// table's Quota column, on demo histories of a small fleet.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await syncFleet([1, 2, 3, 4, 5, 6].map((i) => ({ id: i, name: `m${i}`, country: "JP", region: "r", ipv4: `203.0.113.${i}`, ipv6: "", class: "shared", updatedAt: 1, tunnels: [] })));
  const env = (limit: number, extra = "") => parseMeterEnv(`K2_NODE_BILLING_START_DATE=2026-01-01\nK2_NODE_TRAFFIC_LIMIT_GB=${limit}\nK2_NODE_TRAFFIC_BILLING_MODE=sum${extra}`);
  const node = (i: number, limit: number, usedGiB: bigint, o: Partial<DemoNode> = {}, extra = ""): DemoNode => ({
    ipv4: `203.0.113.${i}`,
    env: env(limit, extra),
    state: { cycleEndUnix: Date.UTC(2027, 0, 1) / 1000, cycleStartRxBytes: 40_113_307_721n, cycleStartTxBytes: 42_020_044_193n, priorUsedBytes: 0n, lastUsedBytes: usedGiB * BYTES_PER_GIB },
    cut: null,
    ...o,
  });
  // .1 ok (30 %), .2 warning (85 %), .3 cut (over the line), .4 unlimited, .5 never read (poll failures only), .6 not polled at all
  for (const n of [node(1, 1000, 300n, {}, "\nK2_NODE_TRAFFIC_USED_GB=12"), node(2, 1000, 850n), node(3, 1000, 1000n, { cut: true }), node(4, 0, 200n)]) {
    await recordNewNodeHistory(n.ipv4, demoHistory(n, NOW, { cycles: 2, hourlyDays: 2 }));
  }
  await recordPollFailure("203.0.113.5", "connect ECONNREFUSED", NOW, NOW);
  // .7 meters nothing: no billing date
  await recordReading("203.0.113.7", { nodeAt: NOW, dir: "/apps/k2s", volume: "", sidecar: { status: "running", startedAt: null }, k2s: { status: "running", paused: false }, env: parseMeterEnv("K2_NODE_TRAFFIC_LIMIT_GB=1000"), metering: false, trafficState: null, trafficStateProblem: "absent", cut: null, nic: null, reporter: { ok: null, fail: null }, problems: [] }, NOW);
});
afterAll(async () => {
  await t?.close();
});
const NOW = new Date("2026-12-10T12:00:00Z");

describe("the node page's view", () => {
  it("gauge, the sidecar's cycle, mode and seed, the projection, this and the previous cycle's series, the cycle history", async () => {
    const v = (await nodeMeterView("203.0.113.1", { now: NOW, warnPercent: 80 }))!;
    expect(v.gauge).toMatchObject({ state: "ok", usedBytes: 300 * 2 ** 30, limitBytes: 1000 * 2 ** 30, cutoffBytes: 1000 * 2 ** 30 - 524_288_000, warnPercent: 80 });
    expect(v.gauge.percentUsed).toBeCloseTo(30, 6);
    expect(v.cycle).toEqual({ start: "2026-12-01T00:00:00.000Z", end: "2027-01-01T00:00:00.000Z", freshEnd: "2027-01-01T00:00:00.000Z", restartReanchors: false, nodeEnd: "2027-01-01T00:00:00.000Z", nodeEndMatches: true });
    expect(v).toMatchObject({ billingDay: 1, mode: "sum", seedGb: 12, limitGb: 1000, readAt: NOW.toISOString(), provider: null });
    // 300 GiB in 9.5 days: the line (~1000 GiB) is reached after the cycle's end
    expect(v.projection.status).toBe("resets-first");
    expect(v.projection.rateBytesPerSec).toBeGreaterThan(0);
    expect(v.current).toMatchObject({ start: "2026-12-01T00:00:00.000Z", end: "2027-01-01T00:00:00.000Z", resolution: "1h" });
    expect(v.current!.points.at(-1)!.usedBytes).toBe(300 * 2 ** 30);
    expect(v.current!.annotations.map((a) => a.kind)).toEqual(["cycle-reset"]);
    expect(v.current!.annotations[0].text).toMatch(/billing cycle reset/);
    expect(v.previous).toMatchObject({ start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" });
    expect(v.previous!.points.length).toBeGreaterThan(25);
    expect(v.history.map((c) => [c.start.slice(0, 10), c.current])).toEqual([["2026-10-01", false], ["2026-11-01", false], ["2026-12-01", true]]);
    expect(v.history[1].usedBytes).toBe(v.history[1].rxBytes + v.history[1].txBytes);
  });

  it("a warning, a cut, an unlimited node; a node never read is 'unknown'; a node never polled has no view", async () => {
    expect((await nodeMeterView("203.0.113.2", { now: NOW }))!.gauge.state).toBe("warning");
    const cut = (await nodeMeterView("203.0.113.3", { now: NOW }))!;
    expect([cut.gauge.state, cut.projection.status]).toEqual(["cut", "cut"]);
    const unl = (await nodeMeterView("203.0.113.4", { now: NOW }))!;
    expect([unl.gauge.state, unl.gauge.cutoffBytes, unl.projection.status]).toEqual(["unlimited", null, "no-line"]);
    const never = (await nodeMeterView("203.0.113.5", { now: NOW }))!;
    expect(never).toMatchObject({ gauge: { state: "unknown" }, lastError: "connect ECONNREFUSED", current: null, previous: null, history: [], seedGb: undefined, cycle: null });
    expect(await nodeMeterView("203.0.113.6", { now: NOW })).toBeNull();
    const off = (await nodeMeterView("203.0.113.7", { now: NOW }))!;
    expect(off).toMatchObject({ gauge: { state: "metering-off", usedBytes: null, limitBytes: 0 }, projection: { status: "no-line" }, cycle: null, current: null, history: [] });
  });
});

describe("the Metering page's view", () => {
  it("every polled node by risk with counts per state, the fleet's traffic and the top consumers of the range", async () => {
    const v = await meteringPageView({ now: NOW, range: "30d", warnPercent: 80 });
    expect(v.rows.map((r) => [r.name, r.gauge.state, r.risk])).toEqual([["m3", "cut", 0], ["m2", "warning", 1], ["m1", "ok", 2], ["m4", "unlimited", 3], ["m5", "unknown", 4], ["203.0.113.7", "metering-off", 5]]);
    expect(v.counts).toEqual({ cut: 1, warning: 1, ok: 1, unlimited: 1, "metering-off": 1, unknown: 1 });
    expect(v.totals.resolution).toBe("1d");
    expect(v.totals.points).toHaveLength(31); // Nov 10 … Dec 10, whole UTC days
    expect(v.totals.points.at(-1)!.nodes).toBe(5); // the four and the metering-off node (its reading, no traffic)
    expect(v.top.map((c) => c.name)).toHaveLength(4);
    expect(v.top[0].totalBytes).toBeGreaterThanOrEqual(v.top[1].totalBytes);
    const week = await meteringPageView({ now: NOW, range: "7d" });
    expect(week.totals.resolution).toBe("1h");
    expect(meteringRange("90d")).toBe("90d");
    expect(meteringRange(["7d"])).toBe("7d");
    expect(meteringRange("1y")).toBe("30d");
  });

  it("top consumers: rx + tx of the daily rollups over whole days in the range, with the node's name, most first", async () => {
    await t.prisma.meterDaily.createMany({
      data: [
        { nodeIpv4: "198.51.100.9", bucket: new Date("2026-12-09T00:00:00Z"), rxBytes: 5000n * BYTES_PER_GIB, txBytes: 1n },
        { nodeIpv4: "198.51.100.9", bucket: new Date("2026-11-01T00:00:00Z"), rxBytes: 9999n * BYTES_PER_GIB, txBytes: 0n },
      ],
    });
    const top = await topConsumers(new Date("2026-12-08T13:00:00Z"), NOW, 2);
    expect(top).toHaveLength(2);
    // not in the fleet: named by its address; the November day is outside the range
    expect(top[0]).toEqual({ ipv4: "198.51.100.9", name: "198.51.100.9", rxBytes: 5000 * 2 ** 30, txBytes: 1, totalBytes: 5000 * 2 ** 30 + 1 });
    expect(top[1].name).toMatch(/^m\d$/);
    await t.prisma.meterDaily.deleteMany({ where: { nodeIpv4: "198.51.100.9" } });
  });
});

describe("the fleet table's Quota column", () => {
  it("% used and state from each node's latest meter row; blank for a node never read or never polled", async () => {
    const prev = process.env.K2OPS_METER_WARN_PERCENT;
    process.env.K2OPS_METER_WARN_PERCENT = "90";
    try {
      const { rows } = await fleetTable(parseFleetQuery({ sort: "ipv4" }));
      expect(rows.map((r) => [r.ipv4, r.quotaUsedPct, r.quotaState])).toEqual([
        ["203.0.113.1", 30, "ok"],
        ["203.0.113.2", 85, "ok"], // warning only from 90 % here
        ["203.0.113.3", 100, "cut"],
        ["203.0.113.4", null, "unlimited"],
        ["203.0.113.5", null, null],
        ["203.0.113.6", null, null],
      ]);
    } finally {
      if (prev === undefined) delete process.env.K2OPS_METER_WARN_PERCENT;
      else process.env.K2OPS_METER_WARN_PERCENT = prev;
    }
  });
});
