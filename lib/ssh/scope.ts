import { AsyncLocalStorage } from "node:async_hooks";

// The ambient context of remote work. A fleet job runs each item inside
// `withCancelSignal`, so its cancel reaches every command the item starts even
// through callers that do not pass a `signal` themselves. `KillWatch` lets a
// lock holder learn that a command it ran was interrupted and could not be
// confirmed dead on the node (the node's state is then unknown).

/** A command that timed out or was cancelled and whose remote processes could not be confirmed gone. */
export type UnconfirmedKill = { host: string; command: string; reason: "timeout" | "cancelled" };

type Scope = { signal?: AbortSignal; watches: KillWatch[] };

const als = new AsyncLocalStorage<Scope>();

/** Runs `fn` with `signal` as the ambient cancel signal of every SSH command it starts (combined with an outer one). */
export function withCancelSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  const outer = als.getStore();
  const combined = outer?.signal ? AbortSignal.any([outer.signal, signal]) : signal;
  return als.run({ signal: combined, watches: outer?.watches ?? [] }, fn);
}

/** The ambient cancel signal, if the caller runs inside `withCancelSignal`. */
export function ambientSignal(): AbortSignal | undefined {
  return als.getStore()?.signal;
}

/** Reports an unconfirmed kill to every watch around the current call (the engine calls this). */
export function reportUnconfirmedKill(k: UnconfirmedKill): void {
  for (const w of als.getStore()?.watches ?? []) w.unconfirmed.push(k);
}

/** Collects the unconfirmed kills of the commands started inside `run` (nested watches all see them). */
export class KillWatch {
  readonly unconfirmed: UnconfirmedKill[] = [];
  run<T>(fn: () => Promise<T>): Promise<T> {
    const outer = als.getStore();
    return als.run({ signal: outer?.signal, watches: [...(outer?.watches ?? []), this] }, fn);
  }
}
