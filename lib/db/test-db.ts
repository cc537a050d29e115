import crypto from "node:crypto";
import pg from "pg";
import { startEmbeddedPostgres } from "./embedded";
import { applyMigrations } from "./migrate";
import { createPrisma, setDb, type Db } from "./index";

// A fresh, fully migrated database per test file. Backend chosen by the test
// command: K2OPS_TEST_PG_URL (an admin URL of a real PostgreSQL server) gives a
// new database on that server; otherwise an in-memory embedded PGlite served
// over the wire protocol on a private Unix socket (a temp dir, removed on close).

export type TestDatabase = { url: string; backend: "postgres" | "embedded"; prisma: Db; close(): Promise<void> };

export async function createTestDatabase(opts: { install?: boolean } = {}): Promise<TestDatabase> {
  const admin = process.env.K2OPS_TEST_PG_URL;
  let url: string;
  let cleanup: () => Promise<void>;
  if (admin) {
    const name = `k2ops_test_${crypto.randomBytes(5).toString("hex")}`;
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const u = new URL(admin);
    u.pathname = `/${name}`;
    url = u.toString();
    cleanup = async () => {
      const c2 = new pg.Client({ connectionString: admin });
      await c2.connect();
      await c2.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c2.end();
    };
  } else {
    const emb = await startEmbeddedPostgres();
    url = emb.url;
    cleanup = () => emb.stop();
  }
  await applyMigrations(url);
  const prisma = createPrisma(url);
  if (opts.install !== false) setDb(prisma);
  return {
    url,
    backend: admin ? "postgres" : "embedded",
    prisma,
    async close() {
      await prisma.$disconnect();
      if (opts.install !== false) setDb(undefined);
      await cleanup();
    },
  };
}

/** Empties the audit log between tests: the table is append-only unless a session opts out. */
export async function clearAuditLog(prisma: Db): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SET LOCAL k2ops.audit_maintenance = 'on'`);
    await tx.auditEvent.deleteMany();
  });
}
