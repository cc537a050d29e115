"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { fleetColumnsInputSchema, saveFleetColumns } from "@/lib/fleet/columns";

// Every role chooses the fleet table's columns for itself (saved on the account, audited like
// every change); `hidden: null` goes back to the default. The page reads it on the next load.
export const saveFleetColumnsAction = defineAction({
  name: "fleet.columns.save",
  role: "viewer",
  input: fleetColumnsInputSchema,
  target: () => ({ type: "fleet", id: "columns" }),
  run: async (input, ctx) => ctx.commit((tx) => saveFleetColumns(tx, ctx.user, input), (r) => r),
});
