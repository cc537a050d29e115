// How the Operations page's job list may be sorted (?sort=&dir=), without the database: the
// list (a client component) imports it. Newest first is the default; every order ends with the
// creation time and id, so pages stay stable.

export const JOB_SORTS = ["created", "kind", "status", "startedBy"] as const;
export type JobSort = (typeof JOB_SORTS)[number];
export type JobSortDir = "asc" | "desc";
/** the direction a column sorts in when first chosen: newest first, names A→Z */
export const JOB_FIRST_DIR: Record<JobSort, JobSortDir> = { created: "desc", kind: "asc", status: "asc", startedBy: "asc" };

/** A URL's sort and dir, each ignored when it is not one of the list's. */
export function parseJobSort(sort: string | undefined, dir: string | undefined): { sort: JobSort; dir: JobSortDir } {
  const key = (JOB_SORTS as readonly string[]).includes(sort ?? "") ? (sort as JobSort) : "created";
  return { sort: key, dir: dir === "asc" || dir === "desc" ? dir : JOB_FIRST_DIR[key] };
}
