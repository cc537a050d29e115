// The console's languages. Client-safe (no server imports): the language switch and the
// formatting helpers use it in the browser too.

export const LOCALES = ["en", "zh-CN"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** The browser's remembered choice (also set for a signed-in user, so the sign-in page keeps it after sign-out). */
export const LOCALE_COOKIE = "k2ops-locale";
export const LOCALE_COOKIE_MAX_AGE = 60 * 60 * 24 * 365;

export function isLocale(v: unknown): v is Locale {
  return typeof v === "string" && (LOCALES as readonly string[]).includes(v);
}

/**
 * The best of our locales for an Accept-Language header: languages are taken in the browser's
 * order of preference (q), the first Chinese (zh, zh-TW, zh-Hans…) gives zh-CN, the first
 * English gives en; anything else, or nothing, gives en.
 */
export function localeFromAcceptLanguage(header: string | null | undefined): Locale {
  if (!header) return DEFAULT_LOCALE;
  const ranked = header
    .split(",")
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const weight = q ? Number(q.slice(2)) : 1;
      return { tag: tag.trim().toLowerCase(), q: Number.isFinite(weight) ? weight : 0, i };
    })
    .filter((l) => l.tag && l.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag === "zh" || tag.startsWith("zh-")) return "zh-CN";
    if (tag === "en" || tag.startsWith("en-")) return "en";
  }
  return DEFAULT_LOCALE;
}

/** Which language a request gets: the signed-in user's saved choice, else the cookie, else the browser's. */
export function pickLocale(src: { saved?: unknown; cookie?: unknown; acceptLanguage?: string | null }): Locale {
  if (isLocale(src.saved)) return src.saved;
  if (isLocale(src.cookie)) return src.cookie;
  return localeFromAcceptLanguage(src.acceptLanguage);
}
