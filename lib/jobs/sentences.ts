import { Prisma } from "@/lib/db/generated/client";
import type { Locale } from "@/lib/i18n/locales";
import { say } from "@/lib/i18n/server-text";
import { redactText } from "@/lib/redact";
import { redactedText } from "@/lib/redact/text";
import { isText, type Text } from "@/lib/text";

// A node step's summary and error as a job item stores them: the English line (the audit log,
// notifications, CSV and the server log read it) and, when the step said a sentence (lib/text),
// that sentence with its values, so each reader gets it in their own language.

/**
 * The stored pair for a step's summary or error: `plain` redacted and cut to `max` characters
 * (null when there is none), `text` the redacted sentence or null (a plain string, or a sentence
 * whose English was cut: a translation would then say more than the record).
 */
export function storedSentence(s: string | Text | null | undefined, max: number): { plain: string | null; text: Text | null } {
  if (s === undefined || s === null || (typeof s === "string" && !s)) return { plain: null, text: null };
  if (!isText(s)) return { plain: redactText(s).slice(0, max), text: null };
  const text = redactedText(s);
  return text.text.length > max ? { plain: text.text.slice(0, max), text: null } : { plain: text.text, text };
}

const json = (t: Text | null) => (t ? (t as unknown as Prisma.InputJsonObject) : Prisma.DbNull);

/** A step result's summary (≤ 1,000 characters) and error (≤ 2,000) as the JobItem columns that keep them. */
export function itemSentenceColumns(res: { summary?: string | Text; error?: string | Text }) {
  const summary = storedSentence(res.summary, 1000);
  const error = storedSentence(res.error, 2000);
  return { summary: summary.plain, summaryText: json(summary.text), error: error.plain, errorText: json(error.text) };
}

/** A rollout's halt reason (or null: none) as the Job columns that keep it. */
export function haltColumns(reason: string | Text | null) {
  const r = storedSentence(reason, 1000);
  return { haltReason: r.plain, haltReasonText: json(r.text) };
}

/** A stored sentence read back from JSON: the Text, or null when the column holds none (or not a sentence). */
export function sentenceOf(json: unknown): Text | null {
  return isText(json) ? json : null;
}

/**
 * A stored line in `locale`: its sentence (a `…Text` JSON column) said when there is one, else the
 * English line as stored (which may still be one of the tables' fixed sentences, "pass": say()
 * finds it or keeps it); none (null, empty) is null.
 */
export function sayStored(plain: string | null | undefined, text: unknown, locale: Locale): string | null {
  if (!plain) return null;
  return say(sentenceOf(text) ?? plain, locale);
}

/**
 * A job item's summary and error in `locale`: the stored sentence said when there is one, else
 * the English line as stored. Shapes: { summary, error } strings or null.
 */
export function itemSentences(
  i: { summary: string | null; error: string | null; summaryText?: unknown; errorText?: unknown },
  locale: Locale,
): { summary: string | null; error: string | null } {
  return { summary: sayStored(i.summary, i.summaryText, locale), error: sayStored(i.error, i.errorText, locale) };
}
