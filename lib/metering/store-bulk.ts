import { db, type Tx } from "@/lib/db";
import type { Prisma } from "@/lib/db/generated/client";
import type { BillingMode } from "./cycle";
import { checkSample, flagsOf, nextRate, type PrevPoint } from "./integrity";
import { nodeUsed, runningLimitGb, type MeterReading } from "./poll";
import { pointOf, retentionFromEnv, type RetentionPolicy } from "./store";

// Whole histories at once (the demo fleet's backfill, scripts/demo-meter-history.ts):
// the SAME derivation as recordReading applied to each reading in turn (checkSample
// against the previous accepted one, the running rate, the rollups' "latest wins"
// fields), computed in memory and written in ONE transaction of a few multi-row
// statements for all the nodes, instead of one transaction per reading
// (recordReading costs ~20 ms a reading on the embedded database: three cycles of
// history for a dozen nodes would take a minute). Equivalence with recordReading,
// row for row, is checked by store-bulk.db.test.ts.

const HOUR = 3600_000;
const DAY = 86_400_000;

type Bucket = { bucket: Date; rx: bigint; tx: bigint; used: bigint | null; usedAt: Date; cycleEndAt: Date | null; limitGb: number | null; cut: boolean | null; samples: number; flags: number };
type Rows = {
  node: Prisma.MeterNodeCreateManyInput;
  samples: Prisma.MeterSampleCreateManyInput[];
  hourly: Prisma.MeterHourlyCreateManyInput[];
  daily: Prisma.MeterDailyCreateManyInput[];
  notes: Prisma.MeterAnnotationCreateManyInput[];
  /** readings accepted (samples before retention) */
  accepted: number;
};

export type NodeHistory = { ipv4: string; readings: { at: Date; reading: MeterReading }[] };
type Opts = { linkBytesPerSec?: number; nextPollAt?: Date; retention?: RetentionPolicy };

/** One node's rows as recordReading would leave them after its readings, minus what applyRetention(last `at`) would delete. */
function rowsOf(ipv4: string, readings: NodeHistory["readings"], opts: Opts): Rows {
  let prev: PrevPoint | null = null;
  let rate = 0;
  const samples: Prisma.MeterSampleCreateManyInput[] = [];
  const notes: Prisma.MeterAnnotationCreateManyInput[] = [];
  const rollups = { hourly: new Map<number, Bucket>(), daily: new Map<number, Bucket>() };
  let latest: Partial<Prisma.MeterNodeCreateManyInput> = {};
  for (const { at, reading: r } of readings) {
    const cur = pointOf(r, at);
    const checked = checkSample(prev, cur, { linkBytesPerSec: opts.linkBytesPerSec });
    for (const a of checked.annotations) notes.push({ nodeIpv4: ipv4, at: a.at, kind: a.kind, detail: { text: a.text, ...a.detail } });
    // recordReading's createMany(skipDuplicates) keeps one sample per (node, at); checkSample refuses an `at` not after the previous
    if (!checked.accept) continue;
    const used = nodeUsed(r);
    const st = r.trafficState;
    const flags = flagsOf(checked.annotations.map((a) => a.kind));
    const cycleEndAt = st ? new Date(st.cycleEndUnix * 1000) : null;
    samples.push({
      nodeIpv4: ipv4, at, nodeAt: r.nodeAt, metering: r.metering, billingDay: r.env?.billingDay ?? null, limitGb: r.env?.limitGb ?? null, mode: r.env?.mode ?? null, seedGb: r.env?.seedGb ?? null,
      cycleEndAt, cycleStartRx: st?.cycleStartRxBytes ?? null, cycleStartTx: st?.cycleStartTxBytes ?? null, priorUsed: st?.priorUsedBytes ?? null, lastUsed: st?.lastUsedBytes ?? null,
      nicName: r.nic?.name ?? null, nicRx: r.nic?.rxBytes ?? null, nicTx: r.nic?.txBytes ?? null,
      cut: r.cut, k2sPaused: r.k2s?.paused ?? null, sidecarUp: r.sidecar ? r.sidecar.status === "running" : false,
      reportAt: r.reporter.ok?.at ?? null, reportUsed: r.reporter.ok?.cumulativeBytes ?? null, reportFailAt: r.reporter.fail?.at ?? null,
      nodeUsed: used.usedBytes, usedSource: used.source, used: checked.usedBytes, usedOffset: checked.usedOffsetBytes, rxDelta: checked.rxDeltaBytes, txDelta: checked.txDeltaBytes, flags,
    });
    const cut = r.cut ?? (r.metering ? (r.k2s?.paused ?? null) : null);
    for (const [map, size] of [[rollups.hourly, HOUR], [rollups.daily, DAY]] as const) {
      const key = Math.floor(at.getTime() / size) * size;
      const b = map.get(key) ?? { bucket: new Date(key), rx: 0n, tx: 0n, used: null, usedAt: at, cycleEndAt: null, limitGb: null, cut: null, samples: 0, flags: 0 };
      b.rx += checked.rxDeltaBytes;
      b.tx += checked.txDeltaBytes;
      if (b.samples === 0 || at >= b.usedAt) Object.assign(b, { used: checked.usedBytes, cycleEndAt, limitGb: r.env?.limitGb ?? null, cut, usedAt: at });
      b.samples += 1;
      b.flags |= flags;
      map.set(key, b);
    }
    // the running rate and the next comparison point, as recordReading leaves them in MeterNode
    const elapsedS = prev ? (at.getTime() - prev.at.getTime()) / 1000 : 0;
    const sameCycle = prev && prev.cycleEndUnix === cur.cycleEndUnix;
    const growth = prev && checked.usedBytes !== null && prev.usedBytes !== null && sameCycle ? checked.usedBytes - prev.usedBytes : null;
    rate = !sameCycle ? 0 : nextRate(rate, growth, elapsedS, { restart: rate === 0 && growth !== null });
    prev = {
      at, nodeAt: r.nodeAt, nic: r.nic && r.nic.name ? r.nic : null, cycleEndUnix: cycleEndAt ? Math.floor(cycleEndAt.getTime() / 1000) : null, nodeUsedBytes: used.usedBytes, mode: (r.env?.mode as BillingMode | undefined) ?? "max",
      reporter: { okAt: r.reporter.ok?.at ?? null, failAt: r.reporter.fail?.at ?? null },
      usedBytes: checked.usedBytes, usedOffsetBytes: checked.usedOffsetBytes, cycleRxBytes: checked.cycleRxBytes, cycleTxBytes: checked.cycleTxBytes,
    };
    latest = {
      at, nodeAt: r.nodeAt, metering: r.metering, billingDay: r.env?.billingDay ?? null, limitGb: r.env?.limitGb ?? null, runningLimitGb: runningLimitGb(r), mode: r.env?.mode ?? null,
      cycleEndAt, nicName: r.nic?.name ?? null, nicRx: r.nic?.rxBytes ?? null, nicTx: r.nic?.txBytes ?? null,
      nodeUsed: used.usedBytes, used: checked.usedBytes, usedOffset: checked.usedOffsetBytes, cycleRx: checked.cycleRxBytes, cycleTx: checked.cycleTxBytes, rateBytesPerSec: rate,
      cut: r.cut, k2sPaused: r.k2s?.paused ?? null, sidecarUp: r.sidecar ? r.sidecar.status === "running" : false,
      reportAt: r.reporter.ok?.at ?? null, reportFailAt: r.reporter.fail?.at ?? null, reportFailError: r.reporter.fail?.error ?? null,
    };
  }
  const last = readings[readings.length - 1].at;
  // what applyRetention(last) would delete is not written at all
  const p = opts.retention ?? retentionFromEnv();
  const before = (days: number) => new Date(last.getTime() - days * DAY);
  const keep = { samples: before(p.sampleDays), hourly: before(p.hourlyDays), daily: before(p.dailyDays) };
  const bucketRows = (m: Map<number, Bucket>, from: Date) =>
    [...m.values()].filter((b) => b.bucket >= from).map((b) => ({ nodeIpv4: ipv4, bucket: b.bucket, rxBytes: b.rx, txBytes: b.tx, used: b.used, usedAt: b.usedAt, cycleEndAt: b.cycleEndAt, limitGb: b.limitGb, cut: b.cut, samples: b.samples, flags: b.flags }));
  return {
    node: { nodeIpv4: ipv4, lastPolledAt: last, nextPollAt: opts.nextPollAt ?? last, lastError: null, failures: 0, ...latest, updatedAt: new Date() },
    samples: samples.filter((s) => (s.at as Date) >= keep.samples),
    hourly: bucketRows(rollups.hourly, keep.hourly),
    daily: bucketRows(rollups.daily, keep.daily),
    notes: notes.filter((a) => (a.at as Date) >= keep.daily),
    accepted: samples.length,
  };
}

/**
 * INSERTs `rows` (all with the same keys = the table's column names) into
 * `table` as ONE JSON parameter (json_populate_recordset): the embedded
 * database binds thousands of scalar parameters slowly, one document fast.
 * Bigints travel as decimal strings, Dates as ISO-8601 UTC (the columns are
 * UTC timestamps). Returns the rows inserted, or those `suffix`'s RETURNING gives.
 */
async function insertRows<R extends Record<string, unknown>>(tx: Tx, table: string, rows: R[], suffix = ""): Promise<number> {
  if (!rows.length) return 0;
  const cols = Object.keys(rows[0])
    .map((c) => `"${c}"`)
    .join(", ");
  const json = JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return tx.$executeRawUnsafe(`INSERT INTO "${table}" (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::"${table}", $1::json) ${suffix}`, json);
}

/**
 * Records the `readings` (each in time order; `at` = the console's clock) of
 * nodes k2ops has never recorded exactly as recordReading would one by one,
 * in one transaction: a node that already has a meter record (a MeterNode row:
 * the live poll got there first) is skipped whole. `nextPollAt`: when the live
 * poll takes a node over (default: its last reading's `at`, i.e. due at once).
 * What applyRetention(a node's last `at`, `retention`) would delete is not
 * written (a backfill of months keeps two days of samples). Returns the nodes
 * written and, per node, the readings accepted and the annotations kept.
 */
export async function recordNewNodeHistories(histories: NodeHistory[], opts: Opts = {}): Promise<{ ipv4: string; accepted: number; annotations: number }[]> {
  const all = histories.filter((h) => h.readings.length).map((h) => rowsOf(h.ipv4, h.readings, opts));
  if (!all.length) return [];
  return db().$transaction(async (tx) => {
    // the nodes first: one that has a row already is the live poll's, and none of its history is written
    const cols = Object.keys(all[0].node).map((c) => `"${c}"`).join(", ");
    const nodesJson = JSON.stringify(all.map((r) => r.node), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    const made = new Set(
      (await tx.$queryRawUnsafe<{ nodeIpv4: string }[]>(`INSERT INTO "MeterNode" (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::"MeterNode", $1::json) ON CONFLICT ("nodeIpv4") DO NOTHING RETURNING "nodeIpv4"`, nodesJson)).map((r) => r.nodeIpv4),
    );
    const mine = all.filter((r) => made.has(r.node.nodeIpv4 as string));
    await insertRows(tx, "MeterSample", mine.flatMap((r) => r.samples), "ON CONFLICT DO NOTHING");
    await insertRows(tx, "MeterHourly", mine.flatMap((r) => r.hourly));
    await insertRows(tx, "MeterDaily", mine.flatMap((r) => r.daily));
    await insertRows(tx, "MeterAnnotation", mine.flatMap((r) => r.notes));
    return mine.map((r) => ({ ipv4: r.node.nodeIpv4, accepted: r.accepted, annotations: r.notes.length }));
  });
}

/** One node's history (recordNewNodeHistories); throws when the node already has a meter record. */
export async function recordNewNodeHistory(ipv4: string, readings: NodeHistory["readings"], opts: Opts = {}): Promise<{ accepted: number; annotations: number }> {
  if (!readings.length) return { accepted: 0, annotations: 0 };
  const [r] = await recordNewNodeHistories([{ ipv4, readings }], opts);
  if (!r) throw new Error(`${ipv4} already has a meter record: its history is recorded reading by reading (recordReading)`);
  return { accepted: r.accepted, annotations: r.annotations };
}
