import { getServerSession } from "next-auth";
import { cookies } from "next/headers";
import { authOptions } from "./options";
import { activeSessionUser } from "./sessions";
import type { SessionUser } from "./roles";

export type { Role, SessionUser } from "./roles";
export { hasRole } from "./roles";

/**
 * The signed-in, enabled user for this request, or null. Always re-read from the
 * database: the account, and the server-side session (revoked at sign-out).
 */
export async function getSessionUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions);
  const s = session as { uid?: unknown; authAt?: unknown; sid?: unknown } | null;
  if (typeof s?.uid !== "string") return null;
  return activeSessionUser(s.sid, s.uid, s.authAt);
}

/** True when the browser still holds a session cookie that no longer yields a user (expired or revoked). */
export async function hadStaleSession(): Promise<boolean> {
  const jar = await cookies();
  return jar.has("next-auth.session-token") || jar.has("__Secure-next-auth.session-token");
}
