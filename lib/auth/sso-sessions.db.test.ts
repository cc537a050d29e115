import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Account, Profile, User } from "next-auth";
import type { JWT } from "next-auth/jwt";
import { clearAuditLog, createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { authOptions } from "./options";
import { activeSessionUser, createAuthSession, revokeAuthSession } from "./sessions";
import { createUser, findOrCreateOidcUser, type OidcIdentity } from "./users";

// Single sign-on account linking and server-side sessions, through the next-auth
// callbacks the console is configured with (lib/auth/options.ts).

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());
beforeEach(async () => {
  await clearAuditLog(t.prisma);
  await t.prisma.user.deleteMany();
});

const ISS = "https://idp.example.test";
const mk = (email: string, role: "viewer" | "admin" = "viewer") => createUser({ email, name: "", role, password: "correct horse battery" }, t.prisma);
const who = (over: Partial<OidcIdentity> = {}): OidcIdentity => ({ issuer: ISS, subject: "sub-1", email: "admin@example.test", emailVerified: true, name: "A", ...over });
const binding = async (email: string) => t.prisma.user.findUniqueOrThrow({ where: { email }, select: { oidcIssuer: true, oidcSubject: true } });

/** What next-auth's OAuth callback hands the signIn callback for an id_token with these claims. */
async function oidcSignIn(claims: Record<string, unknown>) {
  const user = { id: String(claims.sub), email: String(claims.email), name: "" } as User;
  const account = { provider: "oidc", type: "oauth", providerAccountId: String(claims.sub) } as Account;
  const res = await authOptions.callbacks!.signIn!({ user, account, profile: { iss: ISS, ...claims } as Profile });
  return { res, user };
}

describe("OIDC sign-in links an account to one identity (issuer + subject)", () => {
  it("an unverified email never gets an account, whatever form the claim takes", async () => {
    await mk("admin@example.test", "admin");
    for (const emailVerified of [false, "true", undefined, null, 1]) {
      expect(await findOrCreateOidcUser(who({ emailVerified }), "viewer")).toEqual({ ok: false, reason: "unverified" });
    }
    expect(await binding("admin@example.test")).toEqual({ oidcIssuer: null, oidcSubject: null });
    expect(await t.prisma.user.count()).toBe(1); // nothing auto-created either
  });

  it("the first verified sign-in binds; then only that identity gets the account", async () => {
    const admin = await mk("admin@example.test", "admin");
    expect(await findOrCreateOidcUser(who(), null)).toMatchObject({ ok: true, linked: "now", user: { id: admin.id } });
    expect(await binding("admin@example.test")).toEqual({ oidcIssuer: ISS, oidcSubject: "sub-1" });
    expect(await findOrCreateOidcUser(who(), null)).toMatchObject({ ok: true, linked: "before", user: { id: admin.id } });
    // same email, another subject or another issuer: refused, binding unchanged
    expect(await findOrCreateOidcUser(who({ subject: "sub-2" }), null)).toEqual({ ok: false, reason: "other-identity" });
    expect(await findOrCreateOidcUser(who({ issuer: "https://other-idp.example.test" }), "admin")).toEqual({ ok: false, reason: "other-identity" });
    expect(await binding("admin@example.test")).toEqual({ oidcIssuer: ISS, oidcSubject: "sub-1" });
    // the bound identity keeps its account even if the provider's email changes
    expect(await findOrCreateOidcUser(who({ email: "renamed@example.test" }), "viewer")).toMatchObject({ ok: true, user: { id: admin.id } });
  });

  it("a disabled account is neither signed in nor bound; auto-created accounts are bound at once", async () => {
    const u = await mk("u@example.test");
    await t.prisma.user.update({ where: { id: u.id }, data: { disabled: true } });
    expect(await findOrCreateOidcUser(who({ email: "u@example.test" }), null)).toEqual({ ok: false, reason: "disabled" });
    expect(await binding("u@example.test")).toEqual({ oidcIssuer: null, oidcSubject: null });
    expect(await findOrCreateOidcUser(who({ email: "new@example.test", subject: "sub-9" }), null)).toEqual({ ok: false, reason: "unknown" });
    expect(await findOrCreateOidcUser(who({ email: "new@example.test", subject: "sub-9" }), "viewer")).toMatchObject({ ok: true, linked: "created", user: { role: "viewer" } });
    expect(await binding("new@example.test")).toEqual({ oidcIssuer: ISS, oidcSubject: "sub-9" });
    expect(await findOrCreateOidcUser(who({ subject: "sub-9", email: "u@example.test" }), null)).toMatchObject({ ok: true, user: { email: "new@example.test" } });
  });

  it("two first sign-ins with different subjects at once: one binds, the other is refused", async () => {
    await mk("admin@example.test", "admin");
    const results = await Promise.all(["sub-a", "sub-b", "sub-c", "sub-d"].map((subject) => findOrCreateOidcUser(who({ subject }), null)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual(Array(3).fill({ ok: false, reason: "other-identity" }));
  });

  it("the signIn callback refuses and audits: unverified email, another subject", async () => {
    const admin = await mk("admin@example.test", "admin");
    const unverified = await oidcSignIn({ sub: "attacker", email: "ADMIN@example.test", email_verified: false });
    expect(unverified.res).toMatch(/^\/login\?error=.*not%20verified/);
    const first = await oidcSignIn({ sub: "sub-1", email: "admin@example.test", email_verified: true });
    expect(first.res).toBe(true);
    expect(first.user.id).toBe(admin.id);
    const other = await oidcSignIn({ sub: "sub-2", email: "admin@example.test", email_verified: true });
    expect(other.res).toMatch(/^\/login\?error=.*different%20single%20sign-on%20identity/);
    const rows = await t.prisma.auditEvent.findMany({ where: { action: "auth.signin" }, orderBy: { at: "asc" } });
    expect(rows).toMatchObject([
      { status: "denied", actorEmail: "admin@example.test", actorId: null, error: "email not verified by the identity provider", params: { method: "oidc", subject: "attacker" } },
      { status: "succeeded", actorId: admin.id, params: { method: "oidc", subject: "sub-1", linked: "now" } },
      { status: "denied", actorId: null, error: expect.stringMatching(/bound to a different single sign-on identity/), params: { method: "oidc", subject: "sub-2" } },
    ]);
  });
});

describe("sign-out ends the session on the server", () => {
  const jwt = (token: JWT, user?: User) => authOptions.callbacks!.jwt!({ token, user: user as User, account: null });

  it("a token copied before sign-out is refused after it, by the jwt callback and by the per-request check", async () => {
    const u = await mk("u@example.test");
    const token = await jwt({}, { id: u.id, email: u.email } as User);
    expect(token).toMatchObject({ uid: u.id, sid: expect.any(String), authAt: expect.any(Number) });
    const copy = { ...token };
    await expect(jwt({ ...copy })).resolves.toMatchObject({ uid: u.id });
    expect(await activeSessionUser(copy.sid, copy.uid, copy.authAt)).toMatchObject({ email: "u@example.test" });

    await authOptions.events!.signOut!({ token, session: undefined as never });
    expect(await t.prisma.authSession.findUniqueOrThrow({ where: { id: String(token.sid) } })).toMatchObject({ revokedAt: expect.any(Date) });
    // next-auth answers a throwing jwt callback by clearing the cookie and returning {}
    await expect(jwt({ ...copy })).rejects.toThrow(/revoked/);
    expect(await activeSessionUser(copy.sid, copy.uid, copy.authAt)).toBeNull();
    const out = await t.prisma.auditEvent.findMany({ where: { action: "auth.signout" } });
    expect(out).toMatchObject([{ status: "succeeded", actorId: u.id }]);
  });

  it("only that session ends; a token without a session id, a foreign or an expired one is void", async () => {
    const u = await mk("u@example.test");
    const v = await mk("v@example.test");
    const now = Date.now();
    const a = await createAuthSession(u.id, now);
    const b = await createAuthSession(u.id, now);
    expect(await revokeAuthSession(a)).toBe(true);
    expect(await revokeAuthSession(a)).toBe(false);
    expect(await activeSessionUser(a, u.id, now + 1)).toBeNull();
    expect(await activeSessionUser(b, u.id, now + 1)).toMatchObject({ id: u.id });
    expect(await activeSessionUser(undefined, u.id, now + 1)).toBeNull(); // a pre-upgrade token
    expect(await activeSessionUser(b, v.id, now + 1)).toBeNull(); // someone else's session id
    expect(await activeSessionUser(b, u.id, now + 1, now + 9 * 24 * 3600_000)).toBeNull(); // long expired
    // a disabled account's sessions stay void (checked with the session)
    await t.prisma.user.update({ where: { id: u.id }, data: { disabled: true } });
    expect(await activeSessionUser(b, u.id, now + 1)).toBeNull();
  });

  it("a session in use slides forward; an idle one expires with its JWT", async () => {
    const u = await mk("u@example.test");
    const start = Date.now();
    const sid = await createAuthSession(u.id, start);
    const first = (await t.prisma.authSession.findUniqueOrThrow({ where: { id: sid } })).expiresAt.getTime();
    const later = start + 3 * 3600_000;
    expect(await activeSessionUser(sid, u.id, start + 1, later)).not.toBeNull();
    const slid = (await t.prisma.authSession.findUniqueOrThrow({ where: { id: sid } })).expiresAt.getTime();
    expect(slid).toBeGreaterThan(first);
    expect(await activeSessionUser(sid, u.id, start + 1, slid + 1)).toBeNull();
  });
});
