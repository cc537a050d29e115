import { db } from "@/lib/db";
import { recordIntent, recordOutcome, newRequestId } from "@/lib/audit";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { HostKeyStore, PinnedKey } from "./host-keys";

// Host keys in the database, one trusted pin per key type, with the node's
// hostKeyState kept in step and every pin, mismatch, new key type and
// confirmation written to the audit log. Hosts that are not in the fleet table
// (never synced) are pinned in memory for the life of the process.
//
// HostKey.status: trusted (a pin) | rejected (a different key of a pinned
// type) | pending (a key of a new type, waiting for an admin) | cleared.

const SYSTEM = { id: null, email: "k2ops (automatic)", role: "system" };

async function auditSystem(action: string, host: string, params: Record<string, unknown>, ok: boolean, error = "host key differs from the pinned key", actor: { id: string | null; email: string; role: string } = SYSTEM) {
  const started = performance.now();
  const id = await recordIntent({ requestId: newRequestId(), actor, ip: "", userAgent: "" }, { action, target: { type: "node", id: host }, params });
  await recordOutcome(id, { status: ok ? "succeeded" : "failed", startedAt: started, error: ok ? undefined : error });
}

export class PrismaHostKeyStore implements HostKeyStore {
  private readonly unmanaged = new Map<string, PinnedKey[]>();

  /** `client` defaults to the app's database (lib/db). */
  constructor(private readonly client?: PrismaClient) {}

  private get p(): PrismaClient {
    return this.client ?? db();
  }

  async get(host: string): Promise<PinnedKey | null> {
    return (await this.list(host))[0] ?? null;
  }

  async list(host: string): Promise<PinnedKey[]> {
    const rows = await this.p.hostKey.findMany({ where: { nodeIpv4: host, status: "trusted" }, orderBy: { firstSeenAt: "desc" } });
    const seen = new Set<string>();
    const keys: PinnedKey[] = [];
    for (const r of rows) {
      // the newest pin of each type is the one that counts
      if (seen.has(r.algorithm)) continue;
      seen.add(r.algorithm);
      keys.push({ fingerprint: r.fingerprint, algorithm: r.algorithm, publicKey: r.publicKey });
    }
    return keys.length ? keys : [...(this.unmanaged.get(host) ?? [])];
  }

  async pin(host: string, key: PinnedKey): Promise<void> {
    const node = await this.p.node.findUnique({ where: { ipv4: host }, select: { ipv4: true } });
    if (!node) {
      this.unmanaged.set(host, [key, ...(this.unmanaged.get(host) ?? []).filter((k) => k.algorithm !== key.algorithm)]);
      return;
    }
    await this.p.$transaction([
      this.p.hostKey.create({ data: { nodeIpv4: host, algorithm: key.algorithm, fingerprint: key.fingerprint, publicKey: key.publicKey, status: "trusted" } }),
      this.p.node.update({ where: { ipv4: host }, data: { hostKeyState: "trusted" } }),
    ]);
    await auditSystem("hostkey.pin", host, { fingerprint: key.fingerprint, algorithm: key.algorithm }, true);
  }

  async recordMismatch(host: string, key: PinnedKey): Promise<void> {
    const node = await this.p.node.findUnique({ where: { ipv4: host }, select: { ipv4: true } });
    if (!node) return;
    const seen = await this.p.hostKey.findFirst({ where: { nodeIpv4: host, status: "rejected", fingerprint: key.fingerprint } });
    await this.p.$transaction([
      seen
        ? this.p.hostKey.update({ where: { id: seen.id }, data: { lastSeenAt: new Date() } })
        : this.p.hostKey.create({ data: { nodeIpv4: host, algorithm: key.algorithm, fingerprint: key.fingerprint, publicKey: key.publicKey, status: "rejected" } }),
      this.p.node.update({ where: { ipv4: host }, data: { hostKeyState: "changed" } }),
    ]);
    if (!seen) await auditSystem("hostkey.mismatch", host, { presented: key.fingerprint }, false);
  }

  /** A key of a type with no pin: kept as `pending` and the node marked `new_key_type` (never trusted, never "changed"). */
  async recordNewKeyType(host: string, key: PinnedKey): Promise<void> {
    const node = await this.p.node.findUnique({ where: { ipv4: host }, select: { ipv4: true, hostKeyState: true } });
    if (!node) return;
    const seen = await this.p.hostKey.findFirst({ where: { nodeIpv4: host, status: "pending", fingerprint: key.fingerprint } });
    await this.p.$transaction([
      seen
        ? this.p.hostKey.update({ where: { id: seen.id }, data: { lastSeenAt: new Date() } })
        : this.p.hostKey.create({ data: { nodeIpv4: host, algorithm: key.algorithm, fingerprint: key.fingerprint, publicKey: key.publicKey, status: "pending" } }),
      // a node already blocked for a changed key stays blocked
      this.p.node.updateMany({ where: { ipv4: host, hostKeyState: { not: "changed" } }, data: { hostKeyState: "new_key_type" } }),
    ]);
    if (!seen) await auditSystem("hostkey.new_type", host, { presented: key.fingerprint, algorithm: key.algorithm }, false, "new host key type: an admin must confirm it");
  }

  /**
   * Admin only (the caller checks): trusts the newest pending new-type key (or
   * the one with `fingerprint`); the node is `trusted` again unless it is
   * blocked for a changed key. Returns the confirmed key, or null when none
   * was pending.
   */
  async confirmNewKeyType(host: string, by: string, fingerprint?: string): Promise<PinnedKey | null> {
    const row = await this.p.hostKey.findFirst({ where: { nodeIpv4: host, status: "pending", ...(fingerprint ? { fingerprint } : {}) }, orderBy: { lastSeenAt: "desc" } });
    if (!row) return null;
    await this.p.$transaction([
      this.p.hostKey.update({ where: { id: row.id }, data: { status: "trusted", firstSeenAt: new Date() } }),
      // other pending keys of the host were not what the admin looked at
      this.p.hostKey.updateMany({ where: { nodeIpv4: host, status: "pending", id: { not: row.id } }, data: { status: "cleared", clearedBy: by, clearedAt: new Date() } }),
      this.p.node.updateMany({ where: { ipv4: host, hostKeyState: "new_key_type" }, data: { hostKeyState: "trusted" } }),
    ]);
    await auditSystem("hostkey.confirm_new_type", host, { fingerprint: row.fingerprint, algorithm: row.algorithm }, true, undefined, { id: null, email: by, role: "admin" });
    return { fingerprint: row.fingerprint, algorithm: row.algorithm, publicKey: row.publicKey };
  }

  /** Admin only (the caller checks): forget the pinned, rejected and pending keys; the next connection pins again. */
  async clear(host: string, by: string): Promise<void> {
    this.unmanaged.delete(host);
    await this.p.$transaction([
      this.p.hostKey.updateMany({ where: { nodeIpv4: host, status: { in: ["trusted", "rejected", "pending"] } }, data: { status: "cleared", clearedBy: by, clearedAt: new Date() } }),
      this.p.node.updateMany({ where: { ipv4: host }, data: { hostKeyState: "unknown" } }),
    ]);
  }
}
