import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearAuditLog, createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { _setSessionResolver } from "@/lib/actions/safe-action";
import type { SessionUser } from "@/lib/auth/roles";
import { userFleetColumns } from "@/lib/fleet/columns";
import { userColumns } from "@/lib/table-columns";

const { saveFleetColumnsAction } = await import("./fleet-columns-action");
const { saveTableColumnsAction } = await import("./table-columns-action");

let t: TestDatabase;
let who: SessionUser | null;
const viewer = { id: "u-viewer", email: "viewer@example.test" };
beforeAll(async () => {
  t = await createTestDatabase();
  _setSessionResolver(async () => who);
});
afterAll(async () => {
  _setSessionResolver(null);
  await t?.close();
});
beforeEach(async () => {
  await clearAuditLog(t.prisma);
  await t.prisma.setting.deleteMany();
  who = { ...viewer, name: "V", role: "viewer" };
});

describe("the fleet table's save action", () => {
  it("any role saves its own choice, audited; reset with hidden: null", async () => {
    const res = await saveFleetColumnsAction({ hidden: ["sidecar", "lastop"] });
    expect(res).toMatchObject({ ok: true, data: { hidden: ["sidecar", "lastop"], saved: true } });
    expect(await userFleetColumns("u-viewer")).toEqual({ hidden: ["sidecar", "lastop"], saved: true });
    expect((await saveFleetColumnsAction({ hidden: null })).ok).toBe(true);
    expect((await userFleetColumns("u-viewer")).saved).toBe(false);
    const audit = await t.prisma.auditEvent.findMany({ orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.action, a.status, a.actorEmail])).toEqual([
      ["fleet.columns.save", "succeeded", "viewer@example.test"],
      ["fleet.columns.save", "succeeded", "viewer@example.test"],
    ]);
  });

  it("refuses unknown column ids (naming the field) and anyone not signed in; nothing saved", async () => {
    const bad = await saveFleetColumnsAction({ hidden: ["region", "secret"] });
    expect(bad).toMatchObject({ ok: false, error: { code: "invalid_input", fieldErrors: { "hidden.1": [expect.stringContaining('unknown column "secret"')] } } });
    if (!bad.ok) expect(bad.error.message).toContain("hidden.1");
    who = null;
    expect(await saveFleetColumnsAction({ hidden: [] })).toMatchObject({ ok: false, error: { code: "unauthenticated" } });
    expect(await t.prisma.setting.count()).toBe(0);
  });
});

describe("the jobs and audit tables' column choice", () => {
  it("each table's choice is saved apart, per user, audited; null goes back to the default", async () => {
    expect(await saveTableColumnsAction({ table: "audit", hidden: ["details", "who"] })).toMatchObject({ ok: true, data: { hidden: ["who", "details"], saved: true } });
    expect(await saveTableColumnsAction({ table: "jobs", hidden: ["took"] })).toMatchObject({ ok: true, data: { hidden: ["took"], saved: true } });
    expect(await userColumns("audit", "u-viewer")).toEqual({ hidden: ["who", "details"], saved: true });
    expect(await userColumns("jobs", "u-viewer")).toEqual({ hidden: ["took"], saved: true });
    // another user, and the fleet table, keep their defaults
    expect(await userColumns("audit", "u-other")).toEqual({ hidden: [], saved: false });
    expect((await userColumns("fleet", "u-viewer")).saved).toBe(false);
    expect((await saveTableColumnsAction({ table: "audit", hidden: null })).ok).toBe(true);
    expect(await userColumns("audit", "u-viewer")).toEqual({ hidden: [], saved: false });
    expect(await userColumns("jobs", "u-viewer")).toEqual({ hidden: ["took"], saved: true });
    const audit = await t.prisma.auditEvent.findMany({ orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.action, a.status, a.targetId])).toEqual([
      ["table.columns.save", "succeeded", "audit"],
      ["table.columns.save", "succeeded", "jobs"],
      ["table.columns.save", "succeeded", "audit"],
    ]);
  });

  it("refuses an unknown table, a column of another table (naming the field) and anyone not signed in; nothing saved", async () => {
    const badTable = await saveTableColumnsAction({ table: "users", hidden: [] });
    expect(badTable).toMatchObject({ ok: false, error: { code: "invalid_input", fieldErrors: { table: [expect.stringContaining("table must be one of")] } } });
    // "region" is a fleet column, not an audit one
    const bad = await saveTableColumnsAction({ table: "audit", hidden: ["who", "region"] });
    expect(bad).toMatchObject({ ok: false, error: { code: "invalid_input", fieldErrors: { "hidden.1": [expect.stringContaining('unknown column "region"')] } } });
    who = null;
    expect(await saveTableColumnsAction({ table: "jobs", hidden: [] })).toMatchObject({ ok: false, error: { code: "unauthenticated" } });
    expect(await t.prisma.setting.count()).toBe(0);
  });

  it("a stored choice that is no longer valid for its table reads as the default", async () => {
    await t.prisma.setting.create({ data: { key: "user.columns.jobs:u-viewer", value: { hidden: ["gone"] }, updatedBy: "x" } });
    expect(await userColumns("jobs", "u-viewer")).toEqual({ hidden: [], saved: false });
  });
});
