import { sameAcrossBundles } from "@/lib/errors";
import crypto from "node:crypto";

// Trust on first use, per key type: the first key a node presents is pinned
// under its algorithm; afterwards the node is asked for the pinned types
// first, and only the pinned key of that type is accepted. A different key of
// a pinned type ("changed") blocks every operation until an admin clears it.
// A key of a type with no pin, from a node none of whose pinned types is on
// offer any more ("new key type"), is held for an admin to confirm: never
// trusted silently, never reported as changed.

export type PinnedKey = { fingerprint: string; algorithm: string; publicKey: string };

export interface HostKeyStore {
  /** The host's newest trusted key (any type), or null before the first pin. */
  get(host: string): Promise<PinnedKey | null>;
  /** The host's trusted keys, at most one per algorithm (newest pin of each type). */
  list(host: string): Promise<PinnedKey[]>;
  pin(host: string, key: PinnedKey): Promise<void>;
  recordMismatch(host: string, presented: PinnedKey): Promise<void>;
  /** Records a key of a type with no pin, presented by a node that offers none of its pinned types; it waits for an admin. */
  recordNewKeyType(host: string, presented: PinnedKey): Promise<void>;
  /**
   * Admin only (the caller checks): trusts the host's pending new-type key, so
   * the next connection is accepted. Returns the confirmed key, or null when
   * nothing was pending (or `fingerprint` names another key).
   */
  confirmNewKeyType(host: string, by: string, fingerprint?: string): Promise<PinnedKey | null>;
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
sameAcrossBundles(HostKeyChangedError, "HostKeyChangedError");

/** A known node presented a key of a type it had no pin for (and offered none of its pinned types): an admin must confirm it. */
export class HostKeyNewTypeError extends Error {
  constructor(
    readonly host: string,
    readonly presented: PinnedKey,
    readonly pinnedAlgorithms: string[],
  ) {
    super(
      `new host key type for ${host}: it now offers only ${presented.algorithm} (${presented.fingerprint}), while k2ops pinned ${pinnedAlgorithms.join(", ")}; nothing runs on it until an admin confirms the new key`,
    );
    this.name = "HostKeyNewTypeError";
  }
}
sameAcrossBundles(HostKeyNewTypeError, "HostKeyNewTypeError");

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

/** ssh2's host key algorithms, in its default order of preference. */
export const HOST_KEY_ALGORITHMS = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] as const;

/** The negotiation names that make a server present a key of this type (an RSA key signs as rsa-sha2-*). */
export function negotiationNames(keyType: string): string[] {
  if (keyType === "ssh-rsa") return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  return (HOST_KEY_ALGORITHMS as readonly string[]).includes(keyType) ? [keyType] : [];
}

/** The host key algorithm list to offer: the pinned types first, then the rest (undefined: ssh2's default). */
export function preferredHostKeyAlgorithms(pinned: PinnedKey[]): string[] | undefined {
  const first = [...new Set(pinned.flatMap((k) => negotiationNames(k.algorithm)))];
  if (!first.length) return undefined;
  return [...first, ...HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
}

export type HostKeyVerdict = { verdict: "pin" } | { verdict: "trusted" } | { verdict: "changed"; expected: PinnedKey } | { verdict: "new_key_type" };

/** Judges a presented key against the host's pins (one per algorithm). */
export function judgeHostKey(pinned: PinnedKey[], presented: PinnedKey): HostKeyVerdict {
  if (!pinned.length) return { verdict: "pin" };
  const same = pinned.find((k) => k.algorithm === presented.algorithm);
  if (!same) return { verdict: "new_key_type" };
  return same.fingerprint === presented.fingerprint ? { verdict: "trusted" } : { verdict: "changed", expected: same };
}

export class MemoryHostKeyStore implements HostKeyStore {
  /** trusted keys per host, newest first */
  readonly pinned = new Map<string, PinnedKey[]>();
  readonly pending = new Map<string, PinnedKey>();
  readonly mismatches: { host: string; key: PinnedKey }[] = [];
  async get(host: string) {
    return this.pinned.get(host)?.[0] ?? null;
  }
  async list(host: string) {
    return [...(this.pinned.get(host) ?? [])];
  }
  async pin(host: string, key: PinnedKey) {
    this.pinned.set(host, [key, ...(this.pinned.get(host) ?? []).filter((k) => k.algorithm !== key.algorithm)]);
  }
  async recordMismatch(host: string, key: PinnedKey) {
    this.mismatches.push({ host, key });
  }
  async recordNewKeyType(host: string, key: PinnedKey) {
    this.pending.set(host, key);
  }
  async confirmNewKeyType(host: string, _by: string, fp?: string) {
    const key = this.pending.get(host);
    if (!key || (fp && key.fingerprint !== fp)) return null;
    this.pending.delete(host);
    await this.pin(host, key);
    return key;
  }
  async clear(host: string) {
    this.pinned.delete(host);
    this.pending.delete(host);
  }
}
