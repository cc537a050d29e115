// The domain's error type, below both lib/ and the web layer: a lib function
// throws it for an expected failure the user must see (after redaction), and the
// action wrapper (lib/actions/safe-action) maps it to a typed result.

export type FailureCode = "not_found" | "conflict" | "busy" | "failed";

/** An expected failure a lib function reports to the user (shown as-is, after redaction). */
export class ActionFailure extends Error {
  constructor(
    public readonly code: FailureCode,
    message: string,
  ) {
    super(message);
    this.name = "ActionFailure";
  }
}
