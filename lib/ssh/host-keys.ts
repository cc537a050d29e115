import crypto from "node:crypto";

// Trust on first use: the first key a node presents is pinned; afterwards only
// that key is accepted. A different key blocks every operation on the node
// until an admin clears it.

export type PinnedKey = { fingerprint: string; algorithm: string; publicKey: string };

export interface HostKeyStore {
  get(host: string): Promise<PinnedKey | null>;
  pin(host: string, key: PinnedKey): Promise<void>;
  recordMismatch(host: string, presented: PinnedKey): Promise<void>;
  clear(host: string, by: string): Promise<void>;
}

export class HostKeyChangedError extends Error {
  constructor(
    readonly host: string,
    readonly expectedFingerprint: string,
    readonly presentedFingerprint: string,
  ) {
    super(`host key changed for ${host}: expected ${expectedFingerprint}, got ${presentedFingerprint}; operations blocked until an admin clears it`);
    this.name = "HostKeyChangedError";
  }
}

/** OpenSSH-style fingerprint of a wire-format public key blob. */
export function fingerprint(key: Buffer): string {
  return "SHA256:" + crypto.createHash("sha256").update(key).digest("base64").replace(/=+$/, "");
}

/** The algorithm name at the start of an SSH public key blob (uint32 length + name). */
export function keyAlgorithm(key: Buffer): string {
  if (key.length < 4) return "unknown";
  const len = key.readUInt32BE(0);
  return len > 0 && len < 64 && key.length >= 4 + len ? key.subarray(4, 4 + len).toString("ascii") : "unknown";
}

export function describeKey(key: Buffer): PinnedKey {
  return { fingerprint: fingerprint(key), algorithm: keyAlgorithm(key), publicKey: key.toString("base64") };
}

export class MemoryHostKeyStore implements HostKeyStore {
  readonly pinned = new Map<string, PinnedKey>();
  readonly mismatches: { host: string; key: PinnedKey }[] = [];
  async get(host: string) {
    return this.pinned.get(host) ?? null;
  }
  async pin(host: string, key: PinnedKey) {
    this.pinned.set(host, key);
  }
  async recordMismatch(host: string, key: PinnedKey) {
    this.mismatches.push({ host, key });
  }
  async clear(host: string) {
    this.pinned.delete(host);
  }
}
