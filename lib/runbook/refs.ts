// Each console page and the runbook section it implements (pure: safe for any component).
import { RUNBOOK_DOCS, type RunbookDoc } from "./docs";

/** Where a page's one-line help points: a document and a section's anchor. */
export type RunbookRef = { doc: RunbookDoc; id: string };

/** Each console page and the runbook section it implements (its help line links there). */
export const PAGE_HELP = {
  fleet: { doc: "ops", id: "s5" },
  node: { doc: "ops", id: "s4" },
  operations: { doc: "ops", id: "s5" },
  rollout: { doc: "ops", id: "s5" },
  reports: { doc: "ops", id: "s3-1" },
  audit: { doc: "ops", id: "s0" },
  metering: { doc: "metering", id: "metering-architecture-facts-read-first" },
  provisioning: { doc: "provisioning", id: "step-1-claim-an-intent" },
  deviceLogs: { doc: "device-logs", id: "workflow" },
  settings: { doc: "ops", id: "s2" },
  users: { doc: "ops", id: "s0" },
  notifications: { doc: "ops", id: "s5" },
  account: { doc: "ops", id: "s0" },
} as const satisfies Record<string, RunbookRef>;
export type HelpPage = keyof typeof PAGE_HELP;

/** The Runbook page's address of a document: the hub at /runbook, a reference at /runbook/<doc>. */
export function runbookPath(doc: RunbookDoc): string {
  return doc === "ops" ? "/runbook" : `/runbook/${doc}`;
}

/** The Runbook page's address of a reference (`/runbook/metering#part-c-…`). */
export function runbookHref(ref: RunbookRef): string {
  return `${runbookPath(ref.doc)}#${ref.id}`;
}

/** A reference's short label: the hub's section number (`s3-1` → `§3.1`), else the reference's file name. */
export function runbookLabel(ref: RunbookRef): string {
  return ref.doc === "ops" ? `§${ref.id.slice(1).replace("-", ".")}` : RUNBOOK_DOCS[ref.doc].file;
}
