import { redirect } from "next/navigation";
import { getSessionUser, hadStaleSession } from "./session";
import type { SessionUser } from "./roles";

/** For server components: the signed-in user, or a redirect to the sign-in page (saying why). */
export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(`/login?reason=${(await hadStaleSession()) ? "expired" : "signin"}`);
  return user;
}
