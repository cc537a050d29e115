import { getLocale } from "next-intl/server";
import { formattersFor, SERVER_TIME_ZONE, type Formatters } from "./format";
import { DEFAULT_LOCALE, isLocale, type Locale } from "./locales";

/**
 * For server components: the formatters in the request's language. Times are in Asia/Singapore
 * (the fleet's zone; the server does not know the viewer's): prefer <Time> from components/i18n,
 * which switches to the browser's zone once it runs there.
 */
export async function getFormatters(): Promise<Formatters> {
  return formattersFor(await getLocale(), SERVER_TIME_ZONE);
}

/** For server components: the request's language as one of ours (en when next-intl says another). */
export async function pageLocale(): Promise<Locale> {
  const l = await getLocale();
  return isLocale(l) ? l : DEFAULT_LOCALE;
}
