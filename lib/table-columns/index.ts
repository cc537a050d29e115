import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { knownColumns, TABLE_COLUMNS, TABLE_IDS, type ColumnOf, type TableId } from "./ids";

export { TABLE_COLUMNS, TABLE_IDS, knownColumns, type ColumnOf, type TableId };

// Which columns of a table a user shows (issue 16), saved per account in the Setting key/value
// table so the choice follows them to every browser. Stored as the list of hidden columns; no
// row means the table's default.

/** The action's input: which table, and its hidden columns (null: back to the default). */
export const tableColumnsInputSchema = z
  .object({
    table: z.enum(TABLE_IDS as [TableId, ...TableId[]], { error: `table must be one of ${TABLE_IDS.join(", ")}` }),
    hidden: z.array(z.string().max(40)).max(40, "too many columns").nullable(),
  })
  .superRefine((v, ctx) => {
    const ok = TABLE_COLUMNS[v.table].hideable as readonly string[];
    v.hidden?.forEach((id, i) => {
      if (!ok.includes(id)) ctx.addIssue({ code: "custom", path: ["hidden", i], message: `unknown column "${id.slice(0, 40)}" (one of ${ok.join(", ")})` });
    });
  });

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
