import { describe, expect, it } from "vitest";
import { MemoryNodeLocks, NodeBusyError } from "./lock";

describe("MemoryNodeLocks", () => {
  it("refuses a second holder at once, naming who holds the lock and since when", async () => {
    const locks = new MemoryNodeLocks();
    const release = await locks.acquire("203.0.113.7", { holder: "r1", operation: "node.update", actor: "a@x", ttlMs: 60_000 });
    const err = await locks.acquire("203.0.113.7", { holder: "r2", operation: "node.restart", actor: "b@x", ttlMs: 60_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(NodeBusyError);
    expect(err.message).toMatch(/node\.update by a@x since/);
    await locks.acquire("203.0.113.8", { holder: "r3", operation: "x", actor: "c", ttlMs: 60_000 }); // other nodes are free
    await release();
    await expect(locks.acquire("203.0.113.7", { holder: "r2", operation: "node.restart", actor: "b@x", ttlMs: 60_000 })).resolves.toBeTypeOf("function");
  });

  it("a waiting caller gets the lock when it is released, within its bound", async () => {
    const locks = new MemoryNodeLocks();
    const release = await locks.acquire("n", { holder: "r1", operation: "op", actor: "a", ttlMs: 60_000 });
    setTimeout(() => void release(), 250);
    const t0 = Date.now();
    await locks.acquire("n", { holder: "r2", operation: "op", actor: "b", ttlMs: 60_000, wait: true, waitMs: 2_000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    const t1 = Date.now();
    await expect(locks.acquire("n", { holder: "r3", operation: "op", actor: "c", ttlMs: 60_000, wait: true, waitMs: 300 })).rejects.toBeInstanceOf(NodeBusyError);
    expect(Date.now() - t1).toBeLessThan(600);
  });

  it("takes over an expired lock; a stale release does not free the new holder", async () => {
    const locks = new MemoryNodeLocks();
    const stale = await locks.acquire("n", { holder: "dead", operation: "op", actor: "x", ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 5));
    await locks.acquire("n", { holder: "alive", operation: "op", actor: "y", ttlMs: 60_000 });
    await stale();
    await expect(locks.acquire("n", { holder: "z", operation: "op", actor: "z", ttlMs: 60_000 })).rejects.toBeInstanceOf(NodeBusyError);
  });
});
