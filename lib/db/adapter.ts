import { PrismaPg } from "@prisma/adapter-pg";

// The embedded database is ONE PostgreSQL session behind its socket server:
// connections there are multiplexed onto it message by message, so two pooled
// connections can clobber each other's unnamed prepared statement. One
// connection gives the same serialised semantics without that hazard. The
// embedded URL carries a marker so every client of it knows. The one session
// also means a plain `SET` by any client changes it for every other client:
// k2ops sets options only with `SET LOCAL` inside a transaction.
const MARKER = "k2ops_embedded";

/** `url` with the embedded marker added. */
export function markEmbedded(url: string): string {
  const u = new URL(url);
  u.searchParams.set(MARKER, "1");
  return u.toString();
}

/** Whether `url` carries the embedded marker. Throws on a malformed URL. */
export function isEmbeddedUrl(url: string): boolean {
  return new URL(url).searchParams.get(MARKER) === "1";
}

/** The URL as node-postgres takes it: the k2ops marker removed, everything else kept. */
export function pgConnectionString(url: string): string {
  const u = new URL(url);
  u.searchParams.delete(MARKER);
  return u.toString();
}

/**
 * Prisma's pg driver adapter for `url`: one connection for the embedded
 * database, DATABASE_POOL_SIZE (10) otherwise. Accepts TCP URLs and Unix-socket
 * ones (`postgresql://user@localhost:5432/db?host=/socket/dir`).
 */
export function pgAdapter(url: string): PrismaPg {
  const max = isEmbeddedUrl(url) ? 1 : Number(process.env.DATABASE_POOL_SIZE ?? 10);
  return new PrismaPg({ connectionString: pgConnectionString(url), max });
}
