import type { CycleSeriesView, CycleTotalsView, ProjectionView, TopConsumer } from "@/lib/metering/view";
import { gib } from "./format";

// lib/metering/view's series as chart rows, pure (unit-tested in series.test.ts).
// Chart values are GiB (numbers); `t` is milliseconds since the epoch (UTC).

/** One point of a cycle chart: used as recorded and the cycle's cumulative rx/tx (GiB); `projected` only on the projection's two points. */
export type CycleChartRow = { t: number; used: number | null; rx: number | null; tx: number | null; projected?: number };

/**
 * The rows of a cycle's chart, time-ordered. With `projection` (the current
 * cycle): a dashed continuation from the last used figure at `nowMs` at the
 * projected rate, to the cut (used reaches `cutoffBytes`) or to the cycle's
 * end when it resets first.
 */
export function cycleChartRows(s: CycleSeriesView, opts: { projection?: ProjectionView | null; nowMs?: number; usedBytes?: number | null; cutoffBytes?: number | null } = {}): CycleChartRow[] {
  const rows: CycleChartRow[] = s.points.map((p) => ({ t: new Date(p.at).getTime(), used: gib(p.usedBytes), rx: gib(p.rxBytes), tx: gib(p.txBytes) }));
  const p = opts.projection;
  const end = new Date(s.end).getTime();
  if (!p || opts.nowMs === undefined || opts.usedBytes === null || opts.usedBytes === undefined || !(p.rateBytesPerSec > 0)) return rows;
  const now = Math.min(opts.nowMs, end);
  let to: { t: number; bytes: number } | null = null;
  if (p.status === "projected" && p.cutAt && opts.cutoffBytes !== null && opts.cutoffBytes !== undefined) to = { t: new Date(p.cutAt).getTime(), bytes: opts.cutoffBytes };
  else if (p.status === "resets-first") to = { t: end, bytes: opts.usedBytes + (p.rateBytesPerSec * (end - now)) / 1000 };
  if (!to || to.t <= now) return rows;
  // the projection starts on the last recorded point (or now) so the dashed line continues the used line
  const last = rows[rows.length - 1];
  if (last && last.t >= now - 15 * 60_000) last.projected = last.used ?? gib(opts.usedBytes)!;
  else rows.push({ t: now, used: null, rx: null, tx: null, projected: gib(opts.usedBytes)! });
  rows.push({ t: to.t, used: null, rx: null, tx: null, projected: gib(to.bytes)! });
  return rows;
}

/** The annotations to mark on a cycle chart (time, kind: the chart words it from the catalog, the full text). */
export function annotationMarks(s: CycleSeriesView): { t: number; kind: string; text: string }[] {
  return s.annotations.map((a) => ({ t: new Date(a.at).getTime(), kind: a.kind, text: a.text }));
}

/** Cycle totals as bar rows (GiB), labelled by their start day. */
export function cycleHistoryRows(h: CycleTotalsView[]): { label: string; start: string; end: string; used: number; rx: number; tx: number; current: boolean }[] {
  return h.map((c) => ({ label: `${c.start.slice(0, 10)}${c.current ? " (now)" : ""}`, start: c.start, end: c.end, used: gib(c.usedBytes)!, rx: gib(c.rxBytes)!, tx: gib(c.txBytes)!, current: c.current }));
}

/** The fleet's traffic per bucket (GiB per direction and total). */
export function totalsChartRows(points: { at: string; rxBytes: number; txBytes: number; nodes: number }[]): { t: number; rx: number; tx: number; total: number; nodes: number }[] {
  return points.map((p) => ({ t: new Date(p.at).getTime(), rx: gib(p.rxBytes)!, tx: gib(p.txBytes)!, total: gib(p.rxBytes + p.txBytes)!, nodes: p.nodes }));
}

/** Top consumers as bar rows (GiB), most first. */
export function topConsumerRows(top: TopConsumer[]): { name: string; ipv4: string; rx: number; tx: number; total: number }[] {
  return top.map((c) => ({ name: c.name, ipv4: c.ipv4, rx: gib(c.rxBytes)!, tx: gib(c.txBytes)!, total: gib(c.totalBytes)! }));
}

/** Axis ticks for a time domain: one per day (or per `stepDays`), at 00:00 UTC, within [from, to]. */
export function dayTicks(from: number, to: number, maxTicks = 8): number[] {
  const DAY = 86_400_000;
  const days = Math.max(1, Math.ceil((to - from) / DAY));
  const step = Math.max(1, Math.ceil(days / maxTicks));
  const out: number[] = [];
  for (let t = Math.ceil(from / DAY) * DAY; t <= to; t += step * DAY) out.push(t);
  return out;
}

/** Axis ticks for a time domain: hourly steps (1, 2, 3, 6 or 12 h) up to 3 days, else dayTicks; with the label format's unit. */
export function timeTicks(from: number, to: number, maxTicks = 8): { ticks: number[]; unit: "hour" | "day" } {
  const HOUR = 3_600_000;
  const span = to - from;
  if (span > 3 * 86_400_000) return { ticks: dayTicks(from, to, maxTicks), unit: "day" };
  const step = ([1, 2, 3, 6, 12].find((h) => span / (h * HOUR) <= maxTicks) ?? 12) * HOUR;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return { ticks, unit: "hour" };
}

/** A tick's label: "12-01" for days, "12-01 06:00" for hours (UTC). */
export const tickLabel = (unit: "hour" | "day") => (t: number) => (unit === "day" ? new Date(t).toISOString().slice(5, 10) : new Date(t).toISOString().slice(5, 16).replace("T", " "));
