import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { clearAuditLog, createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { _setSessionResolver, defineAction } from "@/lib/actions/safe-action";
import { recordDenied } from "@/lib/audit";
import type { SessionUser } from "./roles";
import {
  SIGNIN_MAX_FAILURES,
  SIGNIN_WINDOW_MS,
  WRONG_CREDENTIALS_REASON,
  WRONG_CURRENT_PASSWORD,
  activeUserById,
  changeOwnPassword,
  changeUser,
  checkCredentials,
  createUser,
  passwordChangeSchema,
  passwordResetSchema,
  resetPassword,
  signInRetryAfterMs,
} from "./users";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());
beforeEach(async () => {
  await clearAuditLog(t.prisma);
  await t.prisma.user.deleteMany();
});

const PW = "correct horse battery";
const mk = (email: string, role: "viewer" | "operator" | "admin" = "viewer") => createUser({ email, name: "", role, password: PW }, t.prisma);
const hashOf = async (id: string) => (await t.prisma.user.findUniqueOrThrow({ where: { id } })).passwordHash;
/** Calls through the safe-action wrapper come from this account for the rest of the test. */
function actAs(u: { id: string; email: string }, role: SessionUser["role"]) {
  _setSessionResolver(async () => ({ id: u.id, email: u.email, name: "", role }));
  onTestFinished(() => _setSessionResolver(null));
}

describe("sessions end when the password changes or the account is disabled", () => {
  it("an admin's reset voids the user's older sessions; a session begun after it is valid", async () => {
    const admin = await mk("admin@example.test", "admin");
    const u = await mk("u@example.test");
    const before = Date.now() - 1;
    expect(await activeUserById(u.id, before)).toMatchObject({ email: "u@example.test" });
    await resetPassword(t.prisma, admin.id, u.id, "a brand new password");
    expect(await activeUserById(u.id, before)).toBeNull();
    expect(await activeUserById(u.id)).toBeNull(); // a session without a sign-in time is void too
    expect(await activeUserById(u.id, Date.now() + 1)).toMatchObject({ email: "u@example.test" });
    expect((await checkCredentials("u@example.test", PW)).ok).toBe(false);
    expect((await checkCredentials("u@example.test", "a brand new password")).ok).toBe(true);
  });

  it("a reset refuses the admin's own account and unknown users, changing nothing", async () => {
    const admin = await mk("admin@example.test", "admin");
    const h = await hashOf(admin.id);
    await expect(resetPassword(t.prisma, admin.id, admin.id, "a brand new password")).rejects.toThrow(/your own password/);
    await expect(resetPassword(t.prisma, admin.id, "nope", "a brand new password")).rejects.toThrow(/No such user/);
    expect(await hashOf(admin.id)).toBe(h);
    expect(await activeUserById(admin.id, Date.now())).not.toBeNull();
  });

  it("changing one's own password needs the current one; a wrong one changes nothing", async () => {
    const u = await mk("u@example.test", "operator");
    const h = await hashOf(u.id);
    const signedIn = Date.now() - 1;
    await expect(changeOwnPassword(t.prisma, u.id, "not my password", "another long password")).rejects.toThrow(/current password is wrong/);
    expect(await hashOf(u.id)).toBe(h);
    expect(await activeUserById(u.id, signedIn)).not.toBeNull();
    await changeOwnPassword(t.prisma, u.id, PW, "another long password");
    expect(await hashOf(u.id)).not.toBe(h);
    expect(await activeUserById(u.id, signedIn)).toBeNull();
  });

  it("guessing the current password through a session is limited like sign-in", async () => {
    const u = await mk("u@example.test", "operator");
    actAs(u, "operator");
    const change = defineAction({
      name: "account.password.change",
      role: "viewer",
      input: passwordChangeSchema,
      run: (i, ctx) => ctx.commit((tx) => changeOwnPassword(tx, ctx.user.id, i.currentPassword, i.newPassword)),
    });
    for (let i = 0; i < SIGNIN_MAX_FAILURES; i++) {
      expect(await change({ currentPassword: `guess-${i}`, newPassword: "another long password", confirmPassword: "another long password" })).toMatchObject({ ok: false, error: { message: WRONG_CURRENT_PASSWORD } });
    }
    const h = await hashOf(u.id);
    const refused = await change({ currentPassword: PW, newPassword: "another long password", confirmPassword: "another long password" });
    expect(refused).toMatchObject({ ok: false, error: { code: "conflict", message: expect.stringMatching(/Too many wrong current passwords\. Try again in 1[45] min/) } });
    expect(await hashOf(u.id)).toBe(h);
  });

  it("an account signing in with SSO has no password to change", async () => {
    const u = await t.prisma.user.create({ data: { email: "sso@example.test", role: "viewer" } });
    await expect(changeOwnPassword(t.prisma, u.id, "anything", "another long password")).rejects.toThrow(/single sign-on/);
  });

  it("disabling ends sessions for good: enabling again does not revive them", async () => {
    const admin = await mk("admin@example.test", "admin");
    const u = await mk("u@example.test");
    const signedIn = Date.now() - 1;
    await changeUser(t.prisma, admin.id, u.id, { disabled: true });
    expect(await activeUserById(u.id, signedIn)).toBeNull();
    await changeUser(t.prisma, admin.id, u.id, { disabled: false });
    expect(await activeUserById(u.id, signedIn)).toBeNull();
    expect(await activeUserById(u.id, Date.now() + 1)).not.toBeNull();
  });

  it("a role change keeps the session (the role is re-read on every request)", async () => {
    const admin = await mk("admin@example.test", "admin");
    const u = await mk("u@example.test");
    const signedIn = Date.now() - 1;
    await changeUser(t.prisma, admin.id, u.id, { role: "operator" });
    expect(await activeUserById(u.id, signedIn)).toMatchObject({ role: "operator" });
  });
});

describe("password input", () => {
  it("a change needs matching new passwords that differ from the current one", () => {
    expect(passwordChangeSchema.safeParse({ currentPassword: PW, newPassword: "another long password", confirmPassword: "another long passwor" }).error?.issues[0]).toMatchObject({ path: ["confirmPassword"] });
    expect(passwordChangeSchema.safeParse({ currentPassword: PW, newPassword: PW, confirmPassword: PW }).error?.issues[0]).toMatchObject({ path: ["newPassword"] });
    expect(passwordChangeSchema.safeParse({ currentPassword: PW, newPassword: "short", confirmPassword: "short" }).success).toBe(false);
    expect(passwordResetSchema.safeParse({ id: "x", password: "short" }).success).toBe(false);
  });

  it("the audit row of a password reset holds no password", async () => {
    const admin = await mk("admin@example.test", "admin");
    const u = await mk("u@example.test");
    actAs(admin, "admin");
    const reset = defineAction({
      name: "user.password.reset",
      role: "admin",
      input: passwordResetSchema,
      target: (i) => ({ type: "user", id: i.id }),
      run: (i, ctx) => ctx.commit((tx) => resetPassword(tx, ctx.user.id, i.id, i.password)),
    });
    expect(await reset({ id: u.id, password: "secret-new-password-1" })).toMatchObject({ ok: true });
    const rows = await t.prisma.auditEvent.findMany();
    expect(rows).toMatchObject([{ action: "user.password.reset", status: "succeeded", targetId: u.id, actorEmail: "admin@example.test" }]);
    expect(JSON.stringify(rows)).not.toContain("secret-new-password-1");
  });
});

describe("sign-in throttling (from the audit log)", () => {
  const ctx = { requestId: "r", ip: "", userAgent: "" };
  const fail = (email: string, reason = WRONG_CREDENTIALS_REASON) => recordDenied({ ...ctx, actor: { id: null, email, role: "" } }, { action: "auth.signin", reason });

  it(`allows ${SIGNIN_MAX_FAILURES - 1} wrong passwords, then makes that email wait out the window`, async () => {
    for (let i = 0; i < SIGNIN_MAX_FAILURES - 1; i++) await fail("a@example.test");
    expect(await signInRetryAfterMs("a@example.test")).toBe(0);
    await fail("a@example.test");
    const wait = await signInRetryAfterMs("a@example.test");
    expect(wait).toBeGreaterThan(SIGNIN_WINDOW_MS - 60_000);
    expect(wait).toBeLessThanOrEqual(SIGNIN_WINDOW_MS);
    // another account is not affected; the window passes
    expect(await signInRetryAfterMs("b@example.test")).toBe(0);
    expect(await signInRetryAfterMs("a@example.test", Date.now() + SIGNIN_WINDOW_MS + 1000)).toBe(0);
  });

  it("only wrong passwords count (not a disabled account, not the throttled attempts themselves)", async () => {
    for (let i = 0; i < SIGNIN_MAX_FAILURES; i++) await fail("a@example.test", "account disabled");
    for (let i = 0; i < SIGNIN_MAX_FAILURES; i++) await fail("a@example.test", "too many failed sign-ins");
    expect(await signInRetryAfterMs("a@example.test")).toBe(0);
  });
});
