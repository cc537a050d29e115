import { pgAdapter } from "./adapter";
import { PrismaClient } from "./generated/client";

// The single Prisma client of the process. DATABASE_URL is always set by the
// time the app runs: either by the operator (any PostgreSQL server) or by the
// launcher (scripts/console.ts), which starts the embedded database when unset.

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** A Prisma client for `databaseUrl`: any PostgreSQL URL, TCP or Unix socket (`?host=/dir`), the embedded one included. */
export function createPrisma(databaseUrl: string): PrismaClient {
  return new PrismaClient({
    adapter: pgAdapter(databaseUrl),
    // queued behind other work on a busy pool (or the single embedded session), a
    // transaction may wait for its connection longer than Prisma's 2 s default
    transactionOptions: { maxWait: 15_000, timeout: 30_000 },
  });
}

const globalForDb = globalThis as unknown as { k2opsPrisma?: PrismaClient };

export function db(): PrismaClient {
  if (!globalForDb.k2opsPrisma) {
    const url = process.env.DATABASE_URL;
    if (!url) {
      throw new Error("DATABASE_URL is not set: start k2ops with `npm start` (it starts the embedded database) or set DATABASE_URL");
    }
    globalForDb.k2opsPrisma = createPrisma(url);
  }
  return globalForDb.k2opsPrisma;
}

/** Tests point the process at their own database. */
export function setDb(client: PrismaClient | undefined): void {
  globalForDb.k2opsPrisma = client;
}

export * from "./generated/client";
