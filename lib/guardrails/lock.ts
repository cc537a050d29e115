import { sameAcrossBundles } from "@/lib/errors";
import { db } from "@/lib/db";
import type { PrismaClient } from "@/lib/db/generated/client";
import { KillWatch } from "@/lib/ssh/scope";
import { msg, type Text } from "@/lib/text";

// Per-node lock: two operations that change the same node never run at once.
// One atomic statement takes a free (or expired) lock; a crashed holder's lock
// expires, so a node is never wedged forever. A second caller either gets a
// NodeBusyError naming the holder at once, or waits (bounded by waitMs).
// A holder whose remote command could not be confirmed dead keeps the lock
// (`keep`): the node's state is unknown, and a second operation must not
// start beside a first that may still run. The lock then lasts its TTL.

export class NodeBusyError extends Error {
  /** The message as a sentence (lib/text), said in the reader's language. */
  readonly text: Text;
  constructor(
    readonly node: string,
    readonly operation: string,
    readonly actor: string,
    readonly since: Date,
  ) {
    const text = msg`${node} is busy: ${operation} by ${actor} since ${since.toISOString().replace("T", " ").slice(0, 19)} UTC; try again when it finishes`;
    super(text.text);
    this.text = text;
    this.name = "NodeBusyError";
  }
}
sameAcrossBundles(NodeBusyError, "NodeBusyError");

export type LockRequest = { holder: string; operation: string; actor: string; ttlMs: number; wait?: boolean; waitMs?: number };
/** Frees the lock (only if the caller still holds it). */
export type Release = (() => Promise<void>) & {
  /**
   * Keeps the lock instead of freeing it: it now reads `operation` (e.g.
   * "timed out: state unknown (node.update)") and expires `ttlMs` ms from now.
   * A no-op when the caller no longer holds it.
   */
  keep(operation: string, ttlMs: number): Promise<void>;
};

function releaseOf(free: () => Promise<void>, keep: Release["keep"]): Release {
  return Object.assign(free, { keep });
}

export interface NodeLocks {
  acquire(ip: string, req: LockRequest): Promise<Release>;
}

const POLL_MS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `tryOnce` until it succeeds or the bounded wait is over; then rethrows the last NodeBusyError. */
async function withWait(req: LockRequest, tryOnce: () => Promise<Release>): Promise<Release> {
  const deadline = Date.now() + (req.wait ? (req.waitMs ?? 30_000) : 0);
  for (;;) {
    try {
      return await tryOnce();
    } catch (e) {
      if (!(e instanceof NodeBusyError) || Date.now() + POLL_MS > deadline) throw e;
      await sleep(POLL_MS);
    }
  }
}

/** In-process locks (unit tests, single-process tools). */
export class MemoryNodeLocks implements NodeLocks {
  private readonly held = new Map<string, { holder: string; operation: string; actor: string; since: Date; expiresAt: number }>();

  acquire(ip: string, req: LockRequest): Promise<Release> {
    return withWait(req, async () => {
      const cur = this.held.get(ip);
      if (cur && cur.expiresAt > Date.now()) throw new NodeBusyError(ip, cur.operation, cur.actor, cur.since);
      this.held.set(ip, { holder: req.holder, operation: req.operation, actor: req.actor, since: new Date(), expiresAt: Date.now() + req.ttlMs });
      return releaseOf(
        async () => {
          if (this.held.get(ip)?.holder === req.holder) this.held.delete(ip);
        },
        async (operation, ttlMs) => {
          const cur = this.held.get(ip);
          if (cur?.holder === req.holder) this.held.set(ip, { ...cur, operation, expiresAt: Date.now() + ttlMs });
        },
      );
    });
  }
}

/** Cross-process locks on the NodeLock table: insert, or take over an expired row, in one statement. */
export class PrismaNodeLocks implements NodeLocks {
  constructor(private readonly client?: PrismaClient) {}

  private get prisma(): PrismaClient {
    return this.client ?? db();
  }

  acquire(ip: string, req: LockRequest): Promise<Release> {
    return withWait(req, async () => {
      const p = this.prisma;
      const taken = await p.$executeRaw`
        INSERT INTO "NodeLock" ("nodeIpv4", "holder", "operation", "actorEmail", "acquiredAt", "expiresAt")
        VALUES (${ip}, ${req.holder}, ${req.operation}, ${req.actor}, now(), now() + (${req.ttlMs}::int * interval '1 millisecond'))
        ON CONFLICT ("nodeIpv4") DO UPDATE SET
          "holder" = EXCLUDED."holder", "operation" = EXCLUDED."operation", "actorEmail" = EXCLUDED."actorEmail",
          "acquiredAt" = EXCLUDED."acquiredAt", "expiresAt" = EXCLUDED."expiresAt"
        WHERE "NodeLock"."expiresAt" < now()`;
      if (taken === 0) {
        const row = await p.nodeLock.findUnique({ where: { nodeIpv4: ip } });
        // released between the insert and the read: let the caller's wait loop try again
        throw new NodeBusyError(ip, row?.operation ?? "an operation", row?.actorEmail ?? "someone", row?.acquiredAt ?? new Date());
      }
      return releaseOf(
        async () => {
          await p.nodeLock.deleteMany({ where: { nodeIpv4: ip, holder: req.holder } });
        },
        async (operation, ttlMs) => {
          // the database's clock, as for the acquire
          await p.$executeRaw`
            UPDATE "NodeLock" SET "operation" = ${operation}, "expiresAt" = now() + (${ttlMs}::int * interval '1 millisecond')
            WHERE "nodeIpv4" = ${ip} AND "holder" = ${req.holder}`;
        },
      );
    });
  }
}

/** The operation a kept lock shows while the node's state is unknown. */
export function unknownStateOperation(operation: string, why: "timed out" | "cancelled" = "timed out"): string {
  return `${why}: state unknown (${operation})`;
}

/**
 * Runs `fn` under the node's lock. The lock is freed afterwards, unless a
 * remote command started inside `fn` was interrupted (timeout or cancel) and
 * its kill could not be confirmed: then the lock is kept as "timed out: state
 * unknown (<operation>)" for `req.ttlMs` ms, so nothing else starts on the
 * node until someone has looked (or the TTL passes). Throws NodeBusyError when
 * the node is held, and whatever `fn` throws.
 */
export async function withNodeLock<T>(locks: NodeLocks, ip: string, req: LockRequest, fn: () => Promise<T>): Promise<T> {
  const release = await locks.acquire(ip, req);
  const watch = new KillWatch();
  try {
    return await watch.run(fn);
  } finally {
    if (watch.unconfirmed.length) await release.keep(unknownStateOperation(req.operation), req.ttlMs);
    else await release();
  }
}

/** Kept for existing callers: the Prisma lock on the app's database, no waiting. */
export function acquireNodeLock(ipv4: string, o: { holder: string; operation: string; actor: string; ttlMs: number }): Promise<Release> {
  return new PrismaNodeLocks().acquire(ipv4, o);
}
