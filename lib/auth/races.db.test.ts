import { z } from "zod";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { clearAuditLog, createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { _setSessionResolver, defineAction } from "@/lib/actions/safe-action";
import type { SessionUser } from "./roles";
import { signInWithPassword } from "./signin";
import { SIGNIN_MAX_FAILURES, WRONG_CREDENTIALS_REASON, WRONG_CURRENT_PASSWORD, changeOwnPassword, changeUser, createUser, passwordChangeSchema } from "./users";

// Limits and rules that must hold under concurrency: parallel requests go through
// the same code paths the sign-in form and the server actions use.

// counts how many times a password was actually checked (the real scrypt check still runs)
const checked = vi.hoisted(() => ({ calls: [] as string[] }));
vi.mock("./password", async (importOriginal) => {
  const real = await importOriginal<typeof import("./password")>();
  return {
    ...real,
    verifyPassword: async (password: string, stored: string | null | undefined) => {
      checked.calls.push(password);
      return real.verifyPassword(password, stored);
    },
  };
});

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());
beforeEach(async () => {
  await clearAuditLog(t.prisma);
  await t.prisma.user.deleteMany();
  checked.calls = [];
});

const PW = "correct horse battery";
const mk = (email: string, role: SessionUser["role"] = "viewer") => createUser({ email, name: "", role, password: PW }, t.prisma);
const ctx = { requestId: "r", ip: "", userAgent: "" };
const N = 40;
const RIGHT_AT = 20;
const guesses = Array.from({ length: N }, (_, i) => (i === RIGHT_AT ? PW : `wrong guess ${i}`));

const wrongChecked = () => checked.calls.filter((p) => p !== PW);

/**
 * Every wrong guess at once; then, because an attempt still in flight counts against the
 * limit (so the parallel burst may have checked fewer than the limit), wrong guesses one
 * at a time until the limit's worth has been checked; then the right password raced
 * against ten more wrong ones. Which request a pool hands the lock to first is not
 * ordered, so "the right one comes after the limit" is made true, not hoped for.
 */
async function guessRace<T>(send: (pw: string) => Promise<T>): Promise<{ results: T[]; right: T }> {
  const wrong = guesses.filter((g) => g !== PW);
  const results = await Promise.all(wrong.map(send));
  for (let i = 0; wrongChecked().length < SIGNIN_MAX_FAILURES && i < 2 * SIGNIN_MAX_FAILURES; i++) results.push(await send(`top-up guess ${i}`));
  const [right, ...more] = await Promise.all([send(PW), ...wrong.slice(0, 10).map(send)]);
  return { results: [...results, ...more], right };
}

describe("the wrong-password limits hold against parallel requests", () => {
  it(`${N} parallel sign-ins: at most ${SIGNIN_MAX_FAILURES} wrong passwords are checked, and the right one after them is refused`, async () => {
    await mk("target@example.test", "admin");
    const { results, right } = await guessRace((pw) => signInWithPassword("target@example.test", pw, ctx));
    expect(wrongChecked()).toHaveLength(SIGNIN_MAX_FAILURES);
    expect(right).toMatchObject({ ok: false, message: expect.stringMatching(/^Too many failed sign-ins/) });
    expect(results.filter((r) => r.ok)).toHaveLength(0);
    const denied = await t.prisma.auditEvent.count({ where: { action: "auth.signin", status: "denied", error: WRONG_CREDENTIALS_REASON } });
    expect(denied).toBe(SIGNIN_MAX_FAILURES);
    expect(await t.prisma.auditEvent.count({ where: { action: "auth.signin", status: "succeeded" } })).toBe(0);
  });

  it("the lock is per account: another account signs in meanwhile", async () => {
    await mk("target@example.test");
    await mk("other@example.test");
    const [, other] = await Promise.all([
      Promise.all(guesses.slice(0, 10).map((pw) => signInWithPassword("target@example.test", pw, ctx))),
      signInWithPassword("other@example.test", PW, ctx),
    ]);
    expect(other).toMatchObject({ ok: true, user: { email: "other@example.test" } });
  });

  it(`${N} parallel own-password changes: at most ${SIGNIN_MAX_FAILURES} wrong current passwords are checked; the right one is refused`, async () => {
    const u = await mk("u@example.test", "operator");
    _setSessionResolver(async () => ({ id: u.id, email: u.email, name: "", role: "operator" }));
    onTestFinished(() => _setSessionResolver(null));
    // the server action's own definition (app/(console)/settings/account/actions.ts)
    const change = defineAction({
      name: "account.password.change",
      role: "viewer",
      input: passwordChangeSchema,
      run: (i, c) => c.commit((tx) => changeOwnPassword(tx, c.user.id, i.currentPassword, i.newPassword)),
    });
    const before = (await t.prisma.user.findUniqueOrThrow({ where: { id: u.id } })).passwordHash;
    const next = "a brand new password";
    const { results, right } = await guessRace((pw) => change({ currentPassword: pw, newPassword: next, confirmPassword: next }));
    expect(wrongChecked()).toHaveLength(SIGNIN_MAX_FAILURES);
    expect(right).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^Too many wrong current passwords/) } });
    expect(results.filter((r) => r.ok)).toHaveLength(0);
    expect((await t.prisma.user.findUniqueOrThrow({ where: { id: u.id } })).passwordHash).toBe(before);
    const failed = await t.prisma.auditEvent.count({ where: { action: "account.password.change", status: "failed", error: WRONG_CURRENT_PASSWORD } });
    expect(failed).toBe(SIGNIN_MAX_FAILURES);
    expect(await t.prisma.auditEvent.count({ where: { status: "pending" } })).toBe(0);
  });
});

describe("the last enabled admin survives concurrent demotions", () => {
  const ROUNDS = 5;

  it(`two admins demoting each other at once (x${ROUNDS}): one is refused, an admin remains`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await t.prisma.user.deleteMany();
      const a = await mk(`a${round}@example.test`, "admin");
      const b = await mk(`b${round}@example.test`, "admin");
      // each call acts as its own admin: the resolver answers in call order
      const actors = [a, b];
      _setSessionResolver(async () => {
        const who = actors.shift()!;
        return { id: who.id, email: who.email, name: "", role: "admin" };
      });
      onTestFinished(() => _setSessionResolver(null));
      // the server action's own definition (app/(console)/settings/users/actions.ts)
      const demote = defineAction({
        name: "user.update",
        role: "admin",
        input: z.object({ id: z.string() }),
        target: (i) => ({ type: "user", id: i.id }),
        run: (i, c) => c.commit((tx) => changeUser(tx, c.user.id, i.id, { role: "viewer" })),
      });
      const [ab, ba] = await Promise.all([demote({ id: b.id }), demote({ id: a.id })]);
      expect([ab.ok, ba.ok].sort()).toEqual([false, true]);
      expect([ab, ba].find((r) => !r.ok)).toMatchObject({ error: { message: expect.stringMatching(/last enabled admin/) } });
      expect(await t.prisma.user.count({ where: { role: "admin", disabled: false } })).toBe(1);
    }
  });

  it("two admins disabling each other at once leave one enabled admin", async () => {
    const a = await mk("a@example.test", "admin");
    const b = await mk("b@example.test", "admin");
    const [ab, ba] = await Promise.allSettled([
      t.prisma.$transaction((tx) => changeUser(tx, a.id, b.id, { disabled: true })),
      t.prisma.$transaction((tx) => changeUser(tx, b.id, a.id, { disabled: true })),
    ]);
    expect([ab.status, ba.status].sort()).toEqual(["fulfilled", "rejected"]);
    expect(await t.prisma.user.count({ where: { role: "admin", disabled: false } })).toBe(1);
  });
});
