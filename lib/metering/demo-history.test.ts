import { describe, expect, it } from "vitest";
import { BYTES_PER_GIB, cutoffBytesOf, limitBytesOf } from "./cycle";
import { demoHistory, type DemoNode } from "./demo-history";
import { nodeUsed, parseMeterEnv } from "./poll";

// The node as the simulator leaves it (a sim probe's traffic.state and .env): cycle end 2027-01-01, baseline at 40/42 GB.
const node = (o: { env?: string; lastUsed?: bigint; prior?: bigint; end?: number; ip?: string } = {}): DemoNode => ({
  ipv4: o.ip ?? "127.0.0.11",
  env: parseMeterEnv(o.env ?? "K2_NODE_BILLING_START_DATE=2026-01-01\nK2_NODE_TRAFFIC_LIMIT_GB=1536\nK2_NODE_TRAFFIC_BILLING_MODE=sum"),
  state: { cycleEndUnix: o.end ?? 1798761600, cycleStartRxBytes: 40_113_307_721n, cycleStartTxBytes: 42_020_044_193n, priorUsedBytes: o.prior ?? 0n, lastUsedBytes: o.lastUsed ?? 708_794_295_396n },
  cut: null,
});
const NOW = new Date("2026-12-01T11:00:00Z");

describe("the demo fleet's meter history", () => {
  it("three previous cycles and the current one up to now, daily then hourly for the last week, oldest first", () => {
    const h = demoHistory(node(), NOW);
    expect(h[0].at.getTime()).toBeGreaterThan(Date.parse("2026-09-01T00:00:00Z"));
    expect(h[0].at.getTime()).toBeLessThan(Date.parse("2026-09-02T00:00:00Z"));
    for (let i = 1; i < h.length; i++) expect(h[i].at.getTime()).toBeGreaterThan(h[i - 1].at.getTime());
    const lastWeek = h.filter((s) => s.at.getTime() > NOW.getTime() - 7 * 86_400_000);
    expect(lastWeek.length).toBeGreaterThanOrEqual(7 * 24);
    // a reading 10 minutes before each reset
    for (const reset of ["2026-10-01", "2026-11-01", "2026-12-01"]) expect(h.some((s) => s.at.getTime() === Date.parse(`${reset}T00:00:00Z`) - 600_000)).toBe(true);
    // each reading's cycle is the sidecar's: ends at the resets of billing day 1
    const ends = new Set(h.map((s) => s.reading.trafficState!.cycleEndUnix));
    expect([...ends].map((e) => new Date(e * 1000).toISOString().slice(0, 10))).toEqual(["2026-10-01", "2026-11-01", "2026-12-01", "2027-01-01"]);
  });

  it("ends with the hand-over: the node's own traffic.state, no NIC figure, at now; every other reading is a live NIC reading", () => {
    const n = node();
    const h = demoHistory(n, NOW);
    const last = h[h.length - 1];
    expect(last.at).toEqual(NOW);
    expect(last.reading.nic).toBeNull();
    expect(last.reading.trafficState).toEqual(n.state);
    expect(nodeUsed(last.reading)).toMatchObject({ usedBytes: 708_794_295_396n, source: "state" });
    for (const s of h.slice(0, -1)) expect(nodeUsed(s.reading).source).toBe("live");
    // used grows within a cycle, and the current cycle reaches the node's figure from below
    const cur = h.filter((s) => s.reading.trafficState!.cycleEndUnix === n.state.cycleEndUnix).map((s) => nodeUsed(s.reading).usedBytes!);
    for (let i = 1; i < cur.length; i++) expect(cur[i]).toBeGreaterThanOrEqual(cur[i - 1]);
    // the current cycle's baseline is the node's, so its NIC counters run on from it
    const live = h.filter((s) => s.reading.trafficState!.cycleEndUnix === n.state.cycleEndUnix && s.reading.nic);
    for (const s of live) expect(s.reading.nic!.rxBytes).toBeGreaterThanOrEqual(n.state.cycleStartRxBytes);
  });

  it("previous cycles use 35-80 % of the limit (never cut), with one VM reboot before the current cycle (the counters restart)", () => {
    const h = demoHistory(node(), NOW);
    const line = cutoffBytesOf(limitBytesOf(1536))!;
    const perCycle = new Map<number, bigint>();
    for (const s of h.slice(0, -1)) perCycle.set(s.reading.trafficState!.cycleEndUnix, nodeUsed(s.reading).usedBytes!);
    const prev = [...perCycle.entries()].filter(([e]) => e !== 1798761600).map(([, u]) => u);
    expect(prev).toHaveLength(3);
    for (const u of prev) {
      expect(u).toBeLessThan(line);
      expect(u).toBeGreaterThan((1536n * BYTES_PER_GIB * 30n) / 100n);
    }
    expect(h.every((s) => !s.reading.cut)).toBe(true);
    const drops = h.slice(1, -1).filter((s, i) => s.reading.nic!.rxBytes < h[i].reading.nic!.rxBytes);
    expect(drops).toHaveLength(1);
  });

  it("is deterministic for a node and a time, and differs between nodes", () => {
    const a = demoHistory(node(), NOW);
    expect(demoHistory(node(), NOW)).toEqual(a);
    const b = demoHistory(node({ ip: "127.0.0.12" }), NOW);
    expect(b.map((s) => nodeUsed(s.reading).usedBytes)).not.toEqual(a.map((s) => nodeUsed(s.reading).usedBytes));
  });

  it("max mode, a prior floor, a billing day of 31 mid-cycle and an unlimited node all give a rising history ending at the node's figure", () => {
    for (const n of [
      node({ env: "K2_NODE_BILLING_START_DATE=2026-01-31\nK2_NODE_TRAFFIC_LIMIT_GB=1000\nK2_NODE_TRAFFIC_BILLING_MODE=max", end: Date.UTC(2026, 11, 31) / 1000, lastUsed: 300n * BYTES_PER_GIB, prior: 50n * BYTES_PER_GIB }),
      node({ env: "K2_NODE_BILLING_START_DATE=2026-01-15\nK2_NODE_TRAFFIC_LIMIT_GB=0", end: Date.UTC(2026, 11, 15) / 1000, lastUsed: 10n * BYTES_PER_GIB }),
    ]) {
      const h = demoHistory(n, NOW);
      expect(h.length).toBeGreaterThan(100);
      expect(nodeUsed(h[h.length - 1].reading).usedBytes).toBe(n.state.lastUsedBytes);
      const cur = h.filter((s) => s.reading.trafficState!.cycleEndUnix === n.state.cycleEndUnix).map((s) => nodeUsed(s.reading).usedBytes!);
      expect(cur[0]).toBeGreaterThanOrEqual(n.state.priorUsedBytes);
      for (let i = 1; i < cur.length; i++) expect(cur[i]).toBeGreaterThanOrEqual(cur[i - 1]);
    }
  });

  it("nothing for a stale traffic.state (the live poll sees the rollover) or a node without a billing day", () => {
    expect(demoHistory(node({ end: Date.UTC(2026, 10, 1) / 1000 }), NOW)).toEqual([]);
    expect(demoHistory({ ...node(), env: parseMeterEnv("K2_NODE_TRAFFIC_LIMIT_GB=1000") }, NOW)).toEqual([]);
  });
});
