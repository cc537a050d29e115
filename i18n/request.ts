import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { getSessionUser } from "@/lib/auth/session";
import { LOCALE_COOKIE, pickLocale, type Locale } from "@/lib/i18n/locales";
import { userLocale } from "@/lib/i18n/preference";
import { SERVER_TIME_ZONE } from "@/lib/i18n/format";
import { en, zhCN, type Messages } from "@/messages";

// next-intl without locale routing: URLs stay as they are and the language comes from the
// request. Order: the signed-in user's saved choice, else the k2ops-locale cookie, else the
// browser's Accept-Language (zh* → zh-CN, else en).

const MESSAGES: Record<Locale, Messages> = { en, "zh-CN": zhCN };

async function savedLocale(): Promise<Locale | null> {
  try {
    const user = await getSessionUser();
    return user ? await userLocale(user.id) : null;
  } catch {
    // no session or no database (e.g. while it starts): the cookie and the browser decide
    return null;
  }
}

export default getRequestConfig(async () => {
  const [jar, hdrs, saved] = await Promise.all([cookies(), headers(), savedLocale()]);
  const locale = pickLocale({ saved, cookie: jar.get(LOCALE_COOKIE)?.value, acceptLanguage: hdrs.get("accept-language") });
  return {
    locale,
    messages: MESSAGES[locale],
    // server-rendered times: the fleet's zone (Asia/Singapore); <Time> uses the browser's zone on the client
    timeZone: SERVER_TIME_ZONE,
  };
});
