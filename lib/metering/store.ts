import { db } from "@/lib/db";
import type { MeterNode } from "@/lib/db/generated/client";
import { combineBytes, cutoffBytesOf, gaugeOf, limitBytesOf, nextCycleEnds, previousCycleEnd, projectCutAtRate, type BillingMode, type CutProjection, type Gauge } from "./cycle";
import { checkSample, flagsOf, nextRate, type Annotation, type Checked, type Point, type PrevPoint } from "./integrity";
import { nodeUsed, runningLimitGb, type MeterReading } from "./poll";

// All metering storage (issue #13): samples with the raw counters, hourly and
// daily rollups, annotations, the latest reading per node, retention, and the
// queries the node and fleet pages need. Bytes are bigint bytes throughout.
//
// Retention and size, for 5,000 nodes x a year. Bytes per row as measured
// (heap + every index, PostgreSQL 17 page layout, store.db.test.ts prints them):
// a sample ≈ 312 B (its (nodeIpv4, at) primary key included; the BRIN on `at`
// is a few pages), a rollup row ≈ 208 B (primary key + bucket index).
//
//   samples: 5,000 nodes every 5 min = 1,440,000 rows/day × 312 B ≈ 449 MB/day
//     kept K2OPS_METER_SAMPLE_DAYS = 2 days        →  2.88 M rows ≈ 0.90 GB
//   hourly:  5,000 × 24 = 120,000 rows/day × 208 B  ≈  25 MB/day
//     kept K2OPS_METER_HOURLY_DAYS = 35 days       →  4.20 M rows ≈ 0.87 GB
//     (a whole cycle of ≤ 31 days at hourly resolution, the current one included)
//   daily:   5,000 rows/day × 208 B                 ≈ 1.0 MB/day
//     kept K2OPS_METER_DAILY_DAYS = 400 days       →  2.00 M rows ≈ 0.42 GB
//   annotations: events only (≈ 2 per node per cycle) ≈ 130 k rows ≈ 35 MB a year
//   total, steady state                            ≈ 2.2 GB, bounded whatever the age of the fleet
//
// A year of raw 5-minute samples would be 526 M rows ≈ 164 GB: hence the rollups.
// Nodes polled every minute near their cutoff add a few percent to the samples.
// Daily buckets are UTC days, so any billing day (resets are at 00:00 UTC)
// re-buckets them exactly (cycleHistory).

export type RetentionPolicy = { sampleDays: number; hourlyDays: number; dailyDays: number };
export const DEFAULT_RETENTION: RetentionPolicy = { sampleDays: 2, hourlyDays: 35, dailyDays: 400 };

/** The retention policy from K2OPS_METER_SAMPLE_DAYS / _HOURLY_DAYS / _DAILY_DAYS (days, > 0; anything else: the default). */
export function retentionFromEnv(env: Record<string, string | undefined> = process.env): RetentionPolicy {
  const n = (v: string | undefined, d: number) => (v !== undefined && Number(v) > 0 ? Number(v) : d);
  return { sampleDays: n(env.K2OPS_METER_SAMPLE_DAYS, DEFAULT_RETENTION.sampleDays), hourlyDays: n(env.K2OPS_METER_HOURLY_DAYS, DEFAULT_RETENTION.hourlyDays), dailyDays: n(env.K2OPS_METER_DAILY_DAYS, DEFAULT_RETENTION.dailyDays) };
}

const HOUR = 3600_000;
const DAY = 86_400_000;
const hourOf = (d: Date) => new Date(Math.floor(d.getTime() / HOUR) * HOUR);
const dayOf = (d: Date) => new Date(Math.floor(d.getTime() / DAY) * DAY);
const unixOf = (d: Date | null | undefined) => (d ? Math.floor(d.getTime() / 1000) : null);

/** A reading as the integrity checks see it (`at`: the console's clock). */
export function pointOf(r: MeterReading, at: Date): Point {
  return {
    at,
    nodeAt: r.nodeAt,
    nic: r.nic,
    cycleEndUnix: r.trafficState?.cycleEndUnix ?? null,
    nodeUsedBytes: nodeUsed(r).usedBytes,
    mode: r.env?.mode ?? "max",
    reporter: { okAt: r.reporter.ok?.at ?? null, failAt: r.reporter.fail?.at ?? null, failError: r.reporter.fail?.error ?? null },
  };
}

function prevOf(n: MeterNode): PrevPoint | null {
  if (!n.at) return null;
  return {
    at: n.at,
    nodeAt: n.nodeAt,
    nic: n.nicName && n.nicRx !== null && n.nicTx !== null ? { name: n.nicName, rxBytes: n.nicRx, txBytes: n.nicTx } : null,
    cycleEndUnix: unixOf(n.cycleEndAt),
    nodeUsedBytes: n.nodeUsed,
    mode: (n.mode as BillingMode | null) ?? "max",
    reporter: { okAt: n.reportAt, failAt: n.reportFailAt },
    usedBytes: n.used,
    usedOffsetBytes: n.usedOffset,
    cycleRxBytes: n.cycleRx,
    cycleTxBytes: n.cycleTx,
  };
}

export type RecordResult = {
  accepted: boolean;
  checked: Checked;
  annotations: Annotation[];
  /** the node's MeterNode row as this reading left it (alerts read it from here, not again) */
  node: MeterNode;
  /** the kinds of the node's active metering alerts (MeterAlert) when the reading was stored */
  activeAlerts: string[];
};

/**
 * Stores one reading of `ipv4` taken at `at` (the console's clock): the
 * integrity checks against the node's previous accepted sample, then in ONE
 * transaction under the node's MeterNode row lock the sample (raw counters +
 * derived figures), its deltas added to the hourly and daily rollups, its
 * annotations, and the node's latest row (with `nextPollAt`: a date, or a
 * function of the node's stored rate in bytes/s, read under the same lock). A
 * duplicate (checkSample, or the same `at` twice) stores only its annotation
 * and changes no total. The poll's hot path: 5 statements in the transaction
 * (row lock + read, sample, both rollups, latest row; annotations when any).
 */
export async function recordReading(ipv4: string, r: MeterReading, at: Date, opts: { linkBytesPerSec?: number; nextPollAt?: Date | ((prevRateBytesPerSec: number) => Date) } = {}): Promise<RecordResult> {
  return db().$transaction(async (tx) => {
    // creates the row on a first reading, locks it and reads it, in one statement (a no-op update takes the row lock)
    // (with the node's active alerts, which the poll's alert evaluation needs next)
    const [{ activeAlerts, ...node }] = await tx.$queryRaw<(MeterNode & { activeAlerts: string[] | null })[]>`
      INSERT INTO "MeterNode" ("nodeIpv4", "nextPollAt", "updatedAt") VALUES (${ipv4}, ${at}, now())
      ON CONFLICT ("nodeIpv4") DO UPDATE SET "nodeIpv4" = EXCLUDED."nodeIpv4"
      RETURNING *, (SELECT array_agg(a."kind") FROM "MeterAlert" a WHERE a."nodeIpv4" = ${ipv4} AND a."active") AS "activeAlerts"`;
    const prev = prevOf(node);
    const nextPollAt = typeof opts.nextPollAt === "function" ? opts.nextPollAt(node.rateBytesPerSec) : opts.nextPollAt;
    const cur = pointOf(r, at);
    const checked = checkSample(prev, cur, { linkBytesPerSec: opts.linkBytesPerSec });
    const used = nodeUsed(r);
    const st = r.trafficState;
    const flags = flagsOf(checked.annotations.map((a) => a.kind));
    let accepted = checked.accept;
    if (accepted) {
      const inserted = await tx.meterSample.createMany({
        skipDuplicates: true,
        data: [{
          nodeIpv4: ipv4, at, nodeAt: r.nodeAt, metering: r.metering, billingDay: r.env?.billingDay ?? null, limitGb: r.env?.limitGb ?? null, mode: r.env?.mode ?? null, seedGb: r.env?.seedGb ?? null,
          cycleEndAt: st ? new Date(st.cycleEndUnix * 1000) : null, cycleStartRx: st?.cycleStartRxBytes ?? null, cycleStartTx: st?.cycleStartTxBytes ?? null, priorUsed: st?.priorUsedBytes ?? null, lastUsed: st?.lastUsedBytes ?? null,
          nicName: r.nic?.name ?? null, nicRx: r.nic?.rxBytes ?? null, nicTx: r.nic?.txBytes ?? null,
          cut: r.cut, k2sPaused: r.k2s?.paused ?? null, sidecarUp: r.sidecar ? r.sidecar.status === "running" : false,
          reportAt: r.reporter.ok?.at ?? null, reportUsed: r.reporter.ok?.cumulativeBytes ?? null, reportFailAt: r.reporter.fail?.at ?? null,
          nodeUsed: used.usedBytes, usedSource: used.source, used: checked.usedBytes, usedOffset: checked.usedOffsetBytes, rxDelta: checked.rxDeltaBytes, txDelta: checked.txDeltaBytes, flags,
        }],
      });
      accepted = inserted.count === 1;
    }
    if (accepted) {
      const cycleEndAt = st ? new Date(st.cycleEndUnix * 1000) : null;
      const limitGb = r.env?.limitGb ?? null;
      const cut = r.cut ?? (r.metering ? (r.k2s?.paused ?? null) : null);
      // both rollups in one statement (a data-modifying CTE): one round trip, one snapshot
      const upsert = (table: string, bucketParam: string) => `INSERT INTO "${table}" ("nodeIpv4", "bucket", "rxBytes", "txBytes", "used", "usedAt", "cycleEndAt", "limitGb", "cut", "samples", "flags")
           VALUES ($1, ${bucketParam}, $3, $4, $5, $6, $7, $8, $9, 1, $10)
           ON CONFLICT ("nodeIpv4", "bucket") DO UPDATE SET
             "rxBytes" = "${table}"."rxBytes" + EXCLUDED."rxBytes",
             "txBytes" = "${table}"."txBytes" + EXCLUDED."txBytes",
             "used" = CASE WHEN "${table}"."usedAt" IS NULL OR EXCLUDED."usedAt" >= "${table}"."usedAt" THEN EXCLUDED."used" ELSE "${table}"."used" END,
             "cycleEndAt" = CASE WHEN "${table}"."usedAt" IS NULL OR EXCLUDED."usedAt" >= "${table}"."usedAt" THEN EXCLUDED."cycleEndAt" ELSE "${table}"."cycleEndAt" END,
             "limitGb" = CASE WHEN "${table}"."usedAt" IS NULL OR EXCLUDED."usedAt" >= "${table}"."usedAt" THEN EXCLUDED."limitGb" ELSE "${table}"."limitGb" END,
             "cut" = CASE WHEN "${table}"."usedAt" IS NULL OR EXCLUDED."usedAt" >= "${table}"."usedAt" THEN EXCLUDED."cut" ELSE "${table}"."cut" END,
             "usedAt" = GREATEST("${table}"."usedAt", EXCLUDED."usedAt"),
             "samples" = "${table}"."samples" + 1,
             "flags" = "${table}"."flags" | EXCLUDED."flags"`;
      await tx.$executeRawUnsafe(
        `WITH hourly AS (${upsert("MeterHourly", "$2")} RETURNING 1) ${upsert("MeterDaily", "$11")}`,
        ipv4, hourOf(at), checked.rxDeltaBytes, checked.txDeltaBytes, checked.usedBytes, at, cycleEndAt, limitGb, cut, flags, dayOf(at),
      );
    }
    if (checked.annotations.length) {
      await tx.meterAnnotation.createMany({ data: checked.annotations.map((a) => ({ nodeIpv4: ipv4, at: a.at, kind: a.kind, detail: { text: a.text, ...a.detail } })) });
    }
    const elapsedS = prev ? (at.getTime() - prev.at.getTime()) / 1000 : 0;
    const sameCycle = prev && prev.cycleEndUnix === cur.cycleEndUnix;
    const growth = accepted && prev && checked.usedBytes !== null && prev.usedBytes !== null && sameCycle ? checked.usedBytes - prev.usedBytes : null;
    const rate = !accepted ? node.rateBytesPerSec : !sameCycle ? 0 : nextRate(node.rateBytesPerSec, growth, elapsedS, { restart: node.rateBytesPerSec === 0 && growth !== null });
    const updated = await tx.meterNode.update({
      where: { nodeIpv4: ipv4 },
      data: {
        lastPolledAt: at, nextPollAt: nextPollAt ?? at, lastError: null, failures: 0,
        ...(accepted
          ? {
              at, nodeAt: r.nodeAt, metering: r.metering, billingDay: r.env?.billingDay ?? null, limitGb: r.env?.limitGb ?? null, runningLimitGb: runningLimitGb(r), mode: r.env?.mode ?? null,
              cycleEndAt: st ? new Date(st.cycleEndUnix * 1000) : null, nicName: r.nic?.name ?? null, nicRx: r.nic?.rxBytes ?? null, nicTx: r.nic?.txBytes ?? null,
              nodeUsed: used.usedBytes, used: checked.usedBytes, usedOffset: checked.usedOffsetBytes, cycleRx: checked.cycleRxBytes, cycleTx: checked.cycleTxBytes, rateBytesPerSec: rate,
              cut: r.cut, k2sPaused: r.k2s?.paused ?? null, sidecarUp: r.sidecar ? r.sidecar.status === "running" : false,
              reportAt: r.reporter.ok?.at ?? null, reportFailAt: r.reporter.fail?.at ?? null, reportFailError: r.reporter.fail?.error ?? null,
            }
          : {}),
      },
    });
    return { accepted, checked, annotations: checked.annotations, node: updated, activeAlerts: activeAlerts ?? [] };
  });
}

/** Records a failed poll (unreachable, timed out, blocked): the error and the next attempt; the last good reading stays. */
export async function recordPollFailure(ipv4: string, error: string, at: Date, nextPollAt: Date): Promise<void> {
  await db().meterNode.upsert({
    where: { nodeIpv4: ipv4 },
    create: { nodeIpv4: ipv4, lastPolledAt: at, nextPollAt, lastError: error.slice(0, 500), failures: 1 },
    update: { lastPolledAt: at, nextPollAt, lastError: error.slice(0, 500), failures: { increment: 1 } },
  });
}

/**
 * The nodes due for a poll at `now`: every fleet node k2ops may reach (Center's,
 * or added by hand; host key not blocked; not a decommissioned record) without a MeterNode row yet or whose
 * nextPollAt has come, earliest first, at most `limit`.
 */
export async function dueNodes(now: Date, limit = 500): Promise<string[]> {
  const rows = await db().$queryRaw<{ ipv4: string }[]>`
    SELECT n."ipv4" FROM "Node" n LEFT JOIN "MeterNode" m ON m."nodeIpv4" = n."ipv4"
    WHERE (n."inCenter" OR n."source" = 'manual') AND n."hostKeyState" IN ('unknown', 'trusted')
      -- a decommissioned record (lib/fleet/activity: zero tunnels and the IP as its name) has no node behind it
      AND NOT (n."source" <> 'manual' AND jsonb_array_length(n."tunnels") = 0 AND (btrim(n."name") = '' OR n."name" = n."ipv4"))
      AND (m."nodeIpv4" IS NULL OR m."nextPollAt" <= ${now})
    ORDER BY m."nextPollAt" ASC NULLS FIRST, n."ipv4" LIMIT ${limit}`;
  return rows.map((r) => r.ipv4);
}

// ---- queries ---------------------------------------------------------------------

export type FleetRow = {
  ipv4: string;
  name: string;
  gauge: Gauge;
  projection: CutProjection;
  cycleEnd: Date | null;
  billingDay: number | null;
  mode: string | null;
  limitGb: number | null;
  /** the running sidecar's limit differs from .env's: edited but not applied with up -d */
  limitNotApplied: boolean;
  reporterFailing: boolean;
  polledAt: Date | null;
  lastError: string | null;
};

const RISK: Record<Gauge["state"], number> = { cut: 0, warning: 1, ok: 2, unlimited: 3, "metering-off": 4 };

/**
 * Every polled node's latest gauge and projected cut (from its running rate),
 * sorted by risk: cut first, then the earliest projected cut, then % used.
 * `warnPercent` as gaugeOf. One query over MeterNode (one row per node).
 */
export async function fleetLatest(opts: { now?: Date; warnPercent?: number } = {}): Promise<FleetRow[]> {
  const now = opts.now ?? new Date();
  // every row (the columns the gauge and projection need) with its node's name, in one statement
  type Row = Pick<MeterNode, "nodeIpv4" | "metering" | "limitGb" | "runningLimitGb" | "used" | "cut" | "k2sPaused" | "rateBytesPerSec" | "cycleEndAt" | "billingDay" | "mode" | "reportAt" | "reportFailAt" | "lastPolledAt" | "lastError"> & { nodeName: string | null };
  const rows = await db().$queryRaw<Row[]>`
    SELECT m."nodeIpv4", m."metering", m."limitGb", m."runningLimitGb", m."used", m."cut", m."k2sPaused", m."rateBytesPerSec", m."cycleEndAt", m."billingDay", m."mode",
      m."reportAt", m."reportFailAt", m."lastPolledAt", m."lastError", n."name" AS "nodeName"
    FROM "MeterNode" m LEFT JOIN "Node" n ON n."ipv4" = m."nodeIpv4" ORDER BY m."nodeIpv4"`;
  const out = rows.map((n): FleetRow => {
    const limitBytes = n.limitGb !== null && n.limitGb >= 0 ? limitBytesOf(n.limitGb) : 0n;
    const gauge = gaugeOf({ metering: !!n.metering, limitBytes, usedBytes: n.used, cutObserved: !!n.cut || (!!n.metering && !!n.k2sPaused), warnPercent: opts.warnPercent });
    const projection = n.used === null ? { rateBytesPerSec: n.rateBytesPerSec, cutAt: null, status: "insufficient-data" as const } : projectCutAtRate({ usedBytes: n.used, cutoffBytes: gauge.state === "metering-off" ? null : cutoffBytesOf(limitBytes), rateBytesPerSec: n.rateBytesPerSec, now, cycleEnd: n.cycleEndAt });
    return {
      ipv4: n.nodeIpv4, name: n.nodeName || n.nodeIpv4, gauge, projection, cycleEnd: n.cycleEndAt, billingDay: n.billingDay, mode: n.mode, limitGb: n.limitGb,
      limitNotApplied: n.runningLimitGb !== null && n.limitGb !== null && n.runningLimitGb !== n.limitGb,
      reporterFailing: !!n.reportFailAt && (!n.reportAt || n.reportFailAt > n.reportAt), polledAt: n.lastPolledAt, lastError: n.lastError,
    };
  });
  const cutAt = (r: FleetRow) => r.projection.cutAt?.getTime() ?? Infinity;
  return out.sort((a, b) => RISK[a.gauge.state] - RISK[b.gauge.state] || cutAt(a) - cutAt(b) || (b.gauge.percentUsed ?? -1) - (a.gauge.percentUsed ?? -1) || a.ipv4.localeCompare(b.ipv4));
}

export type Resolution = "5m" | "1h" | "1d";

/** The finest resolution that still holds `from` under the retention policy. */
export function resolutionFor(from: Date, now: Date, p: RetentionPolicy = retentionFromEnv()): Resolution {
  const age = now.getTime() - from.getTime();
  return age <= p.sampleDays * DAY ? "5m" : age <= p.hourlyDays * DAY ? "1h" : "1d";
}

export type SeriesPoint = { at: Date; usedBytes: bigint | null; rxBytes: bigint; txBytes: bigint; limitGb: number | null; cut: boolean | null };

/**
 * One node's series over one billing cycle for the chart: `used` as recorded
 * and the cycle's cumulative rx and tx (sums of the integrity-checked deltas
 * since the cycle's start), at the finest resolution retention still holds,
 * with the cycle's annotations (`resolution` forces one: "5m" then holds only
 * what the samples' retention kept). The cycle: the one ending at `cycleEnd`
 * (default: the node's current one, from its latest reading); its start is the
 * previous reset of the node's billing day. Null when the node has no metered
 * reading yet.
 */
export async function nodeCycleSeries(
  ipv4: string,
  opts: { cycleEnd?: Date; now?: Date; retention?: RetentionPolicy; resolution?: Resolution; /** the node's MeterNode row when the caller has it (the node page reads it for the gauge): not read again */ node?: Pick<MeterNode, "cycleEndAt" | "billingDay" | "mode"> | null } = {},
) {
  const node = opts.node !== undefined ? opts.node : await db().meterNode.findUnique({ where: { nodeIpv4: ipv4 } });
  const end = opts.cycleEnd ?? node?.cycleEndAt ?? null;
  if (!node || !end || !node.billingDay) return null;
  const start = previousCycleEnd(node.billingDay, end);
  const now = opts.now ?? new Date();
  const resolution = opts.resolution ?? resolutionFor(start, now, opts.retention);
  // ONE statement: the rows with the cycle's running rx/tx sums (computed in SQL) and the cycle's annotations after them
  const [table, at, rx, tx, from, lower] =
    resolution === "5m" ? (["MeterSample", "at", "rxDelta", "txDelta", start, ">"] as const) : resolution === "1h" ? (["MeterHourly", "bucket", "rxBytes", "txBytes", start, ">="] as const) : (["MeterDaily", "bucket", "rxBytes", "txBytes", dayOf(start), ">="] as const);
  const upper = resolution === "5m" ? "<=" : "<";
  type Row = { a: boolean; at: Date; used: bigint | null; rx: string | null; tx: string | null; limitGb: number | null; cut: boolean | null; kind: string | null; detail: unknown };
  const rows = await db().$queryRawUnsafe<Row[]>(
    `(SELECT false AS a, "${at}" AS at, "used", (SUM("${rx}") OVER w)::text AS rx, (SUM("${tx}") OVER w)::text AS tx, "limitGb", "cut", NULL::text AS kind, NULL::jsonb AS detail
       FROM "${table}" WHERE "nodeIpv4" = $1 AND "${at}" ${lower} $2 AND "${at}" ${upper} $3
       WINDOW w AS (ORDER BY "${at}" ROWS UNBOUNDED PRECEDING) ORDER BY "${at}")
     UNION ALL
     (SELECT true, "at", NULL, NULL, NULL, NULL, NULL, "kind", "detail" FROM "MeterAnnotation" WHERE "nodeIpv4" = $1 AND "at" > $4 AND "at" <= $3 ORDER BY "at")`,
    ipv4, from, end, start,
  );
  const points: SeriesPoint[] = [];
  const annotations: { at: Date; kind: string; detail: unknown }[] = [];
  for (const r of rows) {
    if (r.a) annotations.push({ at: r.at, kind: r.kind!, detail: r.detail });
    else points.push({ at: r.at, usedBytes: r.used, rxBytes: BigInt(r.rx ?? 0), txBytes: BigInt(r.tx ?? 0), limitGb: r.limitGb, cut: r.cut });
  }
  // each part comes ordered; SQL does not promise UNION ALL keeps it, so make sure (linear on sorted input)
  const byAt = (x: { at: Date }, y: { at: Date }) => x.at.getTime() - y.at.getTime();
  points.sort(byAt);
  annotations.sort(byAt);
  return { ipv4, start, end, billingDay: node.billingDay, mode: node.mode, resolution, points, annotations };
}

export type TotalsPoint = { at: Date; rxBytes: bigint; txBytes: bigint; nodes: number };

/**
 * The fleet's traffic per bucket between `from` and `to` (sums of every node's
 * per-direction deltas), hourly while retention holds hourly rows for `from`,
 * else daily. One aggregate over the rollup's bucket index.
 */
export async function fleetTotals(from: Date, to: Date, opts: { now?: Date; retention?: RetentionPolicy; resolution?: "1h" | "1d" } = {}): Promise<{ resolution: "1h" | "1d"; points: TotalsPoint[] }> {
  const res = opts.resolution ?? (resolutionFor(from, opts.now ?? new Date(), opts.retention) === "1d" ? "1d" : "1h");
  const table = res === "1h" ? "MeterHourly" : "MeterDaily";
  const rows = await db().$queryRawUnsafe<{ bucket: Date; rx: string; tx: string; nodes: bigint }[]>(
    `SELECT "bucket", SUM("rxBytes")::text AS rx, SUM("txBytes")::text AS tx, COUNT(*) AS nodes FROM "${table}" WHERE "bucket" >= $1 AND "bucket" < $2 GROUP BY "bucket" ORDER BY "bucket"`,
    res === "1h" ? hourOf(from) : dayOf(from), to,
  );
  return { resolution: res, points: rows.map((r) => ({ at: r.bucket, rxBytes: BigInt(r.rx), txBytes: BigInt(r.tx), nodes: Number(r.nodes) })) };
}

/**
 * Re-buckets a node's traffic history into billing cycles of `billingDay` and
 * `mode` (e.g. to see what a change of either would have done): for the
 * `count` cycles ending before `now` plus the current one, the per-direction
 * traffic of the daily rollups inside [start, end) and its combination.
 * Exact to the day: resets are at 00:00 UTC and daily buckets are UTC days.
 * Seeds (set-usage) are not traffic and are not in it.
 */
export async function cycleHistory(ipv4: string, billingDay: number, mode: BillingMode, opts: { count?: number; now?: Date } = {}) {
  const now = opts.now ?? new Date();
  const count = opts.count ?? 12;
  const current = nextCycleEnds(billingDay, now, 1)[0];
  const ends = [current];
  for (let i = 0; i < count; i++) ends.unshift(previousCycleEnd(billingDay, ends[0]));
  const from = previousCycleEnd(billingDay, ends[0]);
  const days = await db().meterDaily.findMany({ where: { nodeIpv4: ipv4, bucket: { gte: from, lt: current } }, select: { bucket: true, rxBytes: true, txBytes: true } });
  return ends.map((end) => {
    const start = previousCycleEnd(billingDay, end);
    let rx = 0n;
    let tx = 0n;
    for (const d of days) {
      if (d.bucket < start || d.bucket >= end) continue;
      rx += d.rxBytes;
      tx += d.txBytes;
    }
    return { start, end, rxBytes: rx, txBytes: tx, usedBytes: combineBytes(mode, rx, tx), current: end.getTime() === current.getTime() };
  });
}

/**
 * Deletes what the policy no longer keeps: samples older than sampleDays,
 * hourly rows older than hourlyDays, daily rows and annotations older than
 * dailyDays (all relative to `now`). Returns the rows deleted per table.
 */
export async function applyRetention(now: Date = new Date(), p: RetentionPolicy = retentionFromEnv()) {
  const before = (days: number) => new Date(now.getTime() - days * DAY);
  const samples = await db().meterSample.deleteMany({ where: { at: { lt: before(p.sampleDays) } } });
  const hourly = await db().meterHourly.deleteMany({ where: { bucket: { lt: before(p.hourlyDays) } } });
  const daily = await db().meterDaily.deleteMany({ where: { bucket: { lt: before(p.dailyDays) } } });
  const annotations = await db().meterAnnotation.deleteMany({ where: { at: { lt: before(p.dailyDays) } } });
  return { samples: samples.count, hourly: hourly.count, daily: daily.count, annotations: annotations.count };
}
