import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { clearAuditLog, createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { ActionFailure, _setSessionResolver, defineAction } from "./safe-action";
import type { SessionUser } from "@/lib/auth/roles";
import { changeUser, createUser } from "@/lib/auth/users";
import { msg } from "@/lib/text";
import { _setLocaleResolver } from "./locale";

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
  who = { id: "u-op", email: "op@example.test", name: "Op", role: "operator" };
});

let ran = 0;
const setSetting = defineAction({
  name: "setting.set",
  role: "operator",
  input: z.object({ key: z.string().min(1).max(20), value: z.string().max(50), apiToken: z.string().optional() }),
  target: (i) => ({ type: "setting", id: i.key }),
  run: async (input, ctx) => {
    ran++;
    return ctx.commit((tx) => tx.setting.create({ data: { key: input.key, value: input.value, updatedBy: ctx.user.email } }), (s) => ({ key: s.key }));
  },
});

describe("defineAction", () => {
  it("runs an authorised action and writes intent then outcome, with secrets redacted", async () => {
    const res = await setSetting({ key: "tz", value: "Asia/Singapore", apiToken: "tok-0123456789" });
    expect(res.ok).toBe(true);
    const rows = await t.prisma.auditEvent.findMany();
    expect(rows).toHaveLength(1);
    const [a] = rows;
    expect(a).toMatchObject({ action: "setting.set", actorEmail: "op@example.test", actorRole: "operator", targetType: "setting", targetId: "tz", status: "succeeded" });
    expect(a.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(a)).not.toContain("tok-0123456789");
    expect(await t.prisma.setting.count()).toBe(1);
  });

  it("denies a signed-out caller, changes nothing, and audits the denial", async () => {
    who = null;
    const before = ran;
    const res = await setSetting({ key: "x", value: "y" });
    expect(res).toMatchObject({ ok: false, error: { code: "unauthenticated" } });
    expect(ran).toBe(before);
    expect(await t.prisma.setting.count()).toBe(0);
    expect(await t.prisma.auditEvent.findMany()).toMatchObject([{ status: "denied", actorEmail: "anonymous", action: "setting.set", targetType: "setting", targetId: "x" }]);
  });

  it("denies a role below the requirement", async () => {
    who = { id: "u-v", email: "viewer@example.test", name: "V", role: "viewer" };
    const res = await setSetting({ key: "x", value: "y" });
    expect(res).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await t.prisma.setting.count()).toBe(0);
    expect(await t.prisma.auditEvent.findMany()).toMatchObject([{ status: "denied", actorRole: "viewer", targetId: "x" }]);
  });

  it("rejects malformed input with field errors, changes nothing, audits denied", async () => {
    const res = await setSetting({ key: "", value: 42 });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe("invalid_input");
    expect(Object.keys(res.error.fieldErrors ?? {})).toEqual(expect.arrayContaining(["key", "value"]));
    expect(await t.prisma.setting.count()).toBe(0);
    expect((await t.prisma.auditEvent.findFirst())?.status).toBe("denied");
  });

  it("accepts FormData as sent by a <form action>", async () => {
    const fd = new FormData();
    fd.set("key", "k1");
    fd.set("value", "v1");
    expect((await setSetting(fd)).ok).toBe(true);
  });

  it("rolls the state back when the operation fails inside its transaction, and audits the failure", async () => {
    const failing = defineAction({
      name: "setting.fail",
      role: "operator",
      input: z.object({ key: z.string() }),
      run: async (input, ctx) =>
        ctx.commit(async (tx) => {
          await tx.setting.create({ data: { key: input.key, value: 1 } });
          throw new ActionFailure("conflict", "refused halfway");
        }),
    });
    const res = await failing({ key: "half" });
    expect(res).toMatchObject({ ok: false, error: { code: "conflict", message: "refused halfway" } });
    expect(await t.prisma.setting.count()).toBe(0);
    expect(await t.prisma.auditEvent.findFirst()).toMatchObject({ status: "failed", error: "refused halfway" });
  });

  it("does not run the operation when the audit intent cannot be written", async () => {
    await t.prisma.$executeRawUnsafe(`ALTER TABLE "AuditEvent" ADD CONSTRAINT no_blocked CHECK (action <> 'setting.blocked')`);
    try {
      let executed = false;
      const blocked = defineAction({
        name: "setting.blocked",
        role: "operator",
        input: z.object({}),
        run: async () => {
          executed = true;
        },
      });
      const res = await blocked({});
      expect(res).toMatchObject({ ok: false, error: { code: "failed" } });
      expect(executed).toBe(false);
    } finally {
      await t.prisma.$executeRawUnsafe(`ALTER TABLE "AuditEvent" DROP CONSTRAINT no_blocked`);
    }
  });
});

describe("refusals and failures in the reader's language (issue #16)", () => {
  afterAll(() => _setLocaleResolver(null));

  it("says a refusal, bad input and a lib failure in Chinese to a zh-CN reader; the audit log keeps English", async () => {
    _setLocaleResolver(async () => "zh-CN");
    who = { id: "u-v", email: "viewer@example.test", name: "V", role: "viewer" };
    const denied = await setSetting({ key: "x", value: "y" });
    expect(denied).toMatchObject({ ok: false, error: { code: "forbidden", message: "此操作需要 operator 角色，你的角色是 viewer。未作任何更改。" } });

    who = { id: "u-op", email: "op@example.test", name: "Op", role: "operator" };
    const bad = await setSetting({ key: "k".repeat(21), value: "y" });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.message).toMatch(/^未作任何更改。无效：key \(.*20.*\)。$/);
    expect(bad.error.message).toMatch(/[\u4e00-\u9fff].*20/);
    expect(bad.error.fieldErrors?.key?.[0]).toMatch(/[\u4e00-\u9fff]/);

    const failing = defineAction({
      name: "setting.fail.zh",
      role: "operator",
      input: z.object({}),
      run: async () => {
        throw new ActionFailure("conflict", msg`needs the ${"admin"} role`);
      },
    });
    expect(await failing({})).toMatchObject({ ok: false, error: { code: "conflict", message: "需要 admin 角色" } });

    const rows = await t.prisma.auditEvent.findMany();
    expect(rows.map((r) => r.error ?? "").sort()).toEqual([
      expect.stringMatching(/^Nothing was changed\. Invalid key \(Too big: expected string to have <=20 characters\)\.$/),
      "This needs the operator role; you are viewer. Nothing was changed.",
      "needs the admin role",
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it("a result's sentences reach the page in the reader's language; its audit row keeps English", async () => {
    _setLocaleResolver(async () => "zh-CN");
    const status = defineAction({
      name: "setting.status.zh",
      role: "operator",
      input: z.object({}),
      run: async () => ({ summary: msg`timezone set: ${"Asia/Singapore"}; ${msg`verification passed`}`, raw: "Time zone: Asia/Singapore" }),
      auditResult: (r) => r,
    });
    expect(await status({})).toMatchObject({ ok: true, data: { summary: "时区已设置：Asia/Singapore；校验通过", raw: "Time zone: Asia/Singapore" } });
    const row = await t.prisma.auditEvent.findFirstOrThrow({ where: { action: "setting.status.zh" } });
    expect(row.result).toEqual({ summary: "timezone set: Asia/Singapore; verification passed", raw: "Time zone: Asia/Singapore" });
  });

  it("outside a request the user's saved language decides; English without one", async () => {
    _setLocaleResolver(null);
    who = { id: "u-v", email: "viewer@example.test", name: "V", role: "viewer" };
    expect(await setSetting({ key: "x", value: "y" })).toMatchObject({ error: { message: "This needs the operator role; you are viewer. Nothing was changed." } });
    await t.prisma.setting.create({ data: { key: "user.locale:u-v", value: "zh-CN", updatedBy: "viewer@example.test" } });
    expect(await setSetting({ key: "x", value: "y" })).toMatchObject({ error: { message: "此操作需要 operator 角色，你的角色是 viewer。未作任何更改。" } });
  });
});

describe("user administration rules", () => {
  it("refuses to demote or disable the last enabled admin, and self-lockout", async () => {
    const admin = await createUser({ email: "root@example.test", name: "", role: "admin", password: "correct horse battery" }, t.prisma);
    const other = await createUser({ email: "other@example.test", name: "", role: "operator", password: "correct horse battery" }, t.prisma);
    await expect(changeUser(t.prisma, other.id, admin.id, { role: "viewer" })).rejects.toThrow(/last enabled admin/);
    await expect(changeUser(t.prisma, admin.id, admin.id, { disabled: true })).rejects.toThrow(/your own account/);
    await changeUser(t.prisma, admin.id, other.id, { role: "admin" });
    await expect(changeUser(t.prisma, other.id, admin.id, { disabled: true })).resolves.toMatchObject({ disabled: true });
  });
});

describe("audit rows whatever bytes the input or output holds (security #11)", () => {
  const echo = defineAction({
    name: "echo.write",
    role: "operator",
    input: z.object({ text: z.string().max(50) }),
    target: (i) => ({ type: "echo", id: i.text }),
    run: async (input) => ({ said: `done: ${input.text}` }),
    auditResult: (r) => r,
  });

  it("a refused request holding a NUL still leaves its denied row", async () => {
    who = null;
    const res = await echo({ text: "a\u0000b" });
    expect(res).toMatchObject({ ok: false, error: { code: "unauthenticated" } });
    const rows = await t.prisma.auditEvent.findMany({ where: { action: "echo.write" } });
    expect(rows).toMatchObject([{ status: "denied", targetId: "a\u2400b" }]);
    expect(JSON.stringify(rows[0].params)).toContain("a\u2400b");
  });

  it("an invalid request holding a NUL in a field name and value is recorded as denied", async () => {
    const res = await echo({ text: "x".repeat(60) + "\u0000", ["k\u0000"]: "v" });
    expect(res).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    expect(await t.prisma.auditEvent.count({ where: { action: "echo.write", status: "denied" } })).toBe(1);
  });

  it("a successful change whose result holds a NUL is recorded and reported as succeeded", async () => {
    const res = await echo({ text: "nul\u0000here" });
    expect(res).toMatchObject({ ok: true, data: { said: "done: nul\u0000here" } });
    const [row] = await t.prisma.auditEvent.findMany({ where: { action: "echo.write" } });
    expect(row).toMatchObject({ status: "succeeded", result: { said: "done: nul\u2400here" } });
  });

  it("an outcome that cannot be stored never turns a done operation into failed", async () => {
    let done = 0;
    const huge = defineAction({
      name: "echo.unstorable",
      role: "operator",
      input: z.object({}),
      run: async () => {
        done++;
        return { ok: 1 };
      },
      // a result the audit log cannot store (it throws while being prepared)
      auditResult: () => {
        throw new Error("result not serialisable");
      },
    });
    const res = await huge({});
    expect(res.ok).toBe(true);
    expect(done).toBe(1);
    const [row] = await t.prisma.auditEvent.findMany({ where: { action: "echo.unstorable" } });
    expect(row.status).toBe("succeeded");
    expect(row.result).toMatchObject({ note: expect.stringMatching(/finished \(succeeded\); its result could not be recorded/) });
  });
});

describe("the audit outcome tells the truth (issue #10 item 9)", () => {
  const judged = defineAction({
    name: "node.judged",
    role: "operator",
    input: z.object({ result: z.enum(["pass", "fail", "error"]) }),
    run: async (input) => ({ status: input.result }),
    outcome: (r) =>
      r.status === "pass" ? { status: "succeeded" } : r.status === "fail" ? { status: "degraded", reason: "applied, but the checklist failed: timezone" } : { status: "failed", reason: "verification could not run" },
  });

  it("done but unhealthy is recorded and returned as degraded, could-not-run as failed, never as succeeded", async () => {
    const ok = await judged({ result: "pass" });
    const degraded = await judged({ result: "fail" });
    const failed = await judged({ result: "error" });
    expect(ok).toMatchObject({ ok: true, outcome: "succeeded" });
    expect(degraded).toMatchObject({ ok: true, outcome: "degraded", outcomeReason: "applied, but the checklist failed: timezone" });
    expect(failed).toMatchObject({ ok: true, outcome: "failed" });
    const rows = await t.prisma.auditEvent.findMany({ where: { action: "node.judged" }, orderBy: { at: "asc" } });
    expect(rows.map((r) => [r.status, r.error])).toEqual([
      ["succeeded", null],
      ["degraded", "applied, but the checklist failed: timezone"],
      ["failed", "verification could not run"],
    ]);
  });
});

describe("the server log says what happened (issue #10 item 19)", () => {
  it("one structured, redacted line per mutating operation, with its request id and outcome", async () => {
    const { logger } = await import("@/lib/log");
    const spy = vi.spyOn(logger, "info");
    try {
      const res = await setSetting({ key: "logged", value: "v", apiToken: "tok-should-not-log-123" });
      expect(res.ok).toBe(true);
      const [row] = await t.prisma.auditEvent.findMany({ where: { action: "setting.set" } });
      const line = spy.mock.calls.map((c) => c[0] as Record<string, unknown>).find((o) => o?.action === "setting.set");
      expect(line).toMatchObject({ requestId: row.requestId, auditId: row.id, actor: "op@example.test", target: "setting:logged", outcome: "succeeded" });
      expect(JSON.stringify(spy.mock.calls)).not.toContain("tok-should-not-log-123");
    } finally {
      spy.mockRestore();
    }
  });
});
