import { db } from "@/lib/db";
import { recordIntent, recordOutcome, newRequestId } from "@/lib/audit";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { HostKeyStore, PinnedKey } from "./host-keys";

// Host keys in the database, one trusted pin per key type, with the node's
// hostKeyState kept in step and every pin, mismatch, new key type and
// confirmation written to the audit log. Hosts that are not in the fleet table
// yet (a VPS being provisioned, a node at its new address) keep their pins in a
// Setting row (hostkey.unmanaged:<host>), so another console process checks
// against them too; they move into HostKey when the host joins the fleet table.
//
// HostKey.status: trusted (a pin) | rejected (a different key of a pinned
// type) | pending (a key of a new type, waiting for an admin) | cleared.

const SYSTEM = { id: null, email: "k2ops (automatic)", role: "system" };

async function auditSystem(action: string, host: string, params: Record<string, unknown>, ok: boolean, error = "host key differs from the pinned key", actor: { id: string | null; email: string; role: string } = SYSTEM) {
  const started = performance.now();
  const id = await recordIntent({ requestId: newRequestId(), actor, ip: "", userAgent: "" }, { action, target: { type: "node", id: host }, params });
  await recordOutcome(id, { status: ok ? "succeeded" : "failed", startedAt: started, error: ok ? undefined : error });
}

const unmanagedKey = (host: string) => `hostkey.unmanaged:${host}`;
const asKeys = (v: unknown): PinnedKey[] =>
  Array.isArray(v) ? v.filter((k): k is PinnedKey => !!k && typeof k === "object" && typeof k.fingerprint === "string" && typeof k.algorithm === "string" && typeof k.publicKey === "string") : [];

export class PrismaHostKeyStore implements HostKeyStore {

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
    if (keys.length) return keys;
    const row = await this.p.setting.findUnique({ where: { key: unmanagedKey(host) } });
    const held = asKeys(row?.value);
    if (held.length && (await this.p.node.findUnique({ where: { ipv4: host }, select: { ipv4: true } }))) {
      // the host joined the fleet table: its pins become HostKey rows (trusted from when they were first seen)
      await this.p.$transaction([
        ...held.map((k) => this.p.hostKey.create({ data: { nodeIpv4: host, algorithm: k.algorithm, fingerprint: k.fingerprint, publicKey: k.publicKey, status: "trusted" } })),
        this.p.node.update({ where: { ipv4: host }, data: { hostKeyState: "trusted" } }),
        this.p.setting.deleteMany({ where: { key: unmanagedKey(host) } }),
      ]);
      await auditSystem("hostkey.pin", host, { fingerprints: held.map((k) => k.fingerprint), pinnedBeforeTheFleetTable: true }, true);
    }
    return held;
  }

  async pin(host: string, key: PinnedKey): Promise<void> {
    const node = await this.p.node.findUnique({ where: { ipv4: host }, select: { ipv4: true } });
    if (!node) {
      const row = await this.p.setting.findUnique({ where: { key: unmanagedKey(host) } });
      const value = [key, ...asKeys(row?.value).filter((k) => k.algorithm !== key.algorithm)];
      await this.p.setting.upsert({ where: { key: unmanagedKey(host) }, update: { value, updatedBy: "k2ops (first use)" }, create: { key: unmanagedKey(host), value, updatedBy: "k2ops (first use)" } });
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
    await this.p.$transaction([
      this.p.setting.deleteMany({ where: { key: unmanagedKey(host) } }),
      this.p.hostKey.updateMany({ where: { nodeIpv4: host, status: { in: ["trusted", "rejected", "pending"] } }, data: { status: "cleared", clearedBy: by, clearedAt: new Date() } }),
      this.p.node.updateMany({ where: { ipv4: host }, data: { hostKeyState: "unknown" } }),
    ]);
  }

  /**
   * The same machine at a new address (a provider IP change): the trusted keys
   * pinned for `from` become the pins of `to`, so the first connection there is
   * checked against them instead of trusting whatever answers (a different key
   * is then refused like any changed key). `to` must be in the fleet table
   * (the caller adds it first). Returns how many keys were carried; 0 when
   * `from` has none. Throws when `to` already trusts other keys (that address
   * was another machine's: an admin clears it first). Audited (hostkey.carry).
   */
  async carryPins(from: string, to: string, by: string): Promise<number> {
    const keys = await this.list(from);
    if (!keys.length) return 0;
    const node = await this.p.node.findUnique({ where: { ipv4: to }, select: { ipv4: true } });
    if (!node) throw new Error(`${to} is not in the fleet table: its pins could not be kept`);
    const have = await this.list(to);
    const fps = new Set(keys.map((k) => k.fingerprint));
    if (have.some((k) => !fps.has(k.fingerprint))) throw new Error(`${to} already has other pinned host keys (${have.map((k) => k.fingerprint).join(", ")}): an admin clears them before the machine's keys can be carried there`);
    const missing = keys.filter((k) => !have.some((h) => h.fingerprint === k.fingerprint));
    if (!missing.length) return 0;
    await this.p.$transaction([
      ...missing.map((k) => this.p.hostKey.create({ data: { nodeIpv4: to, algorithm: k.algorithm, fingerprint: k.fingerprint, publicKey: k.publicKey, status: "trusted" } })),
      this.p.node.update({ where: { ipv4: to }, data: { hostKeyState: "trusted" } }),
    ]);
    await auditSystem("hostkey.carry", to, { from, fingerprints: missing.map((k) => k.fingerprint) }, true, undefined, { id: null, email: by, role: "system" });
    return missing.length;
  }
}
