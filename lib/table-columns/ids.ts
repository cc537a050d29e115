import { DEFAULT_HIDDEN_FLEET_COLUMNS, FLEET_HIDEABLE_COLUMNS } from "@/lib/fleet/column-ids";

// The tables whose columns a user chooses (issue 16: the fleet, jobs, audit and metering tables,
// "column visibility saved per user"), without the database: the client tables import it.
// `hideable` are the column ids (the tables' TanStack column ids) a user may hide, in table
// order; the columns that name a row (node, job, time) are always shown and not listed.

export const AUDIT_HIDEABLE_COLUMNS = ["who", "target", "outcome", "details"] as const;
export const JOB_HIDEABLE_COLUMNS = ["status", "progress", "startedBy", "created", "took"] as const;
export const METER_HIDEABLE_COLUMNS = ["gauge", "used", "figures", "state", "cut", "end", "mode", "notes"] as const;

export const TABLE_COLUMNS = {
  fleet: { hideable: FLEET_HIDEABLE_COLUMNS, defaultHidden: DEFAULT_HIDDEN_FLEET_COLUMNS },
  audit: { hideable: AUDIT_HIDEABLE_COLUMNS, defaultHidden: [] as readonly (typeof AUDIT_HIDEABLE_COLUMNS)[number][] },
  jobs: { hideable: JOB_HIDEABLE_COLUMNS, defaultHidden: [] as readonly (typeof JOB_HIDEABLE_COLUMNS)[number][] },
  metering: { hideable: METER_HIDEABLE_COLUMNS, defaultHidden: [] as readonly (typeof METER_HIDEABLE_COLUMNS)[number][] },
} as const;

export type TableId = keyof typeof TABLE_COLUMNS;
export const TABLE_IDS = Object.keys(TABLE_COLUMNS) as TableId[];
/** a column of table T that a user may hide */
export type ColumnOf<T extends TableId> = (typeof TABLE_COLUMNS)[T]["hideable"][number];

/** The table's hideable columns among `ids`, once each, in table order. */
export function knownColumns<T extends TableId>(table: T, ids: readonly string[]): ColumnOf<T>[] {
  return (TABLE_COLUMNS[table].hideable as readonly string[]).filter((c) => ids.includes(c)) as ColumnOf<T>[];
}
