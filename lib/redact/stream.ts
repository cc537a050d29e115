import { StringDecoder } from "node:string_decoder";
import { knownSecretMatches, longestKnownSecret, redactText } from "./index";

// A live stream (docker logs -f) reaches k2ops in arbitrary chunks: a secret, a
// `K2_NODE_SECRET=<hex>` line or a multi-byte character can be split between two
// writes, and masking each chunk alone lets both halves through. The stream is
// therefore redacted on whole lines; a line longer than MAX_PENDING is cut, but
// never inside a known secret, and the carried tail holds at least the longest
// known secret, so a secret split across the cut is still masked whole.

const MAX_PENDING = 256 * 1024;

/** Redacts one output stream on whole lines. `push` returns what may be sent now; `end` flushes the rest. */
export class LineRedactor {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";

  /** Takes raw bytes (or text) and returns the redacted complete lines, "" while a line is still open. */
  push(chunk: Buffer | string): string {
    this.pending += typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    const nl = this.pending.lastIndexOf("\n");
    if (nl >= 0) {
      const ready = this.pending.slice(0, nl + 1);
      this.pending = this.pending.slice(nl + 1);
      return redactText(ready) + this.push("");
    }
    if (this.pending.length <= MAX_PENDING) return "";
    const cut = safeCut(this.pending, this.pending.length - Math.max(1024, longestKnownSecret() + 256));
    const ready = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    return redactText(ready);
  }

  /** The stream ended: the open line (if any), redacted. */
  end(): string {
    const rest = this.pending + this.decoder.end();
    this.pending = "";
    return rest ? redactText(rest) : "";
  }
}

/** A cut at or before `at` that falls on whitespace when it can and never inside a known secret. */
function safeCut(text: string, at: number): number {
  const ws = text.lastIndexOf(" ", at);
  let cut = ws > at / 2 ? ws + 1 : at;
  const hits = knownSecretMatches(text);
  for (let moved = true; moved; ) {
    moved = false;
    for (const m of hits) if (m.begin < cut && m.end > cut) [cut, moved] = [m.begin, true];
  }
  return Math.max(cut, 1);
}
