import { ActionFailure } from "@/lib/errors";
import { withCancelSignal } from "@/lib/ssh/scope";
import { msg } from "@/lib/text";

// Long single-node operations an operator can watch and cancel. Each runs with
// its own AbortSignal as the ambient cancel signal of every SSH command it
// starts (lib/ssh/scope): a cancel kills the remote process group and, when the
// kill cannot be confirmed, the node stays locked as "state unknown" (the
// engine and onNode do that). The registry is this console process's: a cancel
// reaches operations started by the same process.

export type RunningOperation = { operationId: string; name: string; ipv4: string; actor: string; startedAt: number };
type Entry = RunningOperation & { controller: AbortController };

const KEY = Symbol.for("k2ops.node-ops.running");
function registry(): Map<string, Entry> {
  const g = globalThis as unknown as Record<symbol, Map<string, Entry> | undefined>;
  return (g[KEY] ??= new Map());
}

/** A client-chosen id for one operation run (a UUID): what the Cancel button names. */
export const OPERATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Runs `fn` as a cancellable operation under `operationId` (when given). Throws
 * ActionFailure("conflict") if that id is already running.
 */
export async function runCancellable<T>(op: Omit<RunningOperation, "startedAt"> | null, fn: () => Promise<T>): Promise<T> {
  if (!op) return fn();
  const reg = registry();
  if (reg.has(op.operationId)) throw new ActionFailure("conflict", "This operation id is already running.");
  const controller = new AbortController();
  reg.set(op.operationId, { ...op, startedAt: Date.now(), controller });
  try {
    return await withCancelSignal(controller.signal, fn);
  } finally {
    reg.delete(op.operationId);
  }
}

/**
 * Cancels a running operation on `ipv4`: only the operator who started it or an admin.
 * Returns what was cancelled; throws ActionFailure("not_found") when it is not
 * (or no longer) running in this console process.
 */
export function cancelOperation(operationId: string, ipv4: string, by: { email: string; isAdmin: boolean }): RunningOperation {
  const e = registry().get(operationId);
  if (!e || e.ipv4 !== ipv4) throw new ActionFailure("not_found", "That operation is not running on this node (it may just have finished).");
  if (e.actor !== by.email && !by.isAdmin) throw new ActionFailure("conflict", msg`Only ${e.actor} or an admin can cancel this operation.`);
  e.controller.abort(new Error(`cancelled by ${by.email}`));
  const { controller: _c, ...info } = e;
  void _c;
  return info;
}
