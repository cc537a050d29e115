import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "./test-db";
import { applyMigrations, diffSnapshotToSchema } from "./migrate";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

describe(`migrations (${process.env.K2OPS_TEST_PG_URL ? "PostgreSQL server" : "embedded PGlite"})`, () => {
  it("records every migration in _prisma_migrations like the stock CLI, and re-applying is a no-op", async () => {
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    const rows = await c.query(`SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name`);
    await c.end();
    expect(rows.rows.length).toBeGreaterThan(0);
    expect(rows.rows.every((r) => r.finished_at !== null)).toBe(true);
    expect(await applyMigrations(t.url)).toEqual([]);
  });

  it("the migrated tables serve the Prisma client, with transactions rolled back on error", async () => {
    await t.prisma.user.create({ data: { email: "a@example.test", role: "admin" } });
    await expect(
      t.prisma.$transaction(async (tx) => {
        await tx.user.create({ data: { email: "b@example.test" } });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await t.prisma.user.count()).toBe(1);
  });

  it("prisma/schema.prisma has no change that lacks a migration", async () => {
    expect((await diffSnapshotToSchema(t.url)).trim()).toBe("");
  });
});
