import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearAuditLog, createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { _setSessionResolver } from "@/lib/actions/safe-action";
import type { SessionUser } from "@/lib/auth/roles";
import { userFleetColumns } from "@/lib/fleet/columns";

const { saveFleetColumnsAction } = await import("./fleet-columns-action");

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

describe("the save action", () => {
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
