import { PrismaPg } from "@prisma/adapter-pg";

// The embedded database is ONE PostgreSQL session behind its socket server:
// connections there are multiplexed onto it message by message, so two pooled
// connections can clobber each other's unnamed prepared statement. One
// connection gives the same serialised semantics without that hazard. The
// embedded URL carries a marker so every client of it knows.
const MARKER = "k2ops_embedded";

export function markEmbedded(url: string): string {
  const u = new URL(url);
  u.searchParams.set(MARKER, "1");
  return u.toString();
}

export function isEmbeddedUrl(url: string): boolean {
  return new URL(url).searchParams.get(MARKER) === "1";
}

export function pgAdapter(url: string): PrismaPg {
  const u = new URL(url);
  const embedded = u.searchParams.get(MARKER) === "1";
  u.searchParams.delete(MARKER);
  const max = embedded ? 1 : Number(process.env.DATABASE_POOL_SIZE ?? 10);
  return new PrismaPg({ connectionString: u.toString(), max });
}
