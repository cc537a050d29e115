import type { Tx } from "@/lib/db";
import { columnsSettingKey, hiddenColumnsInputSchema, saveColumns, userColumns, type ColumnsChoice } from "@/lib/table-columns";
import { DEFAULT_HIDDEN_FLEET_COLUMNS, FLEET_HIDEABLE_COLUMNS, type FleetColumnId } from "./column-ids";

export { DEFAULT_HIDDEN_FLEET_COLUMNS, FLEET_HIDEABLE_COLUMNS, type FleetColumnId };

// The fleet table's column choice (issue 16): lib/table-columns for the table "fleet". The
// selection column and Name are always shown and are not part of the choice. The default
// hides what does not fit a 1280 px screen beside the navigation.

/** the action's input: the hidden columns (at most 40, each a fleet column), or null to go back to the default */
export const fleetColumnsInputSchema = hiddenColumnsInputSchema("fleet");

export const fleetColumnsSettingKey = (userId: string) => columnsSettingKey("fleet", userId);

export type FleetColumnsChoice = ColumnsChoice<"fleet">;

/** The user's saved choice, or the default when they never saved one (or what is stored is not a valid choice). */
export function userFleetColumns(userId: string, client?: Pick<Tx, "setting">): Promise<FleetColumnsChoice> {
  return userColumns("fleet", userId, client);
}

/**
 * Saves the user's choice (by them: updatedBy is their email); `hidden: null` deletes it, so
 * the default applies again. An unknown column id is refused with an error naming the field.
 */
export function saveFleetColumns(tx: Pick<Tx, "setting">, user: { id: string; email: string }, input: { hidden: readonly string[] | null }): Promise<FleetColumnsChoice> {
  return saveColumns(tx, user, "fleet", input.hidden);
}
