import { isText, listSeparator, sentenceOfSchemaText, type Spoken, type Text } from "@/lib/text";
import { SERVER_TEXT } from "@/messages/server";
import type { Locale } from "./locales";

// Says lib's sentences (lib/text) in a reader's language: the English id is looked up in the
// language's table (messages/<lang>/server/*.json, gettext style: English template → translation)
// and the values are put back in, a value that is itself a sentence said the same way. A sentence
// with no translation stays English, never empty. Client-safe: forms use it for schema messages.

const PLACEHOLDER = /\{(\d+)\}/g;
// how a language writes the separators of listOf (English's own are the default)
const LIST_SEPARATORS: Partial<Record<Locale, Record<"; " | ", ", string>>> = { "zh-CN": { "; ": "；", ", ": "，" } };

/** `t` in `locale`: its translation with the values filled in, or its English text. */
export function say(t: string | Text, locale: Locale): string {
  if (locale === "en") return typeof t === "string" ? t : t.text;
  if (typeof t === "string") {
    const direct = SERVER_TEXT[locale]?.[t];
    if (direct !== undefined) return direct;
    const sentence = sentenceOfSchemaText(t);
    return sentence && sentence.id !== t ? say(sentence, locale) : t;
  }
  const sep = listSeparator(t);
  if (sep) return t.values.map((v) => (typeof v === "string" ? v : say(v, locale))).join(LIST_SEPARATORS[locale]?.[sep] ?? sep);
  const template = SERVER_TEXT[locale]?.[t.id];
  if (template === undefined) return t.text;
  return template.replace(PLACEHOLDER, (whole, n: string) => {
    const v = t.values[Number(n)];
    return v === undefined ? whole : typeof v === "string" ? v : say(v, locale);
  });
}

/** Field → reasons (a zod refusal's fieldErrors) in `locale`; reasons without a translation stay as they are. */
export function sayFieldErrors(errors: Record<string, string[]>, locale: Locale): Record<string, string[]> {
  if (locale === "en") return errors;
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, v.map((m) => say(m, locale))]));
}

/** `value` with every sentence (lib/text) in it said in `locale`: what an action's result carries to a page. */
export function speak<T>(value: T, locale: Locale, depth = 0): Spoken<T> {
  if (value === null || typeof value !== "object" || depth > 12 || value instanceof Date) return value as Spoken<T>;
  if (isText(value)) return say(value, locale) as Spoken<T>;
  if (Array.isArray(value)) return value.map((v) => speak(v, locale, depth + 1)) as Spoken<T>;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value as Spoken<T>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = speak(v, locale, depth + 1);
  return out as Spoken<T>;
}
