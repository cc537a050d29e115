import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { syncFleet } from "@/lib/fleet";
import { BYTES_PER_GIB, limitBytesOf } from "./cycle";
import type { MeterReading } from "./poll";
import { applyRetention, cycleHistory, dueNodes, fleetLatest, fleetTotals, nodeCycleSeries, recordPollFailure, recordReading, retentionFromEnv } from "./store";

// Metering storage on the embedded database (and PostgreSQL with K2OPS_TEST_PG_URL):
// samples with raw counters, rollups, annotations, queries, retention.

const GIB = BYTES_PER_GIB;
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  for (const m of [t.prisma.meterSample, t.prisma.meterHourly, t.prisma.meterDaily, t.prisma.meterAnnotation, t.prisma.meterNode] as { deleteMany(): Promise<unknown> }[]) await m.deleteMany();
});

const END = Date.UTC(2026, 8, 1) / 1000; // cycle end 2026-09-01 (billing day 1)
/** a metering node's reading: baseline 100/200 GiB, NIC as given; used computed live (max) */
function reading(o: { rx: bigint; tx: bigint; at: Date; cut?: boolean; paused?: boolean; limitGb?: number; metering?: boolean; end?: number; mode?: "max" | "sum"; lastUsed?: bigint }): MeterReading {
  const metering = o.metering ?? true;
  return {
    nodeAt: o.at,
    dir: "/apps/k2s",
    volume: "/var/lib/docker/volumes/k2s_config/_data",
    sidecar: { status: "running", startedAt: null },
    k2s: { status: o.paused ? "paused" : "running", paused: !!o.paused },
    env: { billingDate: metering ? "2026-01-01" : null, billingDay: metering ? 1 : null, billingDateError: null, limitGb: o.limitGb ?? 1000, limitRaw: String(o.limitGb ?? 1000), mode: o.mode ?? "max", modeRaw: null, modeUnknown: false, seedGb: null },
    metering,
    trafficState: metering ? { cycleEndUnix: o.end ?? END, cycleStartRxBytes: 100n * GIB, cycleStartTxBytes: 200n * GIB, priorUsedBytes: 0n, lastUsedBytes: o.lastUsed ?? null } : null,
    trafficStateProblem: metering ? null : "absent",
    cut: o.cut ?? null,
    nic: { name: "ens5", rxBytes: o.rx, txBytes: o.tx },
    reporter: { ok: null, fail: null },
    problems: [],
  };
}
const at = (iso: string) => new Date(iso);

describe("recording samples", () => {
  it("stores the raw counters and the derived figures; rollups sum the deltas per hour and day; the latest row follows", async () => {
    const ip = "203.0.113.1";
    await recordReading(ip, reading({ rx: 101n * GIB, tx: 202n * GIB, at: at("2026-08-20T10:00:00Z") }), at("2026-08-20T10:00:00Z"));
    await recordReading(ip, reading({ rx: 102n * GIB, tx: 205n * GIB, at: at("2026-08-20T10:05:00Z") }), at("2026-08-20T10:05:00Z"));
    await recordReading(ip, reading({ rx: 103n * GIB, tx: 206n * GIB, at: at("2026-08-20T11:00:00Z") }), at("2026-08-20T11:00:00Z"));
    const s = await t.prisma.meterSample.findMany({ where: { nodeIpv4: ip }, orderBy: { at: "asc" } });
    expect(s).toHaveLength(3);
    expect(s[1]).toMatchObject({ nicRx: 102n * GIB, nicTx: 205n * GIB, cycleStartRx: 100n * GIB, cycleStartTx: 200n * GIB, priorUsed: 0n, billingDay: 1, limitGb: 1000, mode: "max", nodeUsed: 5n * GIB, usedSource: "live", used: 5n * GIB, rxDelta: 1n * GIB, txDelta: 3n * GIB, flags: 0 });
    expect(s[1].cycleEndAt!.getTime()).toBe(END * 1000);
    const hourly = await t.prisma.meterHourly.findMany({ where: { nodeIpv4: ip }, orderBy: { bucket: "asc" } });
    expect(hourly.map((h) => [h.bucket.toISOString(), h.rxBytes, h.txBytes, h.used, h.samples])).toEqual([
      ["2026-08-20T10:00:00.000Z", 1n * GIB, 3n * GIB, 5n * GIB, 2],
      ["2026-08-20T11:00:00.000Z", 1n * GIB, 1n * GIB, 6n * GIB, 1],
    ]);
    const daily = await t.prisma.meterDaily.findMany({ where: { nodeIpv4: ip } });
    expect(daily.map((d) => [d.bucket.toISOString(), d.rxBytes, d.txBytes, d.used, d.samples])).toEqual([["2026-08-20T00:00:00.000Z", 2n * GIB, 4n * GIB, 6n * GIB, 3]]);
    const node = await t.prisma.meterNode.findUniqueOrThrow({ where: { nodeIpv4: ip } });
    expect(node).toMatchObject({ used: 6n * GIB, cycleRx: 2n * GIB, cycleTx: 4n * GIB, nicRx: 103n * GIB, metering: true, limitGb: 1000 });
    // 1 GiB in 55 min after 3 GiB in 5 min: a positive running rate
    expect(node.rateBytesPerSec).toBeGreaterThan(0);
  });

  it("a retried poll (the same time again, or an older reading) changes no total; its annotation is kept", async () => {
    const ip = "203.0.113.2";
    const a = at("2026-08-20T10:00:00Z");
    const b = at("2026-08-20T10:05:00Z");
    await recordReading(ip, reading({ rx: 101n * GIB, tx: 202n * GIB, at: a }), a);
    await recordReading(ip, reading({ rx: 102n * GIB, tx: 205n * GIB, at: b }), b);
    const again = await recordReading(ip, reading({ rx: 102n * GIB, tx: 205n * GIB, at: b }), b);
    const older = await recordReading(ip, reading({ rx: 101n * GIB, tx: 203n * GIB, at: at("2026-08-20T10:03:00Z") }), at("2026-08-20T10:03:00Z"));
    expect([again.accepted, older.accepted]).toEqual([false, false]);
    expect(await t.prisma.meterSample.count({ where: { nodeIpv4: ip } })).toBe(2);
    const h = await t.prisma.meterHourly.findFirstOrThrow({ where: { nodeIpv4: ip } });
    expect([h.rxBytes, h.txBytes, h.samples]).toEqual([1n * GIB, 3n * GIB, 2]);
    expect((await t.prisma.meterAnnotation.findMany({ where: { nodeIpv4: ip } })).map((x) => x.kind)).toEqual(["duplicate", "duplicate"]);
  });

  it("a NIC reset is annotated with the series and flagged on the sample and its buckets", async () => {
    const ip = "203.0.113.3";
    await recordReading(ip, reading({ rx: 150n * GIB, tx: 250n * GIB, at: at("2026-08-20T10:00:00Z") }), at("2026-08-20T10:00:00Z"));
    // after a reboot the sidecar folded: baseline at the new counters, last used as the floor (a fresh state)
    const r = reading({ rx: 1n * GIB, tx: 2n * GIB, at: at("2026-08-20T10:05:00Z") });
    r.trafficState = { cycleEndUnix: END, cycleStartRxBytes: 0n, cycleStartTxBytes: 0n, priorUsedBytes: 50n * GIB, lastUsedBytes: 50n * GIB };
    await recordReading(ip, r, at("2026-08-20T10:05:00Z"));
    const s = await t.prisma.meterSample.findFirstOrThrow({ where: { nodeIpv4: ip, at: at("2026-08-20T10:05:00Z") } });
    expect(s).toMatchObject({ used: 52n * GIB, rxDelta: 1n * GIB, txDelta: 2n * GIB, flags: 1 });
    const ann = await nodeCycleSeries(ip, { now: at("2026-08-20T12:00:00Z") });
    expect(ann!.annotations.map((x) => x.kind)).toEqual(["nic-reset"]);
    expect((await t.prisma.meterHourly.findFirstOrThrow({ where: { nodeIpv4: ip } })).flags).toBe(1);
  });
});

describe("queries", () => {
  it("fleet latest: gauges sorted by risk (cut, then warning, ok, unlimited, metering off); failures keep the last reading", async () => {
    await syncFleet([1, 2, 3, 4, 5].map((i) => ({ id: i, name: `n${i}`, country: "JP", region: "r", ipv4: `203.0.113.${10 + i}`, ipv6: "", class: "shared", updatedAt: 1, tunnels: [] })));
    const now = at("2026-08-20T10:00:00Z");
    await recordReading("203.0.113.11", reading({ rx: 110n * GIB, tx: 210n * GIB, at: now }), now); // 10 GiB: ok
    await recordReading("203.0.113.12", reading({ rx: 100n * GIB, tx: 1199n * GIB, at: now, cut: true, paused: true }), now); // cut
    await recordReading("203.0.113.13", reading({ rx: 100n * GIB, tx: 1050n * GIB, at: now }), now); // 850 GiB: warning
    await recordReading("203.0.113.14", reading({ rx: 100n * GIB, tx: 210n * GIB, at: now, metering: false }), now);
    await recordReading("203.0.113.15", reading({ rx: 100n * GIB, tx: 210n * GIB, at: now, limitGb: 0 }), now);
    await recordPollFailure("203.0.113.11", "unreachable", at("2026-08-20T10:05:00Z"), at("2026-08-20T10:10:00Z"));
    const rows = await fleetLatest({ now });
    expect(rows.map((r) => [r.name, r.gauge.state])).toEqual([["n2", "cut"], ["n3", "warning"], ["n1", "ok"], ["n5", "unlimited"], ["n4", "metering-off"]]);
    expect(rows[1].gauge.percentUsed).toBe(85);
    expect(rows[2]).toMatchObject({ lastError: "unreachable", gauge: { usedBytes: 10n * GIB, limitBytes: limitBytesOf(1000) } });
  });

  it("the node's cycle series (used, cumulative rx/tx) at 5-minute resolution now, hourly for an older cycle; fleet totals per hour", async () => {
    const ip = "203.0.113.20";
    const t0 = Date.parse("2026-08-20T10:00:00Z");
    for (let i = 0; i < 24; i++) {
      const when = new Date(t0 + i * 5 * 60_000);
      await recordReading(ip, reading({ rx: 100n * GIB + BigInt(i) * GIB, tx: 200n * GIB + BigInt(2 * i) * GIB, at: when }), when);
    }
    // the whole current cycle is read hourly (it began before the samples' retention); 5-minute on request
    const hourly = await nodeCycleSeries(ip, { now: new Date(t0 + 2 * 3600_000) });
    expect(hourly).toMatchObject({ resolution: "1h", billingDay: 1, start: at("2026-08-01T00:00:00Z"), end: at("2026-09-01T00:00:00Z") });
    expect(hourly!.points.map((p) => p.txBytes)).toEqual([22n * GIB, 46n * GIB]);
    const cur = await nodeCycleSeries(ip, { now: new Date(t0 + 2 * 3600_000), resolution: "5m" });
    expect(cur!.resolution).toBe("5m");
    expect(cur!.points).toHaveLength(24);
    expect(cur!.points.at(-1)).toMatchObject({ usedBytes: 46n * GIB, rxBytes: 23n * GIB, txBytes: 46n * GIB });
    // a month later: the same cycle is older than the samples' retention, read hourly
    const later = await nodeCycleSeries(ip, { now: at("2026-09-03T00:00:00Z"), cycleEnd: at("2026-09-01T00:00:00Z") });
    expect(later!.resolution).toBe("1h");
    expect(later!.points.map((p) => [p.at.toISOString(), p.txBytes])).toEqual([["2026-08-20T10:00:00.000Z", 22n * GIB], ["2026-08-20T11:00:00.000Z", 46n * GIB]]);
    const totals = await fleetTotals(at("2026-08-20T00:00:00Z"), at("2026-08-21T00:00:00Z"), { now: at("2026-08-20T12:00:00Z") });
    expect(totals.resolution).toBe("1h");
    expect(totals.points.map((p) => [p.at.toISOString(), p.rxBytes, p.txBytes, p.nodes])).toEqual([["2026-08-20T10:00:00.000Z", 11n * GIB, 22n * GIB, 1], ["2026-08-20T11:00:00.000Z", 12n * GIB, 24n * GIB, 1]]);
    expect((await fleetTotals(at("2026-08-01T00:00:00Z"), at("2026-09-01T00:00:00Z"), { resolution: "1d" })).points.map((p) => p.txBytes)).toEqual([46n * GIB]);
  });

  it("a change of billing day or mode re-buckets the same history (daily rollups, exact to the day)", async () => {
    const ip = "203.0.113.30";
    // 1 GiB rx + 2 GiB tx a day through July and August
    for (let d = 0; d <= 61; d++) {
      const day = Date.UTC(2026, 6, 1) + d * 86_400_000;
      await t.prisma.meterDaily.create({ data: { nodeIpv4: ip, bucket: new Date(day), rxBytes: GIB, txBytes: 2n * GIB, samples: 288 } });
    }
    const now = at("2026-09-01T12:00:00Z");
    const day1max = await cycleHistory(ip, 1, "max", { count: 2, now });
    expect(day1max.map((c) => [c.start.toISOString().slice(0, 10), c.end.toISOString().slice(0, 10), c.usedBytes])).toEqual([
      ["2026-07-01", "2026-08-01", 62n * GIB],
      ["2026-08-01", "2026-09-01", 62n * GIB],
      ["2026-09-01", "2026-10-01", 0n],
    ]);
    const day15sum = await cycleHistory(ip, 15, "sum", { count: 2, now });
    expect(day15sum.map((c) => [c.start.toISOString().slice(0, 10), c.rxBytes, c.usedBytes])).toEqual([
      ["2026-06-15", 14n * GIB, 42n * GIB], // July 1-14 (the history starts there)
      ["2026-07-15", 31n * GIB, 93n * GIB],
      ["2026-08-15", 17n * GIB, 51n * GIB], // Aug 15-31 (the history ends there)
    ]);
  });
});

describe("schedule and retention", () => {
  it("due nodes: never polled first, then by nextPollAt; blocked host keys never", async () => {
    await syncFleet([41, 42, 43].map((i) => ({ id: i, name: `d${i}`, country: "JP", region: "r", ipv4: `203.0.113.${i}`, ipv6: "", class: "shared", updatedAt: 1, tunnels: [] })));
    await t.prisma.node.update({ where: { ipv4: "203.0.113.43" }, data: { hostKeyState: "changed" } });
    const now = at("2026-08-20T10:00:00Z");
    await recordReading("203.0.113.42", reading({ rx: 101n * GIB, tx: 202n * GIB, at: now }), now, { nextPollAt: at("2026-08-20T10:05:00Z") });
    const due = (await dueNodes(now)).filter((ip) => ip.startsWith("203.0.113.4"));
    expect(due).toEqual(["203.0.113.41"]);
    expect((await dueNodes(at("2026-08-20T10:05:00Z"))).filter((ip) => ip.startsWith("203.0.113.4"))).toEqual(["203.0.113.41", "203.0.113.42"]);
  });

  it("due nodes: a decommissioned record (zero tunnels, the IP as its name) is never polled; a node added by hand is, whatever its name", async () => {
    await syncFleet([{ id: 51, name: "203.0.113.51", country: "US", region: "r", ipv4: "203.0.113.51", ipv6: "", class: "shared", updatedAt: 1, tunnels: [] }]);
    await t.prisma.node.create({ data: { ipv4: "203.0.113.52", name: "203.0.113.52", source: "manual", inCenter: false } });
    const due = (await dueNodes(at("2026-08-20T10:00:00Z"))).filter((ip) => ip.startsWith("203.0.113.5"));
    expect(due).toEqual(["203.0.113.52"]);
  });

  it("retention: samples after N days, hourly after M, daily and annotations after a year+; configurable by env", async () => {
    const now = at("2027-09-01T00:00:00Z");
    const ago = (days: number) => new Date(now.getTime() - days * 86_400_000);
    const ip = "203.0.113.50";
    for (const d of [1, 3]) await t.prisma.meterSample.create({ data: { nodeIpv4: ip, at: ago(d) } });
    for (const d of [30, 40]) await t.prisma.meterHourly.create({ data: { nodeIpv4: ip, bucket: ago(d) } });
    for (const d of [399, 401]) await t.prisma.meterDaily.create({ data: { nodeIpv4: ip, bucket: ago(d) } });
    for (const d of [10, 500]) await t.prisma.meterAnnotation.create({ data: { nodeIpv4: ip, at: ago(d), kind: "nic-reset" } });
    expect(await applyRetention(now, retentionFromEnv({}))).toEqual({ samples: 1, hourly: 1, daily: 1, annotations: 1 });
    expect(await applyRetention(now, retentionFromEnv({}))).toEqual({ samples: 0, hourly: 0, daily: 0, annotations: 0 });
    expect(retentionFromEnv({ K2OPS_METER_SAMPLE_DAYS: "7", K2OPS_METER_HOURLY_DAYS: "x", K2OPS_METER_DAILY_DAYS: "-1" })).toEqual({ sampleDays: 7, hourlyDays: 35, dailyDays: 400 });
  });

  it("a sample row and a rollup row stay within the sizes the retention numbers assume", async () => {
    const ip = "198.51.100.200";
    const n = 20_000;
    await t.prisma.$executeRawUnsafe(
      `INSERT INTO "MeterSample" ("nodeIpv4","at","nodeAt","metering","billingDay","limitGb","mode","cycleEndAt","cycleStartRx","cycleStartTx","priorUsed","lastUsed","nicName","nicRx","nicTx","cut","k2sPaused","sidecarUp","reportAt","reportUsed","nodeUsed","usedSource","used","rxDelta","txDelta")
       SELECT '${ip}', ts, ts, true, 1, 1000, 'max', ts, 40113307721, 42020044193, 0, 17400000000, 'ens5', 48213307721 + i, 51320044193 + i, false, false, true, ts, 17400000000 + i, 17400000000 + i, 'live', 17400000000 + i, i, i
       FROM generate_series(1, ${n}) i, LATERAL (SELECT TIMESTAMP '2026-08-01' + i * INTERVAL '5 minutes' AS ts) x`,
    );
    await t.prisma.$executeRawUnsafe(
      `INSERT INTO "MeterHourly" ("nodeIpv4","bucket","rxBytes","txBytes","used","usedAt","cycleEndAt","limitGb","cut","samples","flags")
       SELECT '${ip}', TIMESTAMP '2026-08-01' + i * INTERVAL '1 hour', i::bigint * 1000000, i::bigint * 2000000, 17400000000 + i, TIMESTAMP '2026-08-01' + i * INTERVAL '1 hour', TIMESTAMP '2026-09-01', 1000, false, 12, 0
       FROM generate_series(1, ${n}) i`,
    );
    const size = async (table: string) => Number((await t.prisma.$queryRawUnsafe<{ b: bigint }[]>(`SELECT pg_total_relation_size('"${table}"') AS b`))[0].b) / n;
    const sample = await size("MeterSample");
    const hourly = await size("MeterHourly");
    // the store.ts sizing uses ≈ 312 B a sample and ≈ 208 B a rollup row (heap + indexes)
    expect(sample).toBeLessThan(330);
    expect(hourly).toBeLessThan(220);
    console.log(`bytes per row (heap + indexes): MeterSample ${sample.toFixed(0)}, MeterHourly ${hourly.toFixed(0)}`);
  });
});
