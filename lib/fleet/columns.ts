import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { DEFAULT_HIDDEN_FLEET_COLUMNS, FLEET_HIDEABLE_COLUMNS, type FleetColumnId } from "./column-ids";

export { DEFAULT_HIDDEN_FLEET_COLUMNS, FLEET_HIDEABLE_COLUMNS, type FleetColumnId };

// Which columns of the fleet table a user shows (issue 16), saved per account in the Setting
// key/value table so the choice follows them to every browser. The selection column and Name
// are always shown and are not part of the choice. Stored as the list of hidden columns; no row
// means the default (what fits a 1280 px screen beside the navigation).

const isColumn = (v: unknown): v is FleetColumnId => typeof v === "string" && (FLEET_HIDEABLE_COLUMNS as readonly string[]).includes(v);

export const fleetColumnsSchema = z.object({
  hidden: z
    .array(z.string().refine(isColumn, { error: (iss) => `unknown column "${String(iss.input).slice(0, 40)}" (one of ${FLEET_HIDEABLE_COLUMNS.join(", ")})` }))
    .max(FLEET_HIDEABLE_COLUMNS.length * 2, "too many columns"),
});
/** the action's input: the hidden columns, or null to go back to the default */
export const fleetColumnsInputSchema = z.object({ hidden: fleetColumnsSchema.shape.hidden.nullable() });

export const fleetColumnsSettingKey = (userId: string) => `user.fleetColumns:${userId}`;

export type FleetColumnsChoice = { hidden: FleetColumnId[]; saved: boolean };

const defaultChoice = (): FleetColumnsChoice => ({ hidden: [...DEFAULT_HIDDEN_FLEET_COLUMNS], saved: false });

/** The user's saved choice, or the default when they never saved one (or what is stored is not a valid choice). */
export async function userFleetColumns(userId: string, client: Pick<Tx, "setting"> = db()): Promise<FleetColumnsChoice> {
  const s = await client.setting.findUnique({ where: { key: fleetColumnsSettingKey(userId) } });
  if (!s) return defaultChoice();
  const parsed = fleetColumnsSchema.safeParse(s.value);
  if (!parsed.success) return defaultChoice();
  return { hidden: dedupe(parsed.data.hidden as FleetColumnId[]), saved: true };
}

function dedupe(ids: FleetColumnId[]): FleetColumnId[] {
  return FLEET_HIDEABLE_COLUMNS.filter((c) => ids.includes(c));
}

/**
 * Saves the user's choice (by them: updatedBy is their email); `hidden: null` deletes it, so
 * the default applies again. An unknown column id is refused with an error naming the field.
 */
export async function saveFleetColumns(tx: Pick<Tx, "setting">, user: { id: string; email: string }, input: { hidden: readonly string[] | null }): Promise<FleetColumnsChoice> {
  const key = fleetColumnsSettingKey(user.id);
  if (input.hidden === null) {
    await tx.setting.deleteMany({ where: { key } });
    return defaultChoice();
  }
  const parsed = fleetColumnsSchema.safeParse({ hidden: input.hidden });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid ${issue.path.join(".") || "hidden"}: ${issue.message}. Nothing was saved.`);
  }
  const hidden = dedupe(parsed.data.hidden as FleetColumnId[]);
  const value = { hidden };
  await tx.setting.upsert({ where: { key }, create: { key, value, updatedBy: user.email }, update: { value, updatedBy: user.email } });
  return { hidden, saved: true };
}
