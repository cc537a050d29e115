import { db } from "@/lib/db";
import { cutoffBytesOf, limitBytesOf, previousCycleEnd, projectCutAtRate, runningCycle, type BillingMode, type CutProjection, type Gauge, type GaugeState } from "./cycle";
import { gaugeOfRow, meterKnown, meterWarnPercent } from "./gauge-row";
import { latestProviderSamples, type StoredProviderSample } from "./provider";
import { cycleHistory, fleetLatest, fleetTotals, nodeCycleSeries, type Resolution } from "./store";

// What the metering pages show (issue #13 "Show"), one call per page:
// nodeMeterView for a node's page, meteringPageView for the Metering page.
// The views are plain JSON for client components: bytes are numbers of BYTES
// (exact below 2^53, i.e. 8 PiB), times ISO-8601 UTC strings, "GB" the .env's
// GiB (2^30 bytes), rates bytes per second.

/** A gauge state, or "unknown": the node's .env was never read (no poll got through yet). */
export type GaugeViewState = GaugeState | "unknown";

export type GaugeView = {
  state: GaugeViewState;
  /** what the node's meter says is used this cycle, bytes (null: no figure) */
  usedBytes: number | null;
  /** K2_NODE_TRAFFIC_LIMIT_GB in bytes; 0 when unlimited or metering is off */
  limitBytes: number;
  /** the cutoff line, limit − 500 MiB, bytes; null without a limit */
  cutoffBytes: number | null;
  /** used / limit × 100 */
  percentUsed: number | null;
  /** bytes left before the cut (0 at or over the line) */
  remainingBytes: number | null;
  /** the warning threshold in force, % of the limit (K2OPS_METER_WARN_PERCENT) */
  warnPercent: number;
  /** why the state is what it is (English) */
  reason: string;
  /** the same as code + values (metering.gaugeReason.<code>) */
  reasonPhrase: Gauge["reasonPhrase"];
};

export type ProjectionView = { status: CutProjection["status"]; cutAt: string | null; rateBytesPerSec: number };

export type SeriesPointView = { at: string; usedBytes: number | null; rxBytes: number; txBytes: number; limitGb: number | null; cut: boolean | null };
export type AnnotationView = { at: string; kind: string; text: string };
/** One billing cycle's series for the chart: used as recorded, cumulative rx and tx since the cycle's start (bytes), the integrity annotations. */
export type CycleSeriesView = { start: string; end: string; resolution: Resolution; points: SeriesPointView[]; annotations: AnnotationView[] };
/** A past (or the current) cycle's traffic per direction and its combination in the node's mode, from the daily rollups (bytes). */
export type CycleTotalsView = { start: string; end: string; rxBytes: number; txBytes: number; usedBytes: number; current: boolean };

/**
 * The provider's own figure for this node (Center's cloud-instance traffic,
 * Lightsail GetInstanceMetricData NetworkIn/NetworkOut) beside the node's over
 * the same window, and how far they diverge: the latest provider sample
 * (lib/metering/provider). Null when none was taken.
 */
export type ProviderFigureView = {
  /** e.g. "Lightsail NetworkIn+NetworkOut (sum)", "Center cloud instance (max)" */
  source: string;
  /** the provider's figure for its period, bytes, counted per the provider's accounting rule */
  usedBytes: number;
  /** the provider's allowance for the period, bytes (null when not known) */
  allowanceBytes: number | null;
  /** as of when the provider counted */
  at: string;
  /** the node's usage over the same window when the sample was taken, bytes (null: not comparable, see `note`) */
  nodeUsedBytes: number | null;
  /** provider − node, bytes (positive: the provider counts more); null when not comparable */
  divergenceBytes: number | null;
  /** (provider − node) / provider × 100 (null when not comparable) */
  divergencePercent: number | null;
  /** beyond the configured divergence threshold */
  flagged: boolean;
  /** why the figures cannot be compared, when they cannot */
  note: string | null;
};

export type NodeMeterView = {
  ipv4: string;
  /** the last poll attempt; the last accepted reading */
  polledAt: string | null;
  readAt: string | null;
  lastError: string | null;
  gauge: GaugeView;
  projection: ProjectionView;
  billingDay: number | null;
  mode: BillingMode | null;
  /** K2_NODE_TRAFFIC_USED_GB (first-boot seed, GB) of the latest sample; null: none set; undefined: no sample kept to say */
  seedGb: number | null | undefined;
  limitGb: number | null;
  /** the running sidecar's limit (reporter quotaTotal), when it differs from the .env's: edited without up -d */
  runningLimitGb: number | null;
  /**
   * The current cycle as the sidecar computes it for the billing day (cycle.ts
   * runningCycle: start, end; freshEnd = what a restart now would compute,
   * different only in a short month's overflowed days), and the end the
   * node's traffic.state holds.
   */
  cycle: { start: string; end: string; freshEnd: string; restartReanchors: boolean; nodeEnd: string | null; nodeEndMatches: boolean | null } | null;
  reporter: { okAt: string | null; failAt: string | null; failError: string | null; failing: boolean };
  current: CycleSeriesView | null;
  previous: CycleSeriesView | null;
  /** up to 6 previous cycles with traffic, then the current one (oldest first) */
  history: CycleTotalsView[];
  /** the provider's latest figure (see ProviderFigureView): null when none was taken */
  provider: ProviderFigureView | null;
};

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const num = (b: bigint | null | undefined) => (b === null || b === undefined ? null : Number(b));

function gaugeView(g: Gauge, known: boolean, warnPercent: number): GaugeView {
  return {
    state: known ? g.state : "unknown",
    usedBytes: num(g.usedBytes),
    limitBytes: Number(g.limitBytes),
    cutoffBytes: num(g.cutoffBytes),
    percentUsed: g.percentUsed,
    remainingBytes: num(g.remainingBytes),
    warnPercent,
    reason: known ? g.reason : "the node's meter has not been read yet",
    reasonPhrase: known ? g.reasonPhrase : { code: "notRead", values: {} },
  };
}

const projectionView = (p: CutProjection): ProjectionView => ({ status: p.status, cutAt: iso(p.cutAt), rateBytesPerSec: p.rateBytesPerSec });

function seriesView(s: Awaited<ReturnType<typeof nodeCycleSeries>>): CycleSeriesView | null {
  if (!s) return null;
  return {
    start: s.start.toISOString(),
    end: s.end.toISOString(),
    resolution: s.resolution,
    points: s.points.map((p) => ({ at: p.at.toISOString(), usedBytes: num(p.usedBytes), rxBytes: Number(p.rxBytes), txBytes: Number(p.txBytes), limitGb: p.limitGb, cut: p.cut })),
    annotations: s.annotations.map((a) => {
      const d = a.detail as { text?: unknown } | null;
      return { at: a.at.toISOString(), kind: a.kind, text: typeof d?.text === "string" ? d.text : a.kind };
    }),
  };
}

/**
 * Everything the node page's metering section shows, for node `ipv4` at
 * `now`; null when k2ops has never polled the node's meter. `warnPercent`
 * defaults to K2OPS_METER_WARN_PERCENT (80).
 */
export async function nodeMeterView(ipv4: string, opts: { now?: Date; warnPercent?: number } = {}): Promise<NodeMeterView | null> {
  const now = opts.now ?? new Date();
  const warn = opts.warnPercent ?? meterWarnPercent();
  const n = await db().meterNode.findUnique({ where: { nodeIpv4: ipv4 } });
  if (!n) return null;
  const known = meterKnown(n);
  const gauge = gaugeOfRow(n, warn);
  const limitBytes = n.limitGb !== null && n.limitGb >= 0 ? limitBytesOf(n.limitGb) : 0n;
  // as fleetLatest projects it; a node without a line (metering off, unlimited) is never cut, figure or not
  const noLine = known && (gauge.state === "metering-off" || gauge.state === "unlimited");
  const projection: CutProjection =
    n.used === null
      ? { rateBytesPerSec: n.rateBytesPerSec, cutAt: null, status: noLine ? "no-line" : "insufficient-data" }
      : projectCutAtRate({ usedBytes: n.used, cutoffBytes: gauge.state === "metering-off" ? null : cutoffBytesOf(limitBytes), rateBytesPerSec: n.rateBytesPerSec, now, cycleEnd: n.cycleEndAt });
  const mode = n.mode === "sum" || n.mode === "max" ? n.mode : null;
  const running = n.billingDay ? runningCycle(n.billingDay, now) : null;
  // the current cycle ends at the row's cycleEndAt; the previous one where the current one starts
  const previousEnd = n.billingDay && n.cycleEndAt ? previousCycleEnd(n.billingDay, n.cycleEndAt) : null;
  const [current, previous, sample, [provider], history] = await Promise.all([
    nodeCycleSeries(ipv4, { now, node: n }),
    previousEnd ? nodeCycleSeries(ipv4, { cycleEnd: previousEnd, now, node: n }) : null,
    db().meterSample.findFirst({ where: { nodeIpv4: ipv4 }, orderBy: { at: "desc" }, select: { seedGb: true } }),
    latestProviderSamples([ipv4]),
    n.billingDay && n.metering ? cycleHistory(ipv4, n.billingDay, mode ?? "max", { count: 6, now }) : [],
  ]);
  return {
    ipv4,
    polledAt: iso(n.lastPolledAt),
    readAt: iso(n.at),
    lastError: n.lastError,
    gauge: gaugeView(gauge, known, warn),
    projection: projectionView(projection),
    billingDay: n.billingDay,
    mode,
    seedGb: sample ? sample.seedGb : undefined,
    limitGb: n.limitGb,
    runningLimitGb: n.runningLimitGb,
    cycle: running
      ? {
          start: running.start.toISOString(),
          end: running.end.toISOString(),
          freshEnd: running.freshEnd.toISOString(),
          restartReanchors: running.restartReanchors,
          nodeEnd: iso(n.cycleEndAt),
          nodeEndMatches: n.cycleEndAt ? n.cycleEndAt.getTime() === running.end.getTime() : null,
        }
      : null,
    reporter: { okAt: iso(n.reportAt), failAt: iso(n.reportFailAt), failError: n.reportFailError, failing: !!n.reportFailAt && (!n.reportAt || n.reportFailAt > n.reportAt) },
    current: seriesView(current),
    previous: seriesView(previous),
    history: history
      .filter((c) => c.current || c.rxBytes + c.txBytes > 0n)
      .map((c) => ({ start: c.start.toISOString(), end: c.end.toISOString(), rxBytes: Number(c.rxBytes), txBytes: Number(c.txBytes), usedBytes: Number(c.usedBytes), current: c.current })),
    provider: providerFigureView(provider),
  };
}

const PROVIDER_SOURCES: Record<string, string> = { lightsail: "Lightsail NetworkIn+NetworkOut", center: "Center cloud instance" };

/** A stored provider sample as the node page shows it (bytes as numbers: < 2^53 for any real month). */
export function providerFigureView(s: StoredProviderSample | undefined | null): ProviderFigureView | null {
  if (!s) return null;
  const detail = (s.detail ?? {}) as { notComparable?: unknown };
  const node = num(s.nodeUsedBytes);
  return {
    source: `${PROVIDER_SOURCES[s.source] ?? s.source} (${s.basis})`,
    usedBytes: Number(s.usedBytes),
    allowanceBytes: num(s.totalBytes),
    at: (s.providerAt ?? s.at).toISOString(),
    nodeUsedBytes: node,
    divergenceBytes: node === null ? null : Number(s.usedBytes) - node,
    divergencePercent: node === null ? null : s.divergence,
    flagged: s.flagged,
    note: typeof detail.notComparable === "string" ? detail.notComparable : null,
  };
}

// ---- the Metering page ------------------------------------------------------------

export const METERING_RANGES = { "7d": 7, "30d": 30, "90d": 90 } as const;
export type MeteringRange = keyof typeof METERING_RANGES;

/** The range parameter of the Metering page (7d, 30d, 90d); anything else: 30d. */
export function meteringRange(raw: string | string[] | undefined): MeteringRange {
  const v = Array.isArray(raw) ? raw[0] : raw;
  return v && v in METERING_RANGES ? (v as MeteringRange) : "30d";
}

export type FleetMeterRowView = {
  ipv4: string;
  name: string;
  /** position in fleetLatest's risk order (0 = most at risk: cut, then the earliest projected cut, then % used) */
  risk: number;
  gauge: GaugeView;
  projection: ProjectionView;
  cycleEnd: string | null;
  billingDay: number | null;
  mode: string | null;
  limitGb: number | null;
  limitNotApplied: boolean;
  reporterFailing: boolean;
  polledAt: string | null;
  lastError: string | null;
};

export type TopConsumer = { ipv4: string; name: string; rxBytes: number; txBytes: number; totalBytes: number };

export type MeteringPageView = {
  warnPercent: number;
  range: MeteringRange;
  from: string;
  to: string;
  rows: FleetMeterRowView[];
  counts: Record<GaugeViewState, number>;
  /** the fleet's traffic per bucket (sums of every node's deltas, bytes) */
  totals: { resolution: "1h" | "1d"; points: { at: string; rxBytes: number; txBytes: number; nodes: number }[] };
  /** the nodes that moved the most traffic (rx + tx) in the range */
  top: TopConsumer[];
};

/**
 * The nodes that moved the most traffic (rx + tx, bytes, from the daily
 * rollups: whole UTC days from `from`'s day up to `to`) with their names,
 * most first; one aggregate over the daily rollups' bucket index.
 */
export async function topConsumers(from: Date, to: Date, limit = 10): Promise<TopConsumer[]> {
  const day = new Date(Math.floor(from.getTime() / 86_400_000) * 86_400_000);
  // the aggregate first, the names of the top rows only
  const rows = await db().$queryRaw<{ ipv4: string; name: string | null; rx: string; tx: string }[]>`
    WITH top AS (
      SELECT d."nodeIpv4", SUM(d."rxBytes") AS rx, SUM(d."txBytes") AS tx
      FROM "MeterDaily" d
      WHERE d."bucket" >= ${day} AND d."bucket" < ${to}
      GROUP BY d."nodeIpv4"
      HAVING SUM(d."rxBytes" + d."txBytes") > 0
      ORDER BY SUM(d."rxBytes" + d."txBytes") DESC, d."nodeIpv4"
      LIMIT ${limit}
    )
    SELECT top."nodeIpv4" AS ipv4, n."name" AS name, top.rx::text AS rx, top.tx::text AS tx
    FROM top LEFT JOIN "Node" n ON n."ipv4" = top."nodeIpv4"
    ORDER BY top.rx + top.tx DESC, top."nodeIpv4"`;
  return rows.map((r) => {
    const rx = Number(r.rx);
    const tx = Number(r.tx);
    return { ipv4: r.ipv4, name: r.name || r.ipv4, rxBytes: rx, txBytes: tx, totalBytes: rx + tx };
  });
}

/**
 * The Metering page: every polled node's gauge and projected cut in risk
 * order (fleetLatest), the count per state, the fleet's traffic over `range`
 * (hourly for 7 days, daily beyond) and the top consumers of the range.
 */
export async function meteringPageView(opts: { range?: MeteringRange; now?: Date; warnPercent?: number } = {}): Promise<MeteringPageView> {
  const now = opts.now ?? new Date();
  const range = opts.range ?? "30d";
  const warnPercent = opts.warnPercent ?? meterWarnPercent();
  const from = new Date(now.getTime() - METERING_RANGES[range] * 86_400_000);
  const [latest, totals, top] = await Promise.all([
    fleetLatest({ now, warnPercent }),
    fleetTotals(from, now, { now, resolution: range === "7d" ? "1h" : "1d" }),
    topConsumers(from, now, 10),
  ]);
  const counts: Record<GaugeViewState, number> = { cut: 0, warning: 0, ok: 0, unlimited: 0, "metering-off": 0, unknown: 0 };
  const rows = latest.map((r, i): FleetMeterRowView => {
    // a node whose .env was never read has no mode: its metering is unknown, not off
    const gauge = gaugeView(r.gauge, r.mode !== null, warnPercent);
    counts[gauge.state]++;
    return {
      ipv4: r.ipv4, name: r.name, risk: i, gauge, projection: projectionView(r.projection), cycleEnd: iso(r.cycleEnd), billingDay: r.billingDay, mode: r.mode, limitGb: r.limitGb,
      limitNotApplied: r.limitNotApplied, reporterFailing: r.reporterFailing, polledAt: iso(r.polledAt), lastError: r.lastError,
    };
  });
  return {
    warnPercent,
    range,
    from: from.toISOString(),
    to: now.toISOString(),
    rows,
    counts,
    totals: { resolution: totals.resolution, points: totals.points.map((p) => ({ at: p.at.toISOString(), rxBytes: Number(p.rxBytes), txBytes: Number(p.txBytes), nodes: p.nodes })) },
    top,
  };
}
