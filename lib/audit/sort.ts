// How the audit log's table may be sorted (?sort=&dir=), without the database: the table (a
// client component) imports it. "at" newest first is the default; every order ends with the
// time and id, so a page boundary never splits rows of equal keys differently between loads.

export const AUDIT_SORTS = ["at", "actor", "action", "target", "outcome"] as const;
export type AuditSort = (typeof AUDIT_SORTS)[number];
export const SORT_DIRS = ["asc", "desc"] as const;
export type SortDir = (typeof SORT_DIRS)[number];
/** the direction a column sorts in when first chosen: newest first, names A→Z */
export const AUDIT_FIRST_DIR: Record<AuditSort, SortDir> = { at: "desc", actor: "asc", action: "asc", target: "asc", outcome: "asc" };
