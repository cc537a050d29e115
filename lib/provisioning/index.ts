import type { CenterClient } from "@/lib/center/client";
import type { NodeOperation } from "@/lib/center/schemas";
import { redactText } from "@/lib/redact";
import type { WorkItemFilter } from "./filters";
import { phraseOf, type Phrase, type PhraseBook } from "@/lib/phrase";
import { workItemView, type WorkItemView } from "./work-items";

// The Provisioning page's data: Center's node operations (center-api.md §5.2),
// every action and status, filterable, newest first, as work-item views.

/** The list's sentences by catalog code, in English. */
export const LIST_PHRASES = {
  "listError.read": (v: { error: string }) => `Center's work items could not be read: ${v.error}`,
} satisfies PhraseBook;

export type WorkItemList = {
  configured: boolean;
  items: WorkItemView[];
  total: number;
  truncated: boolean;
  /** what failed, in English; `errorPhrase` the same for the page (value: Center's error, redacted) */
  error: string | null;
  errorPhrase: Phrase<keyof typeof LIST_PHRASES> | null;
  queued: number;
};

/**
 * Center's node operations matching `filter`, newest first, read 100 a page up
 * to `maxPages` (default 5: `truncated` says when there were more). Never
 * throws for Center: `error` says what failed (English; `errorPhrase` the same
 * as the page shows it: catalog code and Center's redacted error), `configured`
 * false when no Center is configured (KAITU_CENTER_URL).
 */
export async function listWorkItems(filter: WorkItemFilter, opts: { now?: Date; client?: CenterClient | null; maxPages?: number } = {}): Promise<WorkItemList> {
  const now = opts.now ?? new Date();
  let client = opts.client;
  if (client === undefined) {
    if (!process.env.KAITU_CENTER_URL) client = null;
    else client = (await import("@/lib/center/client")).centerClientFromEnv();
  }
  if (!client) return { configured: false, items: [], total: 0, truncated: false, error: null, errorPhrase: null, queued: 0 };
  const items: WorkItemView[] = [];
  let total = 0;
  try {
    const max = opts.maxPages ?? 5;
    for (let page = 1; page <= max; page++) {
      const r = await client.listNodeOperations({ action: filter.action, status: filter.status, page, pageSize: 100 }, { timeoutMs: 15_000 });
      total = r.pagination.total;
      items.push(...r.items.map((op) => workItemView(op, now)));
      if (r.items.length < 100 || items.length >= total) break;
    }
  } catch (e) {
    const { text, phrase } = phraseOf(LIST_PHRASES, "listError.read", { error: redactText(e instanceof Error ? e.message : String(e)) });
    return { configured: true, items, total, truncated: false, error: text, errorPhrase: phrase, queued: 0 };
  }
  return { configured: true, items, total, truncated: items.length < total, error: null, errorPhrase: null, queued: items.filter((i) => i.status === "queued").length };
}

/**
 * Center's work item `id` (Center has no read by id: its list of `action`,
 * newest first, 100 a page, up to `maxPages`), or null when not listed.
 * Throws what the Center client throws.
 */
export async function findWorkItem(client: CenterClient, id: number, action: string, opts: { timeoutMs?: number; maxPages?: number } = {}): Promise<NodeOperation | null> {
  for (let page = 1; page <= (opts.maxPages ?? 5); page++) {
    const r = await client.listNodeOperations({ action, page, pageSize: 100 }, { timeoutMs: opts.timeoutMs ?? 15_000 });
    const op = r.items.find((o) => o.id === id);
    if (op) return op;
    if (r.items.length < 100 || page * 100 >= r.pagination.total) return null;
  }
  return null;
}
