import { db, type Prisma, type Tx } from "@/lib/db";
import { ActionFailure, sameAcrossBundles } from "@/lib/errors";
import { msg, type Text } from "@/lib/text";
import { dummyHash, hashPassword, verifyPassword } from "./password";
import type { Role, SessionUser } from "./roles";
import { emailSchema, newUserSchema, type NewUser } from "./user-schemas";

// All Prisma access for user accounts.

export { emailSchema, passwordSchema, newUserSchema, passwordResetSchema, passwordChangeSchema, type NewUser } from "./user-schemas";

export type CredentialCheck =
  | { ok: true; user: SessionUser }
  | { ok: false; reason: "invalid" | "disabled" };

/** Email + password check (constant work for unknown emails); records the login time on success. */
export async function checkCredentials(email: string, password: string, tx: Tx = db()): Promise<CredentialCheck> {
  const parsed = emailSchema.safeParse(email);
  const user = parsed.success ? await tx.user.findUnique({ where: { email: parsed.data } }) : null;
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok) return { ok: false, reason: "invalid" };
  if (user.disabled) return { ok: false, reason: "disabled" };
  await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  return { ok: true, user: toSessionUser(user) };
}

/**
 * Serialises, until `tx` ends, every transaction that takes the same key. A
 * transaction-scoped advisory lock: on the embedded database all connections share
 * one PostgreSQL session, where a session-level lock would never be contended.
 */
export async function lockKey(tx: Tx, key: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${key}))`;
}

export function toSessionUser(u: { id: string; email: string; name: string; role: Role }): SessionUser {
  return { id: u.id, email: u.email, name: u.name || u.email, role: u.role };
}

/**
 * The account behind a session, re-read on every request so role changes and
 * disabling apply at once. `signedInAt` (ms) is when the session was created: a
 * session older than the account's last password change, reset or disable is void.
 */
export async function activeUserById(id: string, signedInAt?: number): Promise<SessionUser | null> {
  const u = await db().user.findUnique({ where: { id } });
  if (!u || u.disabled) return null;
  if (u.sessionsValidAfter && !(typeof signedInAt === "number" && signedInAt > u.sessionsValidAfter.getTime())) return null;
  return toSessionUser(u);
}

// ---- sign-in throttling -----------------------------------------------------
// Counted from the audit log's own denied sign-ins, so the limit holds across
// restarts and across console processes sharing one database.

export const SIGNIN_WINDOW_MS = 15 * 60_000;
export const SIGNIN_MAX_FAILURES = 5;
export const WRONG_CREDENTIALS_REASON = "wrong email or password";

/** Ms until the oldest of the last SIGNIN_MAX_FAILURES matching audit rows leaves the window (0 = may try now). */
async function retryAfterMs(failure: Prisma.AuditEventWhereInput, now: number, tx: Tx): Promise<number> {
  const failures = await tx.auditEvent.findMany({
    where: { ...failure, at: { gte: new Date(now - SIGNIN_WINDOW_MS) } },
    orderBy: { at: "desc" },
    take: SIGNIN_MAX_FAILURES,
    select: { at: true },
  });
  return waitAfter(failures, now);
}

function waitAfter(failures: { at: Date }[], now: number): number {
  if (failures.length < SIGNIN_MAX_FAILURES) return 0;
  return Math.max(0, failures[SIGNIN_MAX_FAILURES - 1].at.getTime() + SIGNIN_WINDOW_MS - now);
}

/** Ms until this email may try again (0 = now). Atomic with the check only under signInLock. */
export function signInRetryAfterMs(email: string, now = Date.now(), tx: Tx = db()): Promise<number> {
  return retryAfterMs({ action: "auth.signin", status: "denied", actorEmail: email, error: WRONG_CREDENTIALS_REASON }, now, tx);
}

/** Holds, until `tx` ends, the per-email lock around counting, checking and recording a sign-in attempt. */
export function signInLock(tx: Tx, email: string): Promise<void> {
  return lockKey(tx, `k2ops.signin:${email}`);
}

/** What an OIDC provider asserted about the person signing in (from the verified id_token). */
export type OidcIdentity = { issuer: string; subject: string; email: string; emailVerified: unknown; name: string };
export type OidcCheck =
  | { ok: true; user: SessionUser; linked: "now" | "before" | "created" }
  | { ok: false; reason: "no-subject" | "unverified" | "unknown" | "disabled" | "other-identity" };

/**
 * The account an OIDC identity signs in as. An account is bound to the identity
 * (issuer + subject) that first signed in to it, and from then on only that
 * identity gets it. An email match is used only for that first binding, and only
 * when the provider says it verified the email (`email_verified: true`): an
 * identity whose user can pick or leave unverified the email must not become an
 * existing account (say, an admin's) by naming its address.
 */
export async function findOrCreateOidcUser(id: OidcIdentity, autoCreateRole: Role | null): Promise<OidcCheck> {
  if (!id.issuer || !id.subject) return { ok: false, reason: "no-subject" };
  if (id.emailVerified !== true) return { ok: false, reason: "unverified" };
  const email = emailSchema.safeParse(id.email);
  if (!email.success) return { ok: false, reason: "unknown" };
  const identity = { oidcIssuer: id.issuer, oidcSubject: id.subject };
  return db().$transaction(async (tx): Promise<OidcCheck> => {
    // two first sign-ins racing for one account (or one identity for two) bind once
    await lockKey(tx, "k2ops.oidc-link");
    const bound = await tx.user.findUnique({ where: { oidcIssuer_oidcSubject: identity } });
    if (bound) return bound.disabled ? { ok: false, reason: "disabled" } : { ok: true, user: toSessionUser(bound), linked: "before" };
    const u = await tx.user.findUnique({ where: { email: email.data } });
    if (!u) {
      if (!autoCreateRole) return { ok: false, reason: "unknown" };
      const created = await tx.user.create({ data: { email: email.data, name: id.name, role: autoCreateRole, ...identity } });
      return { ok: true, user: toSessionUser(created), linked: "created" };
    }
    if (u.oidcIssuer !== null || u.oidcSubject !== null) return { ok: false, reason: "other-identity" };
    if (u.disabled) return { ok: false, reason: "disabled" };
    const linked = await tx.user.update({ where: { id: u.id }, data: identity });
    return { ok: true, user: toSessionUser(linked), linked: "now" };
  });
}

export async function createUser(input: NewUser, tx: Tx = db()) {
  const passwordHash = await hashPassword(input.password);
  return tx.user.create({
    data: { email: input.email, name: input.name, role: input.role, passwordHash },
    select: { id: true, email: true, name: true, role: true, disabled: true },
  });
}

export async function listUsers() {
  return db().user.findMany({
    orderBy: { email: "asc" },
    select: { id: true, email: true, name: true, role: true, disabled: true, createdAt: true, lastLoginAt: true, passwordHash: false },
  });
}

export async function countActiveAdmins(tx: Tx = db()): Promise<number> {
  return tx.user.count({ where: { role: "admin", disabled: false } });
}

export async function getUser(id: string, tx: Tx = db()) {
  return tx.user.findUnique({ where: { id }, select: { id: true, email: true, role: true, disabled: true } });
}

export async function updateUser(id: string, data: { role?: Role; disabled?: boolean; sessionsValidAfter?: Date }, tx: Tx = db()) {
  return tx.user.update({ where: { id }, data, select: { id: true, email: true, role: true, disabled: true } });
}

/** New password; every existing session of the account ends. */
export async function setPassword(id: string, password: string, tx: Tx = db()) {
  await tx.user.update({ where: { id }, data: { passwordHash: await hashPassword(password), sessionsValidAfter: new Date() }, select: { id: true } });
}

/** An admin sets another account's password (the owner changes their own with changeOwnPassword). */
export async function resetPassword(tx: Tx, actorId: string, id: string, password: string) {
  const user = await getUser(id, tx);
  if (!user) throw new UserRuleError(msg`No such user.`);
  if (id === actorId) throw new UserRuleError(msg`Change your own password under Settings → Your account.`);
  await setPassword(id, password, tx);
  return { id: user.id, email: user.email };
}

const WRONG_CURRENT = msg`Your current password is wrong. Nothing was changed.`;
export const WRONG_CURRENT_PASSWORD = WRONG_CURRENT.text;

/** The signed-in user's own password: the current one must be given. Ends every session, this one too. */
export async function changeOwnPassword(tx: Tx, id: string, current: string, next: string) {
  const user = await tx.user.findUnique({ where: { id }, select: { id: true, email: true, passwordHash: true } });
  if (!user) throw new UserRuleError(msg`No such user.`);
  if (!user.passwordHash) throw new UserRuleError(msg`This account signs in with single sign-on; it has no k2ops password.`);
  // a borrowed session must not become a way to guess the password: same limit as sign-in.
  // The failure is recorded by the action wrapper only after this transaction has rolled
  // back, so the lock alone cannot cover it: attempts still in flight (their audit intent
  // is pending; the caller's own one is among them) count as failures until they finish.
  await lockKey(tx, `k2ops.password-change:${id}`);
  const now = Date.now();
  const attempts = await tx.auditEvent.findMany({
    where: {
      action: "account.password.change",
      actorId: id,
      at: { gte: new Date(now - SIGNIN_WINDOW_MS) },
      OR: [{ status: "failed", error: WRONG_CURRENT_PASSWORD }, { status: "pending" }],
    },
    orderBy: { at: "desc" },
    take: SIGNIN_MAX_FAILURES + 1,
    select: { at: true, status: true },
  });
  const own = attempts.findIndex((a) => a.status === "pending");
  if (own >= 0) attempts.splice(own, 1);
  const wait = waitAfter(attempts, now);
  if (wait > 0) throw new UserRuleError(msg`Too many wrong current passwords. Try again in ${Math.ceil(wait / 60_000)} min.`);
  if (!(await verifyPassword(current, user.passwordHash))) throw new UserRuleError(WRONG_CURRENT);
  await setPassword(id, next, tx);
  return { id: user.id, email: user.email };
}

/**
 * First admin from the environment (K2OPS_ADMIN_EMAIL / K2OPS_ADMIN_PASSWORD),
 * created only when no admin exists yet. Never overwrites an existing account.
 */
export async function ensureFirstAdmin(env: Record<string, string | undefined> = process.env): Promise<"created" | "exists" | "not-configured"> {
  const email = env.K2OPS_ADMIN_EMAIL;
  const password = env.K2OPS_ADMIN_PASSWORD;
  if (!email || !password) return "not-configured";
  if ((await db().user.count({ where: { role: "admin" } })) > 0) return "exists";
  const input = newUserSchema.parse({ email, name: "Administrator", role: "admin", password });
  const existing = await db().user.findUnique({ where: { email: input.email } });
  if (existing) return "exists";
  await createUser(input);
  return "created";
}

// ---- admin operations (called through the safe-action wrapper) ------------

/** A refused account change; the safe-action wrapper shows its message as a conflict. */
export class UserRuleError extends ActionFailure {
  constructor(message: string | Text) {
    super("conflict", message);
    this.name = "UserRuleError";
  }
}
sameAcrossBundles(UserRuleError, "UserRuleError");

/** Role change or disable, refusing anything that would leave no enabled admin or lock the caller out. */
export async function changeUser(
  tx: Tx,
  actorId: string,
  id: string,
  change: { role?: Role; disabled?: boolean },
) {
  // two admins demoting each other at once must not both see two admins: every
  // change that can remove an admin is counted and applied under one lock
  await lockKey(tx, "k2ops.admins");
  const user = await getUser(id, tx);
  if (!user) throw new UserRuleError(msg`No such user.`);
  if (id === actorId && (change.disabled === true || (change.role && change.role !== "admin"))) {
    throw new UserRuleError(msg`You cannot disable or demote your own account.`);
  }
  const losesAdmin = user.role === "admin" && !user.disabled && ((change.role && change.role !== "admin") || change.disabled === true);
  if (losesAdmin && (await countActiveAdmins(tx)) <= 1) {
    throw new UserRuleError(msg`This is the last enabled admin: add or enable another admin first.`);
  }
  // a disabled account's sessions stay void even after it is enabled again
  return updateUser(id, change.disabled === true ? { ...change, sessionsValidAfter: new Date() } : change, tx);
}
