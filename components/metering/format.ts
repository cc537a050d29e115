import type { GaugeViewState, ProjectionView } from "@/lib/metering/view";

// Display of metering figures, pure (unit-tested in format.test.ts). Inputs are
// BYTES (numbers) and ISO-8601 UTC strings as lib/metering/view gives them; the
// sidecar's "GB" is GiB (2^30 bytes), so sizes are shown in GiB.

export const GIB = 1_073_741_824;
const DAY_MS = 86_400_000;

/** Bytes as GiB (a number for charts); null stays null. */
export function gib(bytes: number | null | undefined): number | null {
  return bytes === null || bytes === undefined ? null : bytes / GIB;
}

/** Bytes as "708.3 GiB": 2 decimals under 10 GiB, else 1, none for a whole number of GiB (a limit: "1,536 GiB"; its cutoff line: "1,535.5 GiB"); "—" for null. */
export function formatGiB(bytes: number | null | undefined): string {
  const g = gib(bytes);
  if (g === null || !Number.isFinite(g)) return "—";
  const a = Math.abs(g);
  const digits = Number.isInteger(g) ? 0 : a < 10 ? 2 : 1;
  return `${g.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })} GiB`;
}

/** A percentage as "46.1%" (one decimal under 100, none from 100 on); "—" for null. */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "—";
  return p >= 100 ? `${Math.round(p)}%` : `${(Math.floor(p * 10) / 10).toFixed(1)}%`;
}

/** An ISO time as "2026-12-01 00:00 UTC" (or the day only); "—" for null. */
export function formatUtc(isoTime: string | null | undefined, opts: { dayOnly?: boolean } = {}): string {
  if (!isoTime) return "—";
  const d = new Date(isoTime);
  if (Number.isNaN(d.getTime())) return "—";
  const s = d.toISOString();
  return opts.dayOnly ? s.slice(0, 10) : `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

/** How far `isoTime` is from `nowMs`: "in 3 d 4 h", "in 5 h", "in 12 min", "2 d ago". */
export function formatRelative(isoTime: string, nowMs: number): string {
  const ms = new Date(isoTime).getTime() - nowMs;
  const a = Math.abs(ms);
  const d = Math.floor(a / DAY_MS);
  const h = Math.floor((a % DAY_MS) / 3_600_000);
  const m = Math.floor((a % 3_600_000) / 60_000);
  const text = d > 0 ? `${d} d${h ? ` ${h} h` : ""}` : h > 0 ? `${h} h` : `${Math.max(1, m)} min`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** A rate in bytes per second as GiB a day ("12.3 GiB/day"). */
export function formatRate(bytesPerSec: number): string {
  if (!(bytesPerSec > 0)) return "0 GiB/day";
  return `${formatGiB(bytesPerSec * 86_400).replace(" GiB", "")} GiB/day`;
}

export const STATE_LABEL: Record<GaugeViewState, string> = {
  ok: "ok",
  warning: "warning",
  cut: "cut",
  "metering-off": "uncapped",
  unlimited: "unlimited",
  unknown: "not read",
};

/** One sentence per state, for titles and the legend. */
export const STATE_HELP: Record<GaugeViewState, string> = {
  ok: "metered, below the warning threshold",
  warning: "metered, at or over the warning threshold",
  cut: "k2s paused: used reached the cutoff line (limit − 500 MiB)",
  "metering-off": "metering off (no billing date): the node runs uncapped",
  unlimited: "metered with limit 0: never cut",
  unknown: "the node's meter has not been read yet",
};

export const STATE_VARIANT: Record<GaugeViewState, "success" | "warning" | "destructive" | "secondary" | "outline" | "info"> = {
  ok: "success",
  warning: "warning",
  cut: "destructive",
  "metering-off": "outline",
  unlimited: "info",
  unknown: "secondary",
};

/** The billing mode as the sidecar combines the directions. */
export function modeLabel(mode: string | null | undefined): string {
  return mode === "sum" ? "rx + tx (sum)" : mode === "max" ? "max(rx, tx)" : "—";
}

/** The projected cut in words: "2026-12-14 03:00 UTC (in 13 d 3 h)", "resets first", ... */
export function projectionText(p: ProjectionView, nowMs: number): string {
  switch (p.status) {
    case "projected":
      return `${formatUtc(p.cutAt)} (${formatRelative(p.cutAt!, nowMs)})`;
    case "cut":
      return "cut now";
    case "resets-first":
      return "not this cycle (resets first)";
    case "no-traffic":
      return "no traffic";
    case "no-line":
      return "never (no limit)";
    default:
      return "not enough data";
  }
}

/** Short chart labels of the integrity annotations (lib/metering/integrity ANNOTATION_KINDS). */
export const ANNOTATION_LABEL: Record<string, string> = {
  "nic-reset": "reboot",
  "implausible-jump": "jump",
  "nic-changed": "NIC changed",
  "stale-cycle-counters": "stale counters",
  duplicate: "duplicate",
  "report-retried": "report retried",
  "reporter-failing": "reporter failing",
  "used-regressed": "used fell",
  "cycle-reset": "cycle reset",
};

export const annotationLabel = (kind: string) => ANNOTATION_LABEL[kind] ?? kind;
