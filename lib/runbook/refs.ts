// Each console page and the runbook section it implements (pure: safe for any component).
import type { RunbookDoc } from "./docs";

/** Where a page's one-line help points: a document, a section's anchor, and the section's short label. */
export type RunbookRef = { doc: RunbookDoc; id: string; label: string };

/** Each console page and the runbook section it implements (its help line links there). */
export const PAGE_HELP = {
  fleet: { doc: "ops", id: "s5", label: "§5" },
  node: { doc: "ops", id: "s4", label: "§4" },
  operations: { doc: "ops", id: "s5", label: "§5" },
  rollout: { doc: "ops", id: "s5", label: "§5" },
  reports: { doc: "ops", id: "s3-1", label: "§3.1" },
  audit: { doc: "ops", id: "s0", label: "§0" },
  metering: { doc: "metering", id: "metering-architecture-facts-read-first", label: "metering.md" },
  provisioning: { doc: "provisioning", id: "step-1-claim-an-intent", label: "provisioning.md" },
  deviceLogs: { doc: "device-logs", id: "workflow", label: "device-logs.md" },
  settings: { doc: "ops", id: "s2", label: "§2" },
  users: { doc: "ops", id: "s0", label: "§0" },
  notifications: { doc: "ops", id: "s5", label: "§5" },
  account: { doc: "ops", id: "s0", label: "§0" },
} as const satisfies Record<string, RunbookRef>;
export type HelpPage = keyof typeof PAGE_HELP;

/** The Runbook page's address of a reference (`/runbook/metering#part-c-…`). */
export function runbookHref(ref: RunbookRef): string {
  return `/runbook${ref.doc === "ops" ? "" : `/${ref.doc}`}#${ref.id}`;
}
