// The sidecar's metering arithmetic, pure (no I/O, no clock): what the real
// k2-sidecar computes in docker/sidecar/sidecar/{traffic,enforcer}.go, so k2ops
// can say what a node's meter does, and the simulator's bash meter is tested
// against it (simulator/node/meter.test.ts). Runbook: metering.md Parts B-E;
// node-behavior.md §4 (§4.2 what is counted, §4.3 cycle end, §4.5 cutoff).
//
// Units are in the names: `…Bytes` are bytes (bigint, exact like Go's int64),
// `…Gb` are the .env's "GB", which the sidecar multiplies by 2^30 (GiB), times
// are Date (UTC) or `…Unix` seconds, rates are bytes per second (number).

import { NONE, type Phrase } from "@/lib/phrase";

/** Bytes in one "GB" of K2_NODE_TRAFFIC_LIMIT_GB / K2_NODE_TRAFFIC_USED_GB / set-usage: the sidecar's GiB (2^30). */
export const BYTES_PER_GIB = 1_073_741_824n;
/** quotaCutoffReserveBytes (enforcer.go, and Center's): 500 MiB; the cut trips at limit − this. */
export const CUTOFF_RESERVE_BYTES = 524_288_000n;

export type BillingMode = "max" | "sum";

// ---- billing date and cycle (node-behavior.md §4.3) --------------------------

/**
 * The cycle end (next reset) the sidecar computes for billing day `day` (1-31)
 * at `now` (calculateNextCycleEnd, run at monitor start and at each rollover):
 * day `day` of now's UTC month at 00:00 UTC, or one calendar month later once
 * now is strictly after it. Go's date normalisation applies (Date.UTC
 * normalises the same way): day 31 in a 30-day month is the 1st of the next
 * month; Jan 31 + 1 month is Mar 3 (Mar 2 in leap years). Throws RangeError
 * for a day outside 1-31.
 */
export function cycleEnd(day: number, now: Date): Date {
  assertDay(day);
  const candidate = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), day));
  if (now.getTime() <= candidate.getTime()) return candidate;
  // AddDate(0, 1, 0) on the (already normalised) candidate
  return new Date(Date.UTC(candidate.getUTCFullYear(), candidate.getUTCMonth() + 1, candidate.getUTCDate()));
}

/** The next `count` cycle ends from `from` on, as the running sidecar would reach them (each reset just after the previous). */
export function nextCycleEnds(day: number, from: Date, count: number): Date[] {
  const out: Date[] = [];
  let end = cycleEnd(day, from);
  for (let i = 0; i < count; i++) {
    out.push(end);
    end = followingCycleEnd(day, end);
  }
  return out;
}

/**
 * The end the RUNNING sidecar moves to when cycle `end` is over: its rollover
 * (checkAndResetCycle) fires at the first read with now.Unix() > end, i.e. at
 * end + 1 s at the earliest, and computes cycleEnd(day, then). Every reset the
 * running sidecar reaches is one of the "month candidates" Date.UTC(y, m, day)
 * (normalised), in order; this is the next one after `end`.
 */
export function followingCycleEnd(day: number, end: Date): Date {
  return cycleEnd(day, new Date(end.getTime() + 1000));
}

/**
 * The reset before `end` in the running sidecar's chain: the latest month
 * candidate Date.UTC(y, m, day) strictly before `end` (the chain's candidates
 * are all distinct and in month order, so this is the cycle's start).
 */
export function previousCycleEnd(day: number, end: Date): Date {
  assertDay(day);
  let best: Date | null = null;
  for (let dm = -3; dm <= 0; dm++) {
    const c = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + dm, day));
    if (c.getTime() < end.getTime() && (!best || c.getTime() > best.getTime())) best = c;
  }
  return best!; // a month candidate at most 2 months before any end always exists
}

/**
 * The cycle the running sidecar is in at `now`: `end` = the first reset of the
 * chain at or after now (it stays current while now.Unix() <= end), `start` =
 * the reset before it. This is what a sidecar that has run through the last
 * reset has in traffic.state (billing_cycle_end_at); `freshEnd` is what a
 * sidecar (re)started at `now` would compute instead. They differ only in the
 * days a short month's overflowed reset lands on (day 29-31: e.g. day 31 on
 * Mar 1-2 of 2027: running end Mar 3, fresh end Mar 31), where a restart
 * re-anchors the cycle (usage back to 0, §4.4): `restartReanchors` says so.
 */
export function runningCycle(day: number, now: Date): { start: Date; end: Date; freshEnd: Date; restartReanchors: boolean } {
  assertDay(day);
  const secs = Math.floor(now.getTime() / 1000) * 1000;
  let end: Date | null = null;
  for (let dm = -1; dm <= 1 && !end; dm++) {
    const c = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + dm, day));
    if (c.getTime() >= secs) end = c;
  }
  end ??= cycleEnd(day, now);
  const freshEnd = cycleEnd(day, now);
  return { start: previousCycleEnd(day, end), end, freshEnd, restartReanchors: freshEnd.getTime() !== end.getTime() };
}

/**
 * The cycle whose end is `end` (a traffic.state billing_cycle_end_at): its
 * start is the previous reset of the chain. `end` that is not a reset of
 * billing day `day` (the .env's day changed since the sidecar started) is
 * reported with `matchesDay: false`; its start is still the previous
 * candidate of `day`.
 */
export function cycleOfEnd(day: number, end: Date): { start: Date; end: Date; matchesDay: boolean } {
  const start = previousCycleEnd(day, end);
  return { start, end, matchesDay: followingCycleEnd(day, start).getTime() === end.getTime() };
}

function assertDay(day: number): void {
  if (!Number.isInteger(day) || day < 1 || day > 31) throw new RangeError(`billing day must be 1-31, got ${day}`);
}

/** Whether `yyyy-MM-dd` names a real calendar date (2026-02-31 does not). */
export function isCalendarDate(value: string): boolean {
  return parseBillingDate(value).ok;
}

/**
 * K2_NODE_BILLING_START_DATE as the sidecar parses it (time.Parse("2006-01-02")):
 * `{ ok: true, day }` (only the day of month matters), or `{ ok: false, error }`
 * with Go's error text (the sidecar then logs "Failed to initialize traffic
 * monitor" and runs uncapped, as if metering were off).
 */
export function parseBillingDate(v: string): { ok: true; year: number; month: number; day: number } | { ok: false; error: string } {
  const q = (s: string) => JSON.stringify(s);
  const bad = (rest: string, elem: string) => ({ ok: false as const, error: `parsing time ${q(v)} as "2006-01-02": cannot parse ${q(rest)} as ${q(elem)}` });
  let r = v;
  if (!/^\d{4}/.test(r)) return bad(r, "2006");
  const y = Number(r.slice(0, 4));
  r = r.slice(4);
  if (!r.startsWith("-")) return bad(r, "-");
  r = r.slice(1);
  if (!/^\d\d/.test(r)) return bad(r, "01");
  const m = Number(r.slice(0, 2));
  r = r.slice(2);
  if (m < 1 || m > 12) return { ok: false, error: `parsing time ${q(v)}: month out of range` };
  if (!r.startsWith("-")) return bad(r, "-");
  r = r.slice(1);
  if (!/^\d\d/.test(r)) return bad(r, "02");
  const d = Number(r.slice(0, 2));
  r = r.slice(2);
  if (r !== "") return { ok: false, error: `parsing time ${q(v)}: extra text: ${q(r)}` };
  if (d < 1 || d > daysInMonth(y, m)) return { ok: false, error: `parsing time ${q(v)}: day out of range` };
  return { ok: true, year: y, month: m, day: d };
}

/** Days in month `month` (1-12) of `year` (Gregorian: 2000 leap, 2100 not). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// ---- what is counted (node-behavior.md §4.2) ---------------------------------

/**
 * K2_NODE_TRAFFIC_BILLING_MODE as normalizeBillingMode reads it: trimmed and
 * lowercased; empty or "max" → max(rx, tx); "sum" → rx + tx; anything else →
 * sum (fail-closed) with `unknown: true` (the sidecar logs an ERROR). Sidecars
 * older than 2026-08-20 have no such knob and always bill max.
 */
export function normalizeBillingMode(raw: string | null | undefined): { mode: BillingMode; unknown: boolean } {
  const v = (raw ?? "").trim().toLowerCase();
  if (v === "" || v === "max") return { mode: "max", unknown: false };
  if (v === "sum") return { mode: "sum", unknown: false };
  return { mode: "sum", unknown: true };
}

/** Combines per-direction byte counts as the billing mode does: max(rx, tx) or rx + tx (bytes). */
export function combineBytes(mode: BillingMode, rxBytes: bigint, txBytes: bigint): bigint {
  return mode === "sum" ? rxBytes + txBytes : rxBytes > txBytes ? rxBytes : txBytes;
}

/** A traffic.state baseline (bytes): the NIC counters at the cycle's anchor and the prior-used floor (set-usage / seed / fold). */
export type Baseline = { cycleStartRxBytes: bigint; cycleStartTxBytes: bigint; priorUsedBytes: bigint };

/**
 * computeUsedLocked: prior_used_bytes + combine(rx − cycle_start_rx, tx −
 * cycle_start_tx), each delta clamped at 0. All bytes. Also returns the two
 * per-direction deltas (what the chart plots as rx and tx of the cycle).
 */
export function usedBytesOf(mode: BillingMode, nic: { rxBytes: bigint; txBytes: bigint }, b: Baseline): { usedBytes: bigint; rxBytes: bigint; txBytes: bigint } {
  const rx = nic.rxBytes > b.cycleStartRxBytes ? nic.rxBytes - b.cycleStartRxBytes : 0n;
  const tx = nic.txBytes > b.cycleStartTxBytes ? nic.txBytes - b.cycleStartTxBytes : 0n;
  return { usedBytes: combineBytes(mode, rx, tx) + b.priorUsedBytes, rxBytes: rx, txBytes: tx };
}

/** K2_NODE_TRAFFIC_LIMIT_GB (GiB, 0 = unlimited) as bytes: limitGb × 2^30. */
export function limitBytesOf(limitGb: number): bigint {
  if (!Number.isInteger(limitGb) || limitGb < 0) throw new RangeError(`a limit is a whole number of GB >= 0, got ${limitGb}`);
  return BigInt(limitGb) * BYTES_PER_GIB;
}

/** The cutoff line in bytes: limit − 500 MiB (the enforcer pauses k2s at used >= it); null when the limit is 0 (unlimited). */
export function cutoffBytesOf(limitBytes: bigint): bigint | null {
  return limitBytes > 0n ? limitBytes - CUTOFF_RESERVE_BYTES : null;
}

/** The enforcer's decision (reconcileOnce, enforcer.go): cut when limit > 0 and used >= limit − 500 MiB. Bytes. */
export function enforcerCuts(usedBytes: bigint, limitBytes: bigint): boolean {
  const line = cutoffBytesOf(limitBytes);
  return line !== null && usedBytes >= line;
}

/** Bytes as GiB (the sidecar's "GB"), for display; not exact beyond 2^53 bytes. */
export function gibOf(bytes: bigint): number {
  return Number(bytes) / Number(BYTES_PER_GIB);
}

// ---- the gauge and the projection (issue #13 "Show") ------------------------

export type GaugeState = "ok" | "warning" | "cut" | "metering-off" | "unlimited";

export type Gauge = {
  state: GaugeState;
  usedBytes: bigint | null;
  /** 0 when unlimited or metering is off */
  limitBytes: bigint;
  /** limit − 500 MiB; null when unlimited or metering is off */
  cutoffBytes: bigint | null;
  /** used / limit × 100 (null without a limit or a used figure) */
  percentUsed: number | null;
  /** bytes left before the cut (0 once at or over the line); null without a line */
  remainingBytes: bigint | null;
  /** why the state is what it is, one sentence (English) */
  reason: string;
  /** the same sentence as a code (metering.gaugeReason.<code>) and its values (percentages as lib prints them) */
  reasonPhrase: { code: GaugeReasonCode; values: Record<string, string> };
};
/** The codes of the gauge's reason (metering.gaugeReason.<code>); "notRead" is the views' (a meter never read). */
export type GaugeReasonCode = "notRead" | "meteringOff" | "unlimited" | "enforcerPaused" | "atCutoff" | "warning" | "ok" | "noFigure";

/** The codes of the quota panel's derived lines (metering.ops.lines.<code>): proposals' reasons, workings and warnings. */
export type QuotaLineCode =
  | "prorationCreated"
  | "prorationAllowance"
  | "prorationA"
  | "prorationB"
  | "prorationFullOverBundle"
  | "prorationLimitOverAllowance"
  | "prorationShareUsed"
  | "recoveryUsed"
  | "recoverySmallest"
  | "recoveryProposedProvider"
  | "recoveryProposedMin"
  | "recoveryOverAllowance"
  | "recoveryWait"
  | "dayNoInstance"
  | "dayCalendar"
  | "dayPlanConfigured"
  | "dayPlanUnknown"
  | "dayNotMonthly"
  | "limitNoAllowance"
  | "limitUnderHeadroom"
  | "limitDerived"
  | "modeWhySum"
  | "modeWhyMax"
  | "modeWhyOut"
  | "modeWhySumNoProvider"
  | "modeWhyMaxNoProvider"
  | "modeWhyOutNoProvider"
  | "warnUnverified"
  | "warnUnverifiedNoProvider"
  | "seedNoFigure"
  | "seedLightsail"
  | "seedLightsailSince"
  | "seedProviderDirections"
  | "seedProviderDirectionsSince"
  | "seedCenter"
  | "seedCenterSince"
  | "seedCenterAt"
  | "seedCenterSinceAt"
  | "seedNodeCounts"
  | "seedRoundUp"
  | "seedThen"
  | "seedCutAtOnce"
  | "seedOtherPeriod"
  | "seedLowers"
  | "verbatim"
  | "problemRulesInvalid"
  | "problemNoCenter"
  | "problemCenterUnreadable"
  | "problemLightsail"
  | "problemFigure";
/**
 * One line of the quota panel as a code and its values (plain data; strings shown verbatim,
 * numbers as lib prints them); `NONE` marks an absent value. The English line stays beside it.
 */
export type QuotaLine = Phrase<QuotaLineCode, Record<string, string>>;
export { NONE };

/** The warning threshold when none is configured: 80 % of the limit. */
export const DEFAULT_WARN_PERCENT = 80;

/**
 * The node's quota gauge. `metering`: the sidecar meters (a valid billing date
 * and a running monitor); off = uncapped, whatever the other figures say.
 * `limitBytes` 0 = unlimited (never cut). Otherwise "cut" when the node says so
 * (`cutObserved`: cutoff.state cut or k2s paused by the enforcer) or used is at
 * or over the cutoff line; "warning" at `warnPercent` (default 80) % of the
 * limit; "ok" below. Throws RangeError for a warnPercent outside (0, 100].
 */
export function gaugeOf(i: { metering: boolean; limitBytes: bigint; usedBytes: bigint | null; cutObserved?: boolean; warnPercent?: number }): Gauge {
  const warn = i.warnPercent ?? DEFAULT_WARN_PERCENT;
  if (!(warn > 0 && warn <= 100)) throw new RangeError(`the warning threshold is a percentage in (0, 100], got ${warn}`);
  if (!i.metering) return { state: "metering-off", usedBytes: i.usedBytes, limitBytes: 0n, cutoffBytes: null, percentUsed: null, remainingBytes: null, reason: "metering off (no billing date): the node runs uncapped, bounded only by the provider bundle", reasonPhrase: { code: "meteringOff", values: {} } };
  const line = cutoffBytesOf(i.limitBytes);
  if (line === null) return { state: "unlimited", usedBytes: i.usedBytes, limitBytes: 0n, cutoffBytes: null, percentUsed: null, remainingBytes: null, reason: "limit 0: metered, never cut", reasonPhrase: { code: "unlimited", values: {} } };
  const used = i.usedBytes;
  const percentUsed = used === null ? null : (Number(used) / Number(i.limitBytes)) * 100;
  const remainingBytes = used === null ? null : used >= line ? 0n : line - used;
  const base = { usedBytes: used, limitBytes: i.limitBytes, cutoffBytes: line, percentUsed, remainingBytes };
  if (i.cutObserved) return { ...base, state: "cut", reason: "the node's enforcer has paused k2s", reasonPhrase: { code: "enforcerPaused", values: {} } };
  if (used !== null && used >= line) return { ...base, state: "cut", reason: "used is at or over the cutoff line (limit − 500 MiB)", reasonPhrase: { code: "atCutoff", values: {} } };
  if (percentUsed !== null && percentUsed >= warn) {
    return { ...base, state: "warning", reason: `used is at ${percentUsed.toFixed(1)} % of the limit (warning at ${warn} %)`, reasonPhrase: { code: "warning", values: { percent: percentUsed.toFixed(1), warn: String(warn) } } };
  }
  if (used === null) return { ...base, state: "ok", reason: "no usage figure yet", reasonPhrase: { code: "noFigure", values: {} } };
  return { ...base, state: "ok", reason: `used is at ${percentUsed!.toFixed(1)} % of the limit`, reasonPhrase: { code: "ok", values: { percent: percentUsed!.toFixed(1) } } };
}

export type CutProjection = {
  /** the recent rate of `used`, bytes per second (0 when flat) */
  rateBytesPerSec: number;
  /** when used reaches the cutoff line at that rate, if before the cycle's end */
  cutAt: Date | null;
  status: "cut" | "projected" | "resets-first" | "no-traffic" | "no-line" | "insufficient-data";
};

/**
 * When the node will be cut at its recent rate: the slope of `used` (bytes)
 * over the points of the current cycle within `windowMs` before `now`
 * (default 24 h; the earliest and the latest point, so hourly rollups and
 * 5-minute samples give the same answer), extrapolated to the cutoff line.
 * "resets-first" when the line is reached only after the cycle's end; a
 * falling used (a fold) counts as no traffic. Points need not be sorted.
 */
export function projectCut(i: { usedBytes: bigint; cutoffBytes: bigint | null; cycleStart: Date; cycleEnd: Date; now: Date; points: { at: Date; usedBytes: bigint }[]; windowMs?: number }): CutProjection {
  if (i.cutoffBytes === null) return { rateBytesPerSec: 0, cutAt: null, status: "no-line" };
  if (i.usedBytes >= i.cutoffBytes) return { rateBytesPerSec: 0, cutAt: null, status: "cut" };
  const from = Math.max(i.cycleStart.getTime(), i.now.getTime() - (i.windowMs ?? 24 * 3600_000));
  const pts = i.points.filter((p) => p.at.getTime() >= from && p.at.getTime() <= i.now.getTime()).sort((a, b) => a.at.getTime() - b.at.getTime());
  if (pts.length < 2 || pts[pts.length - 1].at.getTime() - pts[0].at.getTime() < 60_000) return { rateBytesPerSec: 0, cutAt: null, status: "insufficient-data" };
  const first = pts[0];
  const last = pts[pts.length - 1];
  const rate = Math.max(0, Number(last.usedBytes - first.usedBytes) / ((last.at.getTime() - first.at.getTime()) / 1000));
  return projectCutAtRate({ usedBytes: i.usedBytes, cutoffBytes: i.cutoffBytes, rateBytesPerSec: rate, now: i.now, cycleEnd: i.cycleEnd });
}

/**
 * The same projection from a known rate (bytes per second, e.g. the poll's
 * running average): the time used reaches the cutoff line, if before the
 * cycle's end.
 */
export function projectCutAtRate(i: { usedBytes: bigint; cutoffBytes: bigint | null; rateBytesPerSec: number; now: Date; cycleEnd: Date | null }): CutProjection {
  if (i.cutoffBytes === null) return { rateBytesPerSec: i.rateBytesPerSec, cutAt: null, status: "no-line" };
  if (i.usedBytes >= i.cutoffBytes) return { rateBytesPerSec: i.rateBytesPerSec, cutAt: null, status: "cut" };
  const rate = i.rateBytesPerSec;
  if (!(rate > 0)) return { rateBytesPerSec: 0, cutAt: null, status: "no-traffic" };
  const cutAt = new Date(i.now.getTime() + (Number(i.cutoffBytes - i.usedBytes) / rate) * 1000);
  if (i.cycleEnd && cutAt.getTime() > i.cycleEnd.getTime()) return { rateBytesPerSec: rate, cutAt: null, status: "resets-first" };
  return { rateBytesPerSec: rate, cutAt, status: "projected" };
}
