import type { GaugeViewState, ProjectionView } from "@/lib/metering/view";

// Display of metering figures, pure (unit-tested in format.test.ts). Inputs are
// BYTES (numbers) and ISO-8601 UTC strings as lib/metering/view gives them; the
// sidecar's "GB" is GiB (2^30 bytes), so sizes are shown in GiB. Words are the
// catalog's (messages/*/metering.json): helpers here return keys and parts.

export const GIB = 1_073_741_824;
const DAY_MS = 86_400_000;

/** Bytes as GiB (a number for charts); null stays null. */
export function gib(bytes: number | null | undefined): number | null {
  return bytes === null || bytes === undefined ? null : bytes / GIB;
}

/** Bytes as "708.3 GiB": 2 decimals under 10 GiB, else 1, none for a whole number of GiB (a limit: "1,536 GiB"; its cutoff line: "1,535.5 GiB"); "—" for null. Digit grouping per `locale`. */
export function formatGiB(bytes: number | null | undefined, locale: string = "en-US"): string {
  const g = gib(bytes);
  if (g === null || !Number.isFinite(g)) return "—";
  const a = Math.abs(g);
  const digits = Number.isInteger(g) ? 0 : a < 10 ? 2 : 1;
  return `${g.toLocaleString(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits })} GiB`;
}

/** A percentage as "46.1%" (one decimal under 100, none from 100 on); "—" for null. */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "—";
  return p >= 100 ? `${Math.round(p)}%` : `${(Math.floor(p * 10) / 10).toFixed(1)}%`;
}

/** An ISO time as "2026-12-01 00:00 UTC" (or the day only); "—" for null. Billing cycles are defined in UTC, so their bounds stay in UTC. */
export function formatUtc(isoTime: string | null | undefined, opts: { dayOnly?: boolean } = {}): string {
  if (!isoTime) return "—";
  const d = new Date(isoTime);
  if (Number.isNaN(d.getTime())) return "—";
  const s = d.toISOString();
  return opts.dayOnly ? s.slice(0, 10) : `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

/** How far `isoTime` is from `nowMs`, as parts the component words ("in 3 d 4 h", "2 d ago"): `unit` says which parts to show. */
export type Relative = { future: boolean; unit: "dh" | "d" | "h" | "m"; d: number; h: number; m: number };
export function relativeParts(isoTime: string, nowMs: number): Relative {
  const ms = new Date(isoTime).getTime() - nowMs;
  const a = Math.abs(ms);
  const d = Math.floor(a / DAY_MS);
  const h = Math.floor((a % DAY_MS) / 3_600_000);
  const m = Math.floor((a % 3_600_000) / 60_000);
  const unit = d > 0 ? (h ? "dh" : "d") : h > 0 ? "h" : "m";
  return { future: ms >= 0, unit, d, h, m: Math.max(1, m) };
}

/** A rate in bytes per second as GiB a day, the number only ("12.3"; the component adds the unit). */
export function rateGiBPerDay(bytesPerSec: number, locale: string = "en-US"): string {
  if (!(bytesPerSec > 0)) return "0";
  return formatGiB(bytesPerSec * 86_400, locale).replace(" GiB", "");
}

export const STATE_VARIANT: Record<GaugeViewState, "success" | "warning" | "destructive" | "secondary" | "outline" | "info"> = {
  ok: "success",
  warning: "warning",
  cut: "destructive",
  "metering-off": "outline",
  unlimited: "info",
  unknown: "secondary",
};

/** The billing mode as the sidecar combines the directions: the catalog's mode.* key, null for none. */
export function modeKey(mode: string | null | undefined): "sum" | "max" | null {
  return mode === "sum" ? "sum" : mode === "max" ? "max" : null;
}

/** The projected cut as a catalog key (projection.*) and, when projected, its time. */
export type ProjectionKey = "projected" | "cut" | "resetsFirst" | "noTraffic" | "noLine" | "insufficient";
export function projectionKey(p: ProjectionView): { key: ProjectionKey; cutAt: string | null } {
  switch (p.status) {
    case "projected":
      return { key: "projected", cutAt: p.cutAt };
    case "cut":
      return { key: "cut", cutAt: null };
    case "resets-first":
      return { key: "resetsFirst", cutAt: null };
    case "no-traffic":
      return { key: "noTraffic", cutAt: null };
    case "no-line":
      return { key: "noLine", cutAt: null };
    default:
      return { key: "insufficient", cutAt: null };
  }
}

/** The integrity annotation kinds with a short chart label in the catalog (annotation.*; lib/metering/integrity ANNOTATION_KINDS). */
export const ANNOTATION_KINDS = ["nic-reset", "implausible-jump", "nic-changed", "stale-cycle-counters", "duplicate", "report-retried", "reporter-failing", "used-regressed", "cycle-reset"] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];
export const isAnnotationKind = (kind: string): kind is AnnotationKind => (ANNOTATION_KINDS as readonly string[]).includes(kind);

