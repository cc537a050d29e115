import { db } from "@/lib/db";
import type { SessionUser } from "./roles";
import { activeUserById } from "./users";

// Server-side session records. Each sign-in gets an AuthSession row whose id (sid)
// the signed JWT carries; every request checks the row, and sign-out revokes it,
// so a cookie copied before sign-out stops working at once instead of living on
// until the JWT expires.

/** Session lifetime in seconds (the JWT's and the row's). */
export const SESSION_MAX_AGE = Number(process.env.K2OPS_SESSION_MAX_AGE ?? 8 * 3600);
// a used session's row is pushed forward at most this often (one write per interval)
const SLIDE_MS = 10 * 60_000;
// rows are deleted this long after they expired (kept a while for investigation)
const KEEP_EXPIRED_MS = 7 * 24 * 3600_000;

/** Starts a session for a user who just signed in; returns its id for the JWT. */
export async function createAuthSession(userId: string, now = Date.now()): Promise<string> {
  // housekeeping on sign-in, so the table does not grow with every session ever made
  await db().authSession.deleteMany({ where: { expiresAt: { lt: new Date(now - KEEP_EXPIRED_MS) } } });
  const row = await db().authSession.create({ data: { userId, expiresAt: new Date(now + SESSION_MAX_AGE * 1000 + SLIDE_MS) }, select: { id: true } });
  return row.id;
}

/** Ends one session server-side (sign-out). Returns false if it was unknown or already ended. */
export async function revokeAuthSession(sid: string, now = Date.now()): Promise<boolean> {
  const r = await db().authSession.updateMany({ where: { id: sid, revokedAt: null }, data: { revokedAt: new Date(now) } });
  return r.count > 0;
}

/**
 * The user behind a session JWT, or null when the session was revoked, has
 * expired, belongs to someone else, or the account itself is no longer valid
 * (disabled, password changed since `authAt`). Checked on every request.
 */
export async function activeSessionUser(sid: unknown, uid: unknown, authAt: unknown, now = Date.now()): Promise<SessionUser | null> {
  // a JWT without a session id predates server-side sessions: void
  if (typeof sid !== "string" || typeof uid !== "string") return null;
  const s = await db().authSession.findUnique({ where: { id: sid }, select: { userId: true, revokedAt: true, expiresAt: true } });
  if (!s || s.userId !== uid || s.revokedAt || s.expiresAt.getTime() <= now) return null;
  const user = await activeUserById(uid, typeof authAt === "number" ? authAt : undefined);
  if (!user) return null;
  // next-auth re-issues a used cookie with a fresh expiry: the row must outlive it
  if (s.expiresAt.getTime() < now + SESSION_MAX_AGE * 1000) {
    await db().authSession.updateMany({ where: { id: sid, revokedAt: null }, data: { expiresAt: new Date(now + SESSION_MAX_AGE * 1000 + SLIDE_MS) } });
  }
  return user;
}
