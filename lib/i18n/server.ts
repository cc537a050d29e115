import { getLocale } from "next-intl/server";
import { formattersFor, SERVER_TIME_ZONE, type Formatters } from "./format";

/**
 * For server components: the formatters in the request's language. Times are in Asia/Singapore
 * (the fleet's zone; the server does not know the viewer's): prefer <Time> from components/i18n,
 * which switches to the browser's zone once it runs there.
 */
export async function getFormatters(): Promise<Formatters> {
  return formattersFor(await getLocale(), SERVER_TIME_ZONE);
}
