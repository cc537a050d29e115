"use client";

import { useMemo } from "react";
import { useLocale } from "next-intl";
import { zodResolver } from "@hookform/resolvers/zod";
import type { FieldErrors, FieldValues, Resolver } from "react-hook-form";
import type { z } from "zod";
import { isLocale, type Locale } from "@/lib/i18n/locales";
import { say } from "@/lib/i18n/server-text";
import { zodIssueLocale } from "@/lib/i18n/zod-locale";

// react-hook-form with the server's own zod schema, its reasons in the page's language: zod's own
// by zod's locale, the schema's own through the same tables the server says them with.

type IssueMap = (iss: z.core.$ZodRawIssue) => string | undefined | { message: string };

function sayErrors(errors: unknown, locale: Locale): unknown {
  if (Array.isArray(errors)) return errors.map((e) => sayErrors(e, locale));
  if (!errors || typeof errors !== "object") return errors;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(errors)) {
    // a field's error: { type, message, ref }; anything else is a nested object or array of them
    out[k] = k === "message" && typeof v === "string" ? say(v, locale) : k === "ref" ? v : sayErrors(v, locale);
  }
  return out;
}

/** A resolver whose errors are said in `locale` (pure: for tests and resolvers built outside a component). */
export function localizedResolver<I extends FieldValues, C, O>(inner: Resolver<I, C, O>, locale: Locale): Resolver<I, C, O> {
  if (locale === "en") return inner;
  return async (values, ctx, opts) => {
    const r = await inner(values, ctx, opts);
    return (Object.keys(r.errors).length ? { values: {}, errors: sayErrors(r.errors, locale) as FieldErrors } : r) as Awaited<ReturnType<Resolver<I, C, O>>>;
  };
}

/** zod's reasons in `locale`, after a form's own map (`first`) has had its say. */
export function issueMap(locale: Locale, first?: IssueMap): IssueMap {
  const own = zodIssueLocale(locale) as IssueMap;
  return (iss) => first?.(iss) ?? own(iss);
}

/** The form's resolver for `schema` in the page's language (memoised per schema and language). */
export function useZodResolver<S extends z.ZodType<FieldValues, FieldValues>>(schema: S, first?: IssueMap): Resolver<z.input<S>, unknown, z.output<S>> {
  const raw = useLocale();
  const locale: Locale = isLocale(raw) ? raw : "en";
  return useMemo(
    () => localizedResolver(zodResolver(schema as never, { error: issueMap(locale, first) } as never) as unknown as Resolver<z.input<S>, unknown, z.output<S>>, locale),
    [schema, locale, first],
  );
}
