// A sentence lib/ says to a person (an error, a refusal, a field's reason), in English with its
// message id, so the action layer can say it in the reader's language (gettext style: the id IS
// the English template, with {0}, {1}… where the values go). Values are data shown verbatim
// (names, IPs, node output) or another such sentence, said in the same language.
// Domain code: no next-intl here; lib/i18n/server-text translates.

/** An English sentence: `id` the template ({0}, {1}… for `values`), `text` the filled-in English. */
export type Text = { readonly id: string; readonly values: readonly (string | Text)[]; readonly text: string };

function isText(v: unknown): v is Text {
  return typeof v === "object" && v !== null && typeof (v as Text).id === "string" && typeof (v as Text).text === "string" && Array.isArray((v as Text).values);
}

/**
 * Tag for a translatable sentence: msg`Node ${name} is busy` → { id: "Node {0} is busy",
 * values: [name], text: "Node edge-1 is busy" }. A value that is itself a msg`…` stays a
 * sentence (translated too); anything else becomes its string, shown verbatim.
 */
export function msg(strings: TemplateStringsArray, ...values: unknown[]): Text {
  let id = strings[0];
  let text = strings[0];
  const vals: (string | Text)[] = [];
  values.forEach((v, i) => {
    const value = isText(v) ? v : String(v);
    id += `{${i}}` + strings[i + 1];
    text += (typeof value === "string" ? value : value.text) + strings[i + 1];
    vals.push(value);
  });
  return { id, values: vals, text };
}

/** A plain string as a sentence whose id is itself (a message without values). */
export function textOf(s: string | Text): Text {
  return typeof s === "string" ? { id: s, values: [], text: s } : s;
}

export { isText };

// A list is a sentence of its own kind: its id names the separator, its values are the items.
const LIST_ID = "{list}";

/**
 * Several items said one after another, each in the reader's language (a sentence translated,
 * data verbatim), joined by `sep` ("; " or ", ", said as the language writes it):
 * msg`the verification failed: ${listOf(problems)}`.
 */
export function listOf(items: readonly (string | Text)[], sep: "; " | ", " = "; "): Text {
  return { id: `${LIST_ID}${sep}`, values: [...items], text: items.map((i) => (typeof i === "string" ? i : i.text)).join(sep) };
}

/** The separator of a list made by listOf, or null for any other sentence. */
export function listSeparator(t: Text): "; " | ", " | null {
  if (!t.id.startsWith(LIST_ID)) return null;
  const sep = t.id.slice(LIST_ID.length);
  return sep === "; " || sep === ", " ? sep : null;
}

// zod takes a message as a string: the sentence behind each such string is remembered (the last
// 2,000, as a schema's messages are few and an input-dependent one must not grow without end).
const SCHEMA_TEXTS = new Map<string, Text>();
const SCHEMA_TEXTS_MAX = 2000;

/**
 * A schema's message with values, as zod wants it (a string), still translatable:
 * `.max(MAX, schemaText(msg`at most ${MAX} columns`))`. lib/i18n/server-text says it by its sentence.
 */
export function schemaText(t: Text): string {
  SCHEMA_TEXTS.delete(t.text);
  SCHEMA_TEXTS.set(t.text, t);
  if (SCHEMA_TEXTS.size > SCHEMA_TEXTS_MAX) SCHEMA_TEXTS.delete(SCHEMA_TEXTS.keys().next().value as string);
  return t.text;
}

/** The sentence behind a schema message made by schemaText, if this process made it. */
export function sentenceOfSchemaText(s: string): Text | undefined {
  return SCHEMA_TEXTS.get(s);
}

/** T as a page receives it from an action: every sentence (Text) in it said as a string. */
export type Spoken<T> = T extends Text
  ? string
  : T extends Date | Uint8Array | Map<unknown, unknown> | Set<unknown> | bigint | ((...args: never[]) => unknown)
    ? T
    : T extends readonly (infer U)[]
      ? Spoken<U>[]
      : T extends object
        ? { [K in keyof T]: Spoken<T[K]> }
        : T;
