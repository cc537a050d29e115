// The domain's error type, below both lib/ and the web layer: a lib function
// throws it for an expected failure the user must see (after redaction), and the
// action wrapper (lib/actions/safe-action) maps it to a typed result, said in the
// user's language when the sentence is a msg`…` (lib/text) with a translation.

import { isText, textOf, type Text } from "@/lib/text";

export type FailureCode = "not_found" | "conflict" | "busy" | "failed";

/** An expected failure a lib function reports to the user (shown as-is, after redaction). */
export class ActionFailure extends Error {
  /** The sentence with its message id; `message` is its English text (logs, the audit log). */
  public readonly text: Text;
  constructor(
    public readonly code: FailureCode,
    message: string | Text,
  ) {
    const text = textOf(message);
    super(text.text);
    this.text = text;
    this.name = "ActionFailure";
  }
}

/**
 * Makes `x instanceof Class` hold for an instance of ANY copy of Class, and only for those (and
 * its subclasses'). Next.js bundles a module once per entry (instrumentation, the routes), and the
 * singletons kept on globalThis (the SSH engine, the job engine) throw the classes of whichever
 * copy created them: a plain instanceof then takes a real SshUnreachableError for an unknown error.
 * `brand` is the class's name, unique among k2ops' errors; call it once after the class.
 */
export function sameAcrossBundles(Class: abstract new (...args: never[]) => Error, brand: string): void {
  const key = Symbol.for(`k2ops.error:${brand}`);
  Object.defineProperty(Class.prototype, key, { value: true });
  Object.defineProperty(Class, Symbol.hasInstance, {
    value: (v: unknown) => typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[key] === true,
  });
}

sameAcrossBundles(ActionFailure, "ActionFailure");

/** What `e` says to a person: a k2ops error's sentence (lib/text, translatable), else its message verbatim. */
export function errorSentence(e: unknown): string | Text {
  if (typeof e === "object" && e !== null && isText((e as { text?: unknown }).text)) return (e as { text: Text }).text;
  return e instanceof Error ? e.message : String(e);
}
