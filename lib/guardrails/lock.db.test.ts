import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { syncFleet } from "@/lib/fleet";
import { NodeBusyError, acquireNodeLock } from "./lock";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await syncFleet([{ id: 1, name: "n1", country: "JP", region: "r", ipv4: "203.0.113.7", ipv6: "", class: "shared", updatedAt: 1, tunnels: [] }]);
});
afterAll(async () => {
  await t?.close();
});

describe("per-node lock", () => {
  it("a second operation on the same node is refused with who holds it; released, it can run", async () => {
    const release = await acquireNodeLock("203.0.113.7", { holder: "req-1", operation: "node.update", actor: "a@x", ttlMs: 60_000 });
    const err = await acquireNodeLock("203.0.113.7", { holder: "req-2", operation: "node.restart", actor: "b@x", ttlMs: 60_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(NodeBusyError);
    expect(err.message).toMatch(/node\.update by a@x/);
    await release();
    const again = await acquireNodeLock("203.0.113.7", { holder: "req-2", operation: "node.restart", actor: "b@x", ttlMs: 60_000 });
    await again();
  });

  it("of concurrent attempts exactly one wins", async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => acquireNodeLock("203.0.113.7", { holder: `r${i}`, operation: "op", actor: "x", ttlMs: 60_000 })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "fulfilled") await r.value();
  });

  it("an expired lock (crashed holder) is taken over", async () => {
    await acquireNodeLock("203.0.113.7", { holder: "dead", operation: "op", actor: "x", ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    const rel = await acquireNodeLock("203.0.113.7", { holder: "alive", operation: "op", actor: "y", ttlMs: 60_000 });
    expect((await t.prisma.nodeLock.findUnique({ where: { nodeIpv4: "203.0.113.7" } }))?.holder).toBe("alive");
    await rel();
  });
});

describe("PrismaNodeLocks with a bounded wait", () => {
  it("a waiting caller takes the lock once released; a short wait still fails with who holds it", async () => {
    const { PrismaNodeLocks } = await import("./lock");
    const locks = new PrismaNodeLocks(t.prisma);
    const release = await locks.acquire("203.0.113.7", { holder: "w1", operation: "node.update", actor: "a@x", ttlMs: 60_000 });
    await expect(locks.acquire("203.0.113.7", { holder: "w2", operation: "op", actor: "b@x", ttlMs: 60_000, wait: true, waitMs: 300 })).rejects.toThrow(/node\.update by a@x/);
    setTimeout(() => void release(), 300);
    const rel2 = await locks.acquire("203.0.113.7", { holder: "w2", operation: "op", actor: "b@x", ttlMs: 60_000, wait: true, waitMs: 5_000 });
    await rel2();
  });
});

describe("PrismaNodeLocks: keeping a lock while the node's state is unknown", () => {
  it("keep() renames the operation and sets a new expiry from the database clock; only the holder can keep it", async () => {
    const { PrismaNodeLocks } = await import("./lock");
    const locks = new PrismaNodeLocks(t.prisma);
    const release = await locks.acquire("203.0.113.7", { holder: "k1", operation: "node.update", actor: "a@x", ttlMs: 60_000 });
    await release.keep("timed out: state unknown (node.update)", 120_000);
    const row = await t.prisma.nodeLock.findUnique({ where: { nodeIpv4: "203.0.113.7" } });
    expect(row).toMatchObject({ holder: "k1", operation: "timed out: state unknown (node.update)", actorEmail: "a@x" });
    expect(row!.expiresAt.getTime() - row!.acquiredAt.getTime()).toBeGreaterThan(100_000);
    await expect(locks.acquire("203.0.113.7", { holder: "k2", operation: "node.restart", actor: "b@x", ttlMs: 60_000 })).rejects.toThrow(/timed out: state unknown \(node\.update\) by a@x/);
    // an expired kept lock is taken over; the old holder's keep and release leave the new one alone
    await release.keep("timed out: state unknown (node.update)", 1);
    await new Promise((r) => setTimeout(r, 20));
    const next = await locks.acquire("203.0.113.7", { holder: "k2", operation: "node.restart", actor: "b@x", ttlMs: 60_000 });
    await release.keep("stale", 60_000);
    await release();
    expect((await t.prisma.nodeLock.findUnique({ where: { nodeIpv4: "203.0.113.7" } }))?.operation).toBe("node.restart");
    await next();
  });
});
