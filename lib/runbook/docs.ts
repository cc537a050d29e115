/** The runbook's documents: the hub and the references it points to. */
export const RUNBOOK_DOCS = {
  ops: { file: "kaitu-node-ops.txt", title: "Kaitu Node Operations" },
  metering: { file: "metering.md", title: "Traffic metering + quota cutoff" },
  provisioning: { file: "provisioning.md", title: "Provisioning a NEW private node" },
  "device-logs": { file: "device-logs.md", title: "Device-log triage & DIAG analysis" },
} as const;
export type RunbookDoc = keyof typeof RUNBOOK_DOCS;

export const isRunbookDoc = (v: string): v is RunbookDoc => Object.hasOwn(RUNBOOK_DOCS, v);
