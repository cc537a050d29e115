import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { clearAuditLog, createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { _setSessionResolver } from "@/lib/actions/safe-action";
import type { SessionUser } from "@/lib/auth/roles";
import { localeSettingKey, userLocale } from "@/lib/i18n/preference";

// the cookie the action sets, without a Next.js request around it
const jar = vi.hoisted(() => ({ set: vi.fn() }));
vi.mock("next/headers", () => ({ cookies: async () => jar, headers: async () => new Headers() }));

const { setLocaleAction } = await import("./locale-action");

let t: TestDatabase;
let who: SessionUser | null;
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
  jar.set.mockClear();
  who = { id: "u-viewer", email: "viewer@example.test", name: "V", role: "viewer" };
});

describe("saving one's language", () => {
  it("any role saves its own choice on the account, sets the cookie, and it is audited", async () => {
    expect(await userLocale("u-viewer")).toBeNull();
    const res = await setLocaleAction({ locale: "zh-CN" });
    expect(res).toMatchObject({ ok: true, data: { locale: "zh-CN" } });
    expect(await userLocale("u-viewer")).toBe("zh-CN");
    const row = await t.prisma.setting.findUniqueOrThrow({ where: { key: localeSettingKey("u-viewer") } });
    expect(row).toMatchObject({ key: "user.locale:u-viewer", value: "zh-CN", updatedBy: "viewer@example.test" });
    expect(jar.set).toHaveBeenCalledWith("k2ops-locale", "zh-CN", expect.objectContaining({ path: "/" }));
    const audit = await t.prisma.auditEvent.findMany();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "account.locale.change", actorEmail: "viewer@example.test", status: "succeeded", params: { locale: "zh-CN" } });

    // back to English; another user's choice is theirs
    expect((await setLocaleAction({ locale: "en" })).ok).toBe(true);
    expect(await userLocale("u-viewer")).toBe("en");
    who = { id: "u-admin", email: "admin@example.test", name: "A", role: "admin" };
    expect(await userLocale("u-admin")).toBeNull();
  });

  it("refuses a language that is not offered, and anyone not signed in; both audited as denied, nothing saved", async () => {
    const bad = await setLocaleAction({ locale: "fr" });
    expect(bad).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    who = null;
    const anon = await setLocaleAction({ locale: "en" });
    expect(anon).toMatchObject({ ok: false, error: { code: "unauthenticated" } });
    expect(await t.prisma.setting.count()).toBe(0);
    expect(jar.set).not.toHaveBeenCalled();
    const audit = await t.prisma.auditEvent.findMany({ orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.action, a.status])).toEqual([
      ["account.locale.change", "denied"],
      ["account.locale.change", "denied"],
    ]);
  });
});
