// The runbook k2ops implements (docs/runbook: the hub kaitu-node-ops.txt and its three
// references), split into sections an operator can link to. Every page's one-line help
// names the section it implements (PAGE_HELP); the Runbook page shows the text verbatim.
import fs from "node:fs";
import path from "node:path";
import { RUNBOOK_DOCS, type RunbookDoc } from "./docs";

export { RUNBOOK_DOCS, isRunbookDoc, type RunbookDoc } from "./docs";

/** One section: its anchor id (`s6`, `s3-1`, `part-b-per-provider-quota-index`), its heading line, its level (1 = top) and its text (verbatim). */
export type RunbookSection = { id: string; heading: string; level: number; text: string };

/** "Part B — Per-provider quota index" → "part-b-per-provider-quota-index" (letters and digits of any script kept). */
export function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * A document's text → its sections, in order. The hub (.txt) starts a section at a line
 * `§N Title` or `§N.M Title` (id `sN`, `sN-M`; the quick index's table rows, ending in `|`,
 * are not headings). A reference (.md) starts one at each `#`/`##`/`###` heading outside a
 * fenced code block (id: the heading's slug). Text before the first heading is the section
 * `intro`. Pure.
 */
export function splitRunbook(text: string, kind: "txt" | "md"): RunbookSection[] {
  const out: RunbookSection[] = [];
  let cur: RunbookSection = { id: "intro", heading: "", level: 0, text: "" };
  const lines: string[] = [];
  const flush = () => {
    cur.text = lines.join("\n").replace(/^\n+|\n+$/g, "");
    if (cur.heading || cur.text) out.push(cur);
    lines.length = 0;
  };
  let fenced = false;
  for (const line of text.split("\n")) {
    let head: { id: string; heading: string; level: number } | null = null;
    if (kind === "txt") {
      const m = /^§(\d+)(?:\.(\d+))?\s+(.+)$/.exec(line);
      if (m && !line.trimEnd().endsWith("|")) head = { id: m[2] ? `s${m[1]}-${m[2]}` : `s${m[1]}`, heading: line.trim(), level: m[2] ? 2 : 1 };
    } else {
      if (/^\s*```/.test(line)) fenced = !fenced;
      const m = fenced ? null : /^(#{1,3})\s+(.+)$/.exec(line);
      if (m) head = { id: slug(m[2]), heading: m[2].trim(), level: m[1].length };
    }
    if (head) {
      flush();
      cur = { ...head, text: "" };
    } else lines.push(line);
  }
  flush();
  // a repeated heading keeps a unique anchor
  const seen = new Map<string, number>();
  for (const s of out) {
    const n = seen.get(s.id) ?? 0;
    seen.set(s.id, n + 1);
    if (n) s.id = `${s.id}-${n + 1}`;
  }
  return out;
}

const DIR = path.join(process.cwd(), "docs", "runbook");

/**
 * The sections of one runbook document, read from docs/runbook (the console runs from the
 * repository's root). Throws when the file is missing: the runbook ships with k2ops.
 */
export function readRunbook(doc: RunbookDoc): RunbookSection[] {
  const { file } = RUNBOOK_DOCS[doc];
  return splitRunbook(fs.readFileSync(path.join(DIR, file), "utf8"), file.endsWith(".md") ? "md" : "txt");
}

export { PAGE_HELP, runbookHref, runbookLabel, runbookPath, type HelpPage, type RunbookRef } from "./refs";
