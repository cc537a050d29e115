import { db } from "@/lib/db";

// Per-node lock: two operations that change the same node never run at once.
// One atomic statement takes a free (or expired) lock; a crashed holder's lock
// expires, so a node is never wedged forever.

export class NodeBusyError extends Error {
  constructor(
    readonly node: string,
    readonly operation: string,
    readonly actor: string,
    readonly since: Date,
  ) {
    super(`${node} is busy: ${operation} by ${actor} since ${since.toISOString().replace("T", " ").slice(0, 19)} UTC; try again when it finishes`);
    this.name = "NodeBusyError";
  }
}

export async function acquireNodeLock(ipv4: string, o: { holder: string; operation: string; actor: string; ttlMs: number }): Promise<() => Promise<void>> {
  const taken = await db().$executeRaw`
    INSERT INTO "NodeLock" ("nodeIpv4", "holder", "operation", "actorEmail", "acquiredAt", "expiresAt")
    VALUES (${ipv4}, ${o.holder}, ${o.operation}, ${o.actor}, now(), now() + (${o.ttlMs}::int * interval '1 millisecond'))
    ON CONFLICT ("nodeIpv4") DO UPDATE SET
      "holder" = EXCLUDED."holder", "operation" = EXCLUDED."operation", "actorEmail" = EXCLUDED."actorEmail",
      "acquiredAt" = EXCLUDED."acquiredAt", "expiresAt" = EXCLUDED."expiresAt"
    WHERE "NodeLock"."expiresAt" < now()`;
  if (taken === 0) {
    const row = await db().nodeLock.findUnique({ where: { nodeIpv4: ipv4 } });
    throw new NodeBusyError(ipv4, row?.operation ?? "an operation", row?.actorEmail ?? "someone", row?.acquiredAt ?? new Date());
  }
  return async () => {
    await db().nodeLock.deleteMany({ where: { nodeIpv4: ipv4, holder: o.holder } });
  };
}
