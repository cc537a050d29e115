import type { SshEngine } from "@/lib/ssh/engine";

// The SSH pool of THIS process, read without creating it: the process-wide
// engine lives on globalThis as `k2opsSsh` (lib/node-ops/engine.ts, which
// creates it lazily on the first SSH operation). A scrape must not build an
// engine (read the key file, register it) just to say that no connection is
// open; ssh.test.ts checks that this reads the very engine sshEngine() makes.

/** The pool's figures: pooled connections (connecting or ready), those idle (no channel in use), channels in use, connections opened since the process started. */
export type SshPoolStats = { connections: number; idleConnections: number; busyChannels: number; connectionsOpened: number };

/** This process's SSH pool, all zeros when no SSH operation has run in it yet (no engine, so no connection). Never throws. */
export function sshPoolStats(): SshPoolStats {
  const engine = (globalThis as unknown as { k2opsSsh?: SshEngine }).k2opsSsh;
  if (!engine) return { connections: 0, idleConnections: 0, busyChannels: 0, connectionsOpened: 0 };
  const { connections, idleConnections, busyChannels } = engine.stats();
  return { connections, idleConnections, busyChannels, connectionsOpened: engine.connectionsOpened };
}
