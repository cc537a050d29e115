import type { Tx } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { msg, textOf } from "@/lib/text";
import { manualNodeSchema, type ManualNodeInput } from "./schema";

// Nodes Center does not list: a machine whose sidecar never registered (a
// restart loop, a wrong secret, a broken network) is still a machine the
// operators run. An operator adds it by its IPv4; it is stored with
// source "manual" and inCenter=false, shown as "not in Center", never marked
// gone by a sync, and becomes a Center node the moment Center lists it.

// The schema is lib/fleet/schema.ts (no database import: the add-node form validates with it too).
export { manualNodeSchema, type ManualNodeInput };

export type ManualNodeResult = { ipv4: string; name: string; /** a row Center no longer lists was taken over (its history kept) */ converted: boolean };

/**
 * Adds a node Center does not list (source "manual"), inside the caller's
 * transaction (the action's audit commits with it). Refused when Center lists
 * the address (in the last sync, or `opts.centerListsIt` from a live look) and
 * when it was already added by hand. A row Center no longer lists is taken
 * over as a manual node, keeping its history.
 */
export async function addManualNode(input: ManualNodeInput, tx: Tx, opts: { centerListsIt?: boolean } = {}): Promise<ManualNodeResult> {
  const parsed = manualNodeSchema.safeParse(input);
  if (!parsed.success) throw new ActionFailure("failed", msg`Nothing was added: ${textOf(parsed.error.issues[0]?.message ?? "invalid input")}.`);
  const { ipv4, name } = parsed.data;
  const listed = msg`Center lists it: sync from Center instead, and it appears as a Center node.`;
  if (opts.centerListsIt) throw new ActionFailure("conflict", msg`${ipv4} is not added by hand: ${listed}`);
  const row = await tx.node.findUnique({ where: { ipv4 }, select: { source: true, inCenter: true, name: true } });
  if (row?.source === "manual") throw new ActionFailure("conflict", msg`${ipv4} was already added by hand.`);
  if (row?.inCenter) throw new ActionFailure("conflict", msg`${ipv4} is not added by hand: ${listed}`);
  if (row) {
    await tx.node.update({ where: { ipv4 }, data: { source: "manual", ...(name ? { name } : {}) } });
    return { ipv4, name: name || row.name, converted: true };
  }
  await tx.node.create({ data: { ipv4, name, source: "manual", inCenter: false } });
  return { ipv4, name, converted: false };
}

/**
 * Removes a node that was added by hand from k2ops (its host keys and
 * verification history go with it; the audit log keeps the record). Center's
 * nodes are not removed here, and a node with an operation in flight is not
 * removed until it finishes.
 */
export async function removeManualNode(ipv4: string, tx: Tx): Promise<{ ipv4: string; name: string }> {
  const row = await tx.node.findUnique({ where: { ipv4 }, select: { source: true, name: true, lock: { select: { operation: true, expiresAt: true } } } });
  if (!row) throw new ActionFailure("not_found", msg`${ipv4} is not in the fleet table.`);
  if (row.source !== "manual") throw new ActionFailure("conflict", msg`${ipv4} comes from Center's list: only a node added by hand is removed from k2ops.`);
  if (row.lock && row.lock.expiresAt > new Date()) throw new ActionFailure("busy", msg`${ipv4} is busy (${row.lock.operation}); remove it when that has finished.`);
  await tx.node.delete({ where: { ipv4 } });
  return { ipv4, name: row.name };
}
