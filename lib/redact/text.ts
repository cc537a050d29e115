import { redactText } from "./index";
import type { Text } from "@/lib/text";

/**
 * `t` with secrets masked: its English text as a whole (as before it was a sentence) and each of
 * its values (what a translation puts back in), so no language shows what redaction hides.
 */
export function redactedText(t: Text): Text {
  return { id: t.id, values: t.values.map((v) => (typeof v === "string" ? redactText(v) : redactedText(v))), text: redactText(t.text) };
}

/** A plain line or a sentence, with secrets masked (redactText or redactedText). */
export function redactedSentence(t: string | Text): string | Text {
  return typeof t === "string" ? redactText(t) : redactedText(t);
}
