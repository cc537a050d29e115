import { describe, expect, it } from "vitest";
import { reportUnconfirmedKill } from "@/lib/ssh/scope";
import { MemoryNodeLocks, NodeBusyError, withNodeLock } from "./lock";

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

describe("a lock whose holder left the node in an unknown state", () => {
  const req = { holder: "r1", operation: "node.update", actor: "a@x", ttlMs: 60_000 };

  it("keep() holds the lock under a new operation name and TTL; only the holder can keep it", async () => {
    const locks = new MemoryNodeLocks();
    const release = await locks.acquire("n", req);
    await release.keep("timed out: state unknown (node.update)", 50);
    await expect(locks.acquire("n", { ...req, holder: "r2" })).rejects.toThrow(/timed out: state unknown \(node\.update\) by a@x/);
    await new Promise((r) => setTimeout(r, 80));
    // the TTL passed: another holder takes over, and the first holder's keep/release no longer touch it
    const other = await locks.acquire("n", { ...req, holder: "r2" });
    await release.keep("x", 60_000);
    await release();
    await expect(locks.acquire("n", { ...req, holder: "r3" })).rejects.toThrow(/node\.update by a@x/);
    await other();
  });

  it("withNodeLock keeps the lock when a command inside could not be confirmed killed, and frees it otherwise", async () => {
    const locks = new MemoryNodeLocks();
    expect(await withNodeLock(locks, "n", req, async () => "fine")).toBe("fine");
    await (await locks.acquire("n", { ...req, holder: "r2" }))();
    await expect(
      withNodeLock(locks, "n", req, async () => {
        await new Promise((r) => setTimeout(r, 5));
        reportUnconfirmedKill({ host: "n", command: "sleep 30", reason: "timeout" });
        throw new Error("did not finish in time");
      }),
    ).rejects.toThrow(/did not finish/);
    await expect(locks.acquire("n", { ...req, holder: "r3" })).rejects.toThrow(/timed out: state unknown \(node\.update\)/);
    // a report outside any lock's watch keeps nothing
    reportUnconfirmedKill({ host: "m", command: "x", reason: "cancelled" });
    expect(await withNodeLock(locks, "m", req, async () => 1)).toBe(1);
    await (await locks.acquire("m", { ...req, holder: "r4" }))();
  });
});
