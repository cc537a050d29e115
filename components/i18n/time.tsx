"use client";

import { useSyncExternalStore } from "react";
import { useLocale } from "next-intl";
import { browserTimeZone, formatDateTime, formattersFor, formatUtc, SERVER_TIME_ZONE, toDate, type DateInput, type DateTimeStyle, type Formatters } from "@/lib/i18n/format";

const subscribe = () => () => {};

/**
 * The viewer's time zone: the browser's once the page runs there; Asia/Singapore (the fleet's
 * zone, SERVER_TIME_ZONE) while rendering on the server and hydrating, so both renders agree.
 */
export function useTimeZone(): string {
  return useSyncExternalStore(subscribe, browserTimeZone, () => SERVER_TIME_ZONE);
}

/** Formatters in the page's language and the viewer's zone, for client components. */
export function useFormatters(): Formatters {
  return formattersFor(useLocale(), useTimeZone());
}

/**
 * A point in time for people: in the page's language and the viewer's time zone, with the UTC
 * time on hover (title) and in dateTime. "—" for nothing. Usable from server components too:
 * `<Time value={row.createdAt} format="seconds" />` (format: datetime | seconds | date | time).
 */
export function Time({ value, format, zone, className }: { value: DateInput; format?: DateTimeStyle; zone?: boolean; className?: string }) {
  const locale = useLocale();
  const timeZone = useTimeZone();
  const d = toDate(value);
  if (!d) return <span className={className}>—</span>;
  return (
    <time dateTime={d.toISOString()} title={formatUtc(d)} className={className}>
      {formatDateTime(d, { locale, timeZone, style: format, zone })}
    </time>
  );
}
