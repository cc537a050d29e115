"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { saveColumns, tableColumnsInputSchema } from "@/lib/table-columns";

// Every role chooses the columns of the jobs, audit and metering tables for itself (saved on the account,
// audited like every change); `hidden: null` goes back to the table's default.
export const saveTableColumnsAction = defineAction({
  name: "table.columns.save",
  role: "viewer",
  input: tableColumnsInputSchema,
  target: (input) => ({ type: "table", id: input.table }),
  run: async (input, ctx) => ctx.commit((tx) => saveColumns(tx, ctx.user, input.table, input.hidden), (r) => r),
});
