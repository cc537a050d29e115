import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { BYTES_PER_GIB } from "./cycle";
import { demoHistory, type DemoNode } from "./demo-history";
import { parseMeterEnv, type MeterReading } from "./poll";
import { applyRetention, nodeCycleSeries, recordReading, retentionFromEnv } from "./store";
import { recordNewNodeHistories, recordNewNodeHistory } from "./store-bulk";

// The backfill's one-transaction write (recordNewNodeHistory) stores exactly what
// recordReading would, reading by reading, once retention has run.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const NOW = new Date("2026-12-01T11:00:00Z");
const demo = (ipv4: string): DemoNode => ({
  ipv4,
  env: parseMeterEnv("K2_NODE_BILLING_START_DATE=2026-01-01\nK2_NODE_TRAFFIC_LIMIT_GB=1024\nK2_NODE_TRAFFIC_BILLING_MODE=sum"),
  state: { cycleEndUnix: Date.UTC(2027, 0, 1) / 1000, cycleStartRxBytes: 40_113_307_721n, cycleStartTxBytes: 42_020_044_193n, priorUsedBytes: 0n, lastUsedBytes: 540_037_090_427n },
  cut: null,
});

/** every stored row of `ip` without the node's own address, ids and row timestamps */
async function rowsOf(ip: string) {
  const strip = <T extends Record<string, unknown>>(r: T) => Object.fromEntries(Object.entries(r).filter(([k]) => !["nodeIpv4", "id", "updatedAt"].includes(k)));
  const where = { nodeIpv4: ip };
  return {
    samples: (await t.prisma.meterSample.findMany({ where, orderBy: { at: "asc" } })).map(strip),
    hourly: (await t.prisma.meterHourly.findMany({ where, orderBy: { bucket: "asc" } })).map(strip),
    daily: (await t.prisma.meterDaily.findMany({ where, orderBy: { bucket: "asc" } })).map(strip),
    annotations: (await t.prisma.meterAnnotation.findMany({ where, orderBy: [{ at: "asc" }, { kind: "asc" }] })).map(strip),
    node: strip((await t.prisma.meterNode.findUniqueOrThrow({ where })) as unknown as Record<string, unknown>),
  };
}

describe("a node's whole history in one transaction", () => {
  it("stores the same samples, rollups, annotations and latest row as recordReading one by one (after retention)", async () => {
    const history = demoHistory(demo("198.51.100.1"), NOW, { cycles: 1, hourlyDays: 3 });
    expect(history.length).toBeGreaterThan(80);
    for (const s of history) await recordReading("198.51.100.1", s.reading, s.at);
    await applyRetention(NOW, retentionFromEnv({}));
    const made = await recordNewNodeHistory("198.51.100.2", history, { retention: retentionFromEnv({}) });
    expect(made.accepted).toBe(history.length);
    const [one, bulk] = [await rowsOf("198.51.100.1"), await rowsOf("198.51.100.2")];
    expect(bulk.samples.length).toBeGreaterThan(40); // the last two days
    expect(bulk).toEqual(one);
    // the demo history's events: the reset into the current cycle and the one reboot before it
    expect(bulk.annotations.map((a) => a.kind).sort()).toEqual(["cycle-reset", "nic-reset"]);
  });

  it("refuses a node k2ops already records (its history goes through recordReading)", async () => {
    const history = demoHistory(demo("198.51.100.1"), NOW, { cycles: 1, hourlyDays: 1 });
    await expect(recordNewNodeHistory("198.51.100.1", history)).rejects.toThrow(/already has a meter record/);
  });

  it("many nodes in one transaction; a node the live poll recorded meanwhile is skipped whole", async () => {
    const h = (ip: string) => ({ ipv4: ip, readings: demoHistory(demo(ip), NOW, { cycles: 1, hourlyDays: 1 }) });
    const out = await recordNewNodeHistories([h("198.51.100.4"), h("198.51.100.1"), h("198.51.100.5")]);
    expect(out.map((o) => o.ipv4)).toEqual(["198.51.100.4", "198.51.100.5"]);
    expect(out[0].annotations).toBe(2);
    expect(await t.prisma.meterDaily.count({ where: { nodeIpv4: "198.51.100.5" } })).toBe(31); // Nov 1 … Dec 1
    // the poll's node kept only its own rows
    expect(await t.prisma.meterSample.count({ where: { nodeIpv4: "198.51.100.1" } })).toBe((await rowsOf("198.51.100.2")).samples.length);
  });

  it("the live poll takes over from the hand-over reading: no event, the node's growth is credited", async () => {
    const ip = "198.51.100.3";
    const n = demo(ip);
    await recordNewNodeHistory(ip, demoHistory(n, NOW, { cycles: 1, hourlyDays: 1 }));
    // the node a minute later, as the poll reads it: its NIC 1 GiB past the last persisted figure
    const at = new Date(NOW.getTime() + 60_000);
    const grown = 540_037_090_427n + BYTES_PER_GIB;
    const rx = (grown * 4n) / 10n;
    const live: MeterReading = {
      nodeAt: at, dir: "/apps/k2s", volume: "", sidecar: { status: "running", startedAt: null }, k2s: { status: "running", paused: false }, env: n.env, metering: true,
      trafficState: n.state, trafficStateProblem: null, cut: null,
      nic: { name: "ens5", rxBytes: n.state.cycleStartRxBytes + rx, txBytes: n.state.cycleStartTxBytes + grown - rx },
      reporter: { ok: null, fail: null }, problems: [],
    };
    const r = await recordReading(ip, live, at);
    expect(r).toMatchObject({ accepted: true, annotations: [] });
    expect(r.checked.usedBytes).toBe(grown);
    expect(r.checked.rxDeltaBytes + r.checked.txDeltaBytes).toBe(BYTES_PER_GIB);
    const series = await nodeCycleSeries(ip, { now: at });
    expect(series!.points.at(-1)!.usedBytes).toBe(grown);
  });
});
