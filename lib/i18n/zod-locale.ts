import { en as zodEn, zhCN as zodZhCN } from "zod/locales";
import type { Locale } from "./locales";

// zod's own reasons (too short, not a number…) in a reader's language, from zod's maintained
// locales; a schema's own messages take precedence in zod and go through lib/i18n/server-text.

const ERRORS = { en: zodEn().localeError, "zh-CN": zodZhCN().localeError } as const;

/** The per-parse error map for `locale` (pass as `schema.safeParse(v, { error })`). */
export function zodIssueLocale(locale: Locale) {
  return ERRORS[locale];
}
