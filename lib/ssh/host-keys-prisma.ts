import { db } from "@/lib/db";
import { recordIntent, recordOutcome, newRequestId } from "@/lib/audit";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { HostKeyStore, PinnedKey } from "./host-keys";

// Host keys in the database, with the node's hostKeyState kept in step and
// every pin and mismatch written to the audit log. Hosts that are not in the
// fleet table (never synced) are pinned in memory for the life of the process.

const SYSTEM = { id: null, email: "k2ops (automatic)", role: "system" };

async function auditSystem(action: string, host: string, params: Record<string, unknown>, ok: boolean) {
  const started = performance.now();
  const id = await recordIntent({ requestId: newRequestId(), actor: SYSTEM, ip: "", userAgent: "" }, { action, target: { type: "node", id: host }, params });
  await recordOutcome(id, { status: ok ? "succeeded" : "failed", startedAt: started, error: ok ? undefined : "host key differs from the pinned key" });
}

export class PrismaHostKeyStore implements HostKeyStore {
  private readonly unmanaged = new Map<string, PinnedKey>();

  /** `client` defaults to the app's database (lib/db). */
  constructor(private readonly client?: PrismaClient) {}

  private get p(): PrismaClient {
    return this.client ?? db();
  }

  async get(host: string): Promise<PinnedKey | null> {
    const row = await this.p.hostKey.findFirst({ where: { nodeIpv4: host, status: "trusted" }, orderBy: { firstSeenAt: "desc" } });
    if (row) return { fingerprint: row.fingerprint, algorithm: row.algorithm, publicKey: row.publicKey };
    return this.unmanaged.get(host) ?? null;
  }

  async pin(host: string, key: PinnedKey): Promise<void> {
    const node = await this.p.node.findUnique({ where: { ipv4: host }, select: { ipv4: true } });
    if (!node) {
      this.unmanaged.set(host, key);
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

  /** Admin only (the caller checks): forget the pinned and rejected keys; the next connection pins again. */
  async clear(host: string, by: string): Promise<void> {
    this.unmanaged.delete(host);
    await this.p.$transaction([
      this.p.hostKey.updateMany({ where: { nodeIpv4: host, status: { in: ["trusted", "rejected"] } }, data: { status: "cleared", clearedBy: by, clearedAt: new Date() } }),
      this.p.node.updateMany({ where: { ipv4: host }, data: { hostKeyState: "unknown" } }),
    ]);
  }
}
