import { DEFAULT_WARN_PERCENT, gaugeOf, limitBytesOf, type Gauge, type GaugeState } from "./cycle";

// The gauge of a node from its latest meter row (MeterNode), pure: the same
// reading of the row as fleetLatest (lib/metering/store), shared by the node
// page, the fleet table's Quota column and the Metering page.

/** The MeterNode fields a gauge needs (bytes are bigint bytes; limitGb is the .env's GB = GiB). */
export type MeterNodeGaugeFields = { metering: boolean | null; limitGb: number | null; used: bigint | null; cut: boolean | null; k2sPaused: boolean | null; mode: string | null };

/**
 * K2OPS_METER_WARN_PERCENT as the gauge's warning threshold: a percentage of
 * the limit in (0, 100]; unset, empty or anything else: 80 (DEFAULT_WARN_PERCENT).
 */
export function meterWarnPercent(raw: string | undefined = process.env.K2OPS_METER_WARN_PERCENT): number {
  const n = Number(raw);
  return raw !== undefined && raw.trim() !== "" && n > 0 && n <= 100 ? n : DEFAULT_WARN_PERCENT;
}

/**
 * Whether the row holds a reading of the node's .env: a poll that never
 * succeeded, or one whose .env was unreadable, leaves mode null (a read .env
 * always has a mode, "max" by default). Without it, metering is unknown, not off.
 */
export function meterKnown(n: Pick<MeterNodeGaugeFields, "metering" | "mode">): boolean {
  return n.metering !== null && n.mode !== null;
}

/**
 * The node's gauge from its row (gaugeOf): metering off = uncapped, limit 0 (or
 * none) = unlimited, cut when the node says so (cutoff.state, or k2s paused
 * while metering) or used is at the line (limit − 500 MiB), warning at
 * `warnPercent` % of the limit.
 */
export function gaugeOfRow(n: MeterNodeGaugeFields, warnPercent?: number): Gauge {
  const limitBytes = n.limitGb !== null && n.limitGb >= 0 ? limitBytesOf(n.limitGb) : 0n;
  return gaugeOf({ metering: !!n.metering, limitBytes, usedBytes: n.used, cutObserved: !!n.cut || (!!n.metering && !!n.k2sPaused), warnPercent });
}

/** The fleet table's Quota cell: % of the limit used (one decimal; null without a limit or a figure) and the gauge's state; null when the meter was never read. */
export type QuotaCell = { percentUsed: number | null; state: GaugeState };

export function quotaCellOf(n: MeterNodeGaugeFields | null | undefined, warnPercent?: number): QuotaCell | null {
  if (!n || !meterKnown(n)) return null;
  const g = gaugeOfRow(n, warnPercent);
  return { percentUsed: g.percentUsed === null ? null : Math.round(g.percentUsed * 10) / 10, state: g.state };
}
