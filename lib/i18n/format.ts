import { DEFAULT_LOCALE, type Locale } from "./locales";

// Locale formatting for the whole console: dates and times in the viewer's time zone (with the
// UTC time for a hover title), numbers with the locale's digit grouping, byte sizes in 1024-based
// units. Pure functions (client and server); components/i18n/time.tsx and the hooks bind them
// to the request's locale and zone. Node output, commands and log lines are never passed
// through these: they stay verbatim.

/**
 * The zone used when the viewer's is not known: on the server (server components, the first
 * render of a client component before hydration). The fleet runs on Asia/Singapore, so that is
 * the server's default; in the browser, times switch to the browser's own zone.
 */
export const SERVER_TIME_ZONE = "Asia/Singapore";

export type DateInput = Date | string | number | null | undefined;

/** A Date for a Date, an ISO string or epoch milliseconds; null for nothing or an invalid value. */
export function toDate(value: DateInput): Date | null {
  if (value === null || value === undefined || value === "") return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export type DateTimeStyle = "datetime" | "seconds" | "date" | "time";
export type DateTimeOptions = {
  locale?: Locale | string;
  timeZone?: string;
  /** datetime (default): date + hours:minutes; seconds: with seconds; date; time (with seconds) */
  style?: DateTimeStyle;
  /** append the zone ("GMT+8"); default true for the styles that show a time */
  zone?: boolean;
};

const STYLE: Record<DateTimeStyle, Intl.DateTimeFormatOptions> = {
  datetime: { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
  seconds: { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" },
  date: { year: "numeric", month: "short", day: "numeric" },
  time: { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" },
};

const cache = new Map<string, Intl.DateTimeFormat>();
function dtf(locale: string, timeZone: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const k = `${locale}|${timeZone}|${JSON.stringify(opts)}`;
  let f = cache.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...opts, timeZone });
    cache.set(k, f);
  }
  return f;
}

/** The zone's short name at that instant in that locale ("GMT+8", "UTC", "CET"…). */
export function zoneName(d: Date, timeZone: string, locale: string = DEFAULT_LOCALE): string {
  return dtf(locale, timeZone, { timeZoneName: "short" }).formatToParts(d).find((p) => p.type === "timeZoneName")?.value ?? timeZone;
}

/** A date/time for people, in the locale and zone: "Mar 4, 2025, 13:06 GMT+8" / "2025年3月4日 13:06 GMT+8". "—" for nothing. */
export function formatDateTime(value: DateInput, opts: DateTimeOptions = {}): string {
  const d = toDate(value);
  if (!d) return "—";
  const locale = opts.locale ?? DEFAULT_LOCALE;
  const timeZone = opts.timeZone ?? SERVER_TIME_ZONE;
  const style = opts.style ?? "datetime";
  const text = dtf(locale, timeZone, STYLE[style]).format(d);
  const zone = opts.zone ?? style !== "date";
  return zone ? `${text} ${zoneName(d, timeZone, locale)}` : text;
}

/** The UTC time, locale-independent, for a hover title and for copying: "2025-03-04 05:06:07 UTC". */
export function formatUtc(value: DateInput): string {
  const d = toDate(value);
  return d ? `${d.toISOString().replace("T", " ").slice(0, 19)} UTC` : "—";
}

/**
 * Drop-in for the console's `when(d)` helpers (which printed `toISOString()` as
 * "YYYY-MM-DD HH:mm:ss" in UTC): the same input (a Date, an ISO string or epoch ms; null → "—"),
 * now in the locale and the viewer's zone. Pair it with formatUtc for the title, or use <Time>.
 */
export function when(value: DateInput, opts: DateTimeOptions = {}): string {
  return formatDateTime(value, { style: "seconds", ...opts });
}

/** A number with the locale's digit grouping ("1,234,567.5"). "—" for null or a non-finite value. */
export function formatNumber(value: number | bigint | null | undefined, locale: Locale | string = DEFAULT_LOCALE, opts: Intl.NumberFormatOptions = {}): string {
  if (value === null || value === undefined || (typeof value === "number" && !Number.isFinite(value))) return "—";
  return new Intl.NumberFormat(locale, opts).format(value);
}

export const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;
export type ByteUnit = (typeof BYTE_UNITS)[number];

/**
 * A byte size in 1024-based units with the locale's grouping: 1536 → "1.5 KiB", 5·2^30 → "5 GiB".
 * `digits` = fraction digits (default 1; bytes are always whole); `fixed` keeps trailing zeros
 * (for table columns); `unit` forces one unit (e.g. "GiB" for a column of quotas).
 */
export function formatBytes(bytes: number | bigint | null | undefined, locale: Locale | string = DEFAULT_LOCALE, opts: { digits?: number; fixed?: boolean; unit?: ByteUnit } = {}): string {
  if (bytes === null || bytes === undefined) return "—";
  const n = typeof bytes === "bigint" ? Number(bytes) : bytes;
  if (!Number.isFinite(n)) return "—";
  let i = opts.unit ? BYTE_UNITS.indexOf(opts.unit) : 0;
  if (!opts.unit) while (i < BYTE_UNITS.length - 1 && Math.abs(n) >= 1024 ** (i + 1)) i++;
  const v = n / 1024 ** i;
  const digits = i === 0 ? 0 : (opts.digits ?? 1);
  const text = new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: opts.fixed ? digits : 0 }).format(v);
  return `${text} ${BYTE_UNITS[i]}`;
}

/** The browser's own zone (client only; on the server this is the server process's zone). */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || SERVER_TIME_ZONE;
  } catch {
    return SERVER_TIME_ZONE;
  }
}

/** Formatters bound to one locale and zone (see the hooks in components/i18n and lib/i18n/server.ts). */
export function formattersFor(locale: Locale | string, timeZone: string) {
  return {
    locale,
    timeZone,
    dateTime: (v: DateInput, o: Omit<DateTimeOptions, "locale" | "timeZone"> = {}) => formatDateTime(v, { ...o, locale, timeZone }),
    when: (v: DateInput, o: Omit<DateTimeOptions, "locale" | "timeZone"> = {}) => when(v, { ...o, locale, timeZone }),
    utc: formatUtc,
    number: (v: number | bigint | null | undefined, o?: Intl.NumberFormatOptions) => formatNumber(v, locale, o),
    bytes: (v: number | bigint | null | undefined, o?: Parameters<typeof formatBytes>[2]) => formatBytes(v, locale, o),
  };
}
export type Formatters = ReturnType<typeof formattersFor>;
