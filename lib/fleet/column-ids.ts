// The fleet table's column choice, without the database (the table, a client component, imports it).

/** The fleet table's columns a user may hide, in table order (ids = the table's column ids). */
export const FLEET_HIDEABLE_COLUMNS = ["region", "ipv4", "class", "arch", "version", "activity", "status", "sidecar", "quota", "lastop"] as const;
export type FleetColumnId = (typeof FLEET_HIDEABLE_COLUMNS)[number];

/**
 * Hidden unless the user shows them: with these hidden the table's minimum width (58.5 rem)
 * fits a 1280 px window beside the 12 rem navigation, both scroll bars included, while Name,
 * IPv4, Verification, Quota and Last operation stay in view.
 */
export const DEFAULT_HIDDEN_FLEET_COLUMNS: readonly FleetColumnId[] = ["class", "arch", "sidecar"];
