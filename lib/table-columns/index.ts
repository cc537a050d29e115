import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { msg, schemaText } from "@/lib/text";
import { knownColumns, TABLE_COLUMNS, TABLE_IDS, type ColumnOf, type TableId } from "./ids";

export { TABLE_COLUMNS, TABLE_IDS, knownColumns, type ColumnOf, type TableId };

// Which columns of a table a user shows (issue 16), saved per account in the Setting key/value
// table so the choice follows them to every browser. Stored as the list of hidden columns; no
// row means the table's default.

/** The most hidden-column ids an action takes (twice the widest table's, so a repeat is not refused), and an id's longest. */
const MAX_HIDDEN = 40;

const hiddenIds = z.array(z.string().max(40)).max(MAX_HIDDEN, "too many columns").nullable();

/** Each of `hidden` that is not one of `table`'s hideable columns, as an issue at its index. */
function refuseUnknown(table: TableId, hidden: readonly string[] | null, ctx: z.RefinementCtx, path: (string | number)[]): void {
  const ok = TABLE_COLUMNS[table].hideable as readonly string[];
  hidden?.forEach((id, i) => {
    if (!ok.includes(id)) ctx.addIssue({ code: "custom", path: [...path, i], message: schemaText(msg`unknown column "${id.slice(0, 40)}" (one of ${ok.join(", ")})`) });
  });
}

/** The action's input: which table, and its hidden columns (null: back to the default). */
export const tableColumnsInputSchema = z
  .object({
    table: z.enum(TABLE_IDS as [TableId, ...TableId[]], { error: schemaText(msg`table must be one of ${TABLE_IDS.join(", ")}`) }),
    hidden: hiddenIds,
  })
  .superRefine((v, ctx) => refuseUnknown(v.table, v.hidden, ctx, ["hidden"]));

/** One table's action input: its hidden columns, at most 40, each one of the table's (null: back to the default). */
export function hiddenColumnsInputSchema(table: TableId) {
  return z.object({ hidden: hiddenIds }).superRefine((v, ctx) => refuseUnknown(table, v.hidden, ctx, ["hidden"]));
}

/** The fleet's key predates the other tables' (kept, so saved choices survive). */
export const columnsSettingKey = (table: TableId, userId: string) => (table === "fleet" ? `user.fleetColumns:${userId}` : `user.columns.${table}:${userId}`);

export type ColumnsChoice<T extends TableId> = { hidden: ColumnOf<T>[]; saved: boolean };

const defaultChoice = <T extends TableId>(table: T): ColumnsChoice<T> => ({ hidden: [...(TABLE_COLUMNS[table].defaultHidden as readonly ColumnOf<T>[])], saved: false });

/** the index of the first id that is not one of the table's hideable columns, or -1 */
function unknownIn(table: TableId, ids: readonly string[]): number {
  const ok = TABLE_COLUMNS[table].hideable as readonly string[];
  return ids.findIndex((id) => !ok.includes(id));
}

/** The user's saved choice for a table, or its default when they never saved one (or what is stored is not valid for the table). */
export async function userColumns<T extends TableId>(table: T, userId: string, client: Pick<Tx, "setting"> = db()): Promise<ColumnsChoice<T>> {
  const s = await client.setting.findUnique({ where: { key: columnsSettingKey(table, userId) } });
  const stored = z.object({ hidden: z.array(z.string()) }).safeParse(s?.value);
  if (!s || !stored.success || unknownIn(table, stored.data.hidden) >= 0) return defaultChoice(table);
  return { hidden: knownColumns(table, stored.data.hidden), saved: true };
}

/**
 * Saves the user's choice for a table (by them: updatedBy is their email); `hidden: null`
 * deletes it, so the default applies again. Throws an Error naming the field for an unknown
 * column id; nothing is saved then.
 */
export async function saveColumns<T extends TableId>(tx: Pick<Tx, "setting">, user: { id: string; email: string }, table: T, hidden: readonly string[] | null): Promise<ColumnsChoice<T>> {
  const key = columnsSettingKey(table, user.id);
  if (hidden === null) {
    await tx.setting.deleteMany({ where: { key } });
    return defaultChoice(table);
  }
  const bad = unknownIn(table, hidden);
  if (bad >= 0) {
    throw new Error(`Invalid hidden.${bad}: unknown column "${hidden[bad].slice(0, 40)}" (one of ${TABLE_COLUMNS[table].hideable.join(", ")}). Nothing was saved.`);
  }
  const value = { hidden: knownColumns(table, hidden) };
  await tx.setting.upsert({ where: { key }, create: { key, value, updatedBy: user.email }, update: { value, updatedBy: user.email } });
  return { hidden: value.hidden, saved: true };
}
