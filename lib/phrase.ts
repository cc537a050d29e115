// A sentence that lib/ builds for a page, as data the page translates: a stable `code` (a key of
// the page's catalog namespace, messages/<lang>/<ns>.json) and the `values` of its placeholders.
// The English text stays beside it in lib for what is not a page: notifications, CSV exports, the
// audit log, logs and server errors; each area's tests render every code in English and compare
// it with that text, so the two never drift. Domain code: no next-intl here.

/** A phrase's values: data shown verbatim (names, IPs, regions, reasons, errors) or numbers. */
export type PhraseValues = Record<string, string | number>;

/** A sentence as its catalog code and values (V narrows the values, e.g. strings only). */
export type Phrase<C extends string = string, V extends PhraseValues = PhraseValues> = { code: C; values: V };

/** The value of an absent placeholder: the catalog's `{x, select, __none__ {…} other {…}}` then says something else. */
export const NONE = "__none__";

/** No values: a phrase without placeholders. */
export type NoValues = Record<string, never>;

/** English by code: each entry builds lib's text from the values its catalog entry takes. */
export type PhraseBook = Record<string, (v: never) => string>;

/** Sentence `code` of `book` with `values`: lib's English `text` and the phrase the page translates. */
export function phraseOf<B extends PhraseBook, C extends keyof B & string>(book: B, code: C, values: Parameters<B[C]>[0]): { text: string; phrase: Phrase<C> } {
  return { text: (book[code] as unknown as (v: unknown) => string)(values), phrase: { code, values: values as PhraseValues } };
}
