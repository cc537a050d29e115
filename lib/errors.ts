// The domain's error type, below both lib/ and the web layer: a lib function
// throws it for an expected failure the user must see (after redaction), and the
// action wrapper (lib/actions/safe-action) maps it to a typed result, said in the
// user's language when the sentence is a msg`…` (lib/text) with a translation.

import { textOf, type Text } from "@/lib/text";

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
