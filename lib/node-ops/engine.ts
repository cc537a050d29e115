import fs from "node:fs";
import { SshEngine } from "@/lib/ssh/engine";
import { PrismaHostKeyStore } from "@/lib/ssh/host-keys-prisma";
import type { PinnedKey } from "@/lib/ssh/host-keys";
import { registerSecret } from "@/lib/redact";

// The process-wide SSH engine, configured from the environment. The private
// key never leaves this module: it is registered as a secret so no sink can
// print it even by accident.

const g = globalThis as unknown as { k2opsSsh?: SshEngine };

export function sshConfigured(): boolean {
  return Boolean(process.env.K2OPS_SSH_KEY_PATH || process.env.K2OPS_SSH_KEY);
}

export function sshEngine(): SshEngine {
  if (g.k2opsSsh) return g.k2opsSsh;
  const key = process.env.K2OPS_SSH_KEY ?? (process.env.K2OPS_SSH_KEY_PATH ? fs.readFileSync(process.env.K2OPS_SSH_KEY_PATH, "utf8") : "");
  if (!key) throw new Error("No SSH key configured (K2OPS_SSH_KEY_PATH or K2OPS_SSH_KEY)");
  registerSecret(key);
  g.k2opsSsh = new SshEngine({
    privateKey: key,
    user: process.env.K2OPS_SSH_USER ?? "ubuntu",
    port: Number(process.env.K2OPS_SSH_PORT ?? 1022),
    // idle pooled connections: closed after this many ms (0 = never), and beyond this many the least recently used at once
    ...(process.env.K2OPS_SSH_IDLE_TIMEOUT_MS ? { idleTimeoutMs: Number(process.env.K2OPS_SSH_IDLE_TIMEOUT_MS) } : {}),
    ...(process.env.K2OPS_SSH_MAX_IDLE_CONNECTIONS ? { maxIdleConnections: Number(process.env.K2OPS_SSH_MAX_IDLE_CONNECTIONS) } : {}),
    hostKeys: new PrismaHostKeyStore(),
  });
  return g.k2opsSsh;
}

/**
 * Closes the process's engine and forgets it: the next sshEngine() is configured from the
 * environment again. For a fixture that changes the key (a test fleet per chaos seed: each has
 * its own client key, and the first seed's engine would keep offering the old one).
 */
export async function resetSshEngine(): Promise<void> {
  const e = g.k2opsSsh;
  g.k2opsSsh = undefined;
  await e?.closeAll();
}

/** The SSH target of a node, with its per-node overrides. */
export function targetOf(node: { ipv4: string; sshUser: string | null; sshPort: number | null }) {
  return { host: node.ipv4, ...(node.sshPort ? { port: node.sshPort } : {}), ...(node.sshUser ? { user: node.sshUser } : {}) };
}

/**
 * Admin only (the caller checks and audits): trusts the node's pending host
 * key of a new type (hostKeyState `new_key_type`) and drops its idle pooled
 * connection, so the next connection is accepted. Returns the confirmed key,
 * or null when none was pending (or `fingerprint` names another key).
 */
export async function confirmNewHostKeyType(node: { ipv4: string; sshUser: string | null; sshPort: number | null }, by: string, fingerprint?: string): Promise<PinnedKey | null> {
  const key = await new PrismaHostKeyStore().confirmNewKeyType(node.ipv4, by, fingerprint);
  if (key && sshConfigured()) sshEngine().forget(targetOf(node));
  return key;
}
