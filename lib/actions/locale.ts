import { cookies, headers } from "next/headers";
import type { SessionUser } from "@/lib/auth/roles";
import { LOCALE_COOKIE, pickLocale, type Locale } from "@/lib/i18n/locales";
import { userLocale } from "@/lib/i18n/preference";

// The language an action's or route's answer is said in, chosen as pages choose it
// (i18n/request.ts): the user's saved choice, else the k2ops-locale cookie, else the
// browser's Accept-Language. Asked only when there is something to say (a refusal, a failure).

type LocaleResolver = (user: Pick<SessionUser, "id"> | null) => Promise<Locale>;

async function fromRequest(user: Pick<SessionUser, "id"> | null): Promise<Locale> {
  const saved = user ? await userLocale(user.id).catch(() => null) : null;
  try {
    const [jar, hdrs] = await Promise.all([cookies(), headers()]);
    return pickLocale({ saved, cookie: jar.get(LOCALE_COOKIE)?.value, acceptLanguage: hdrs.get("accept-language") });
  } catch {
    // outside a request (scripts, tests): the saved choice or English
    return pickLocale({ saved });
  }
}

let resolve: LocaleResolver = fromRequest;

/** The reader's language for the current request (en outside a request with no saved choice). */
export function requestLocale(user: Pick<SessionUser, "id"> | null): Promise<Locale> {
  return resolve(user);
}

/** Tests substitute the reader's language (null: back to the request's). */
export function _setLocaleResolver(r: LocaleResolver | null): void {
  resolve = r ?? fromRequest;
}
