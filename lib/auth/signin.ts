import { recordDenied, recordIntent, recordOutcome, type AuditContext } from "@/lib/audit";
import type { SessionUser } from "./roles";
import { db, type Tx } from "@/lib/db";
import { loginSchema } from "./user-schemas";
import { WRONG_CREDENTIALS_REASON, checkCredentials, signInLock, signInRetryAfterMs } from "./users";

// Sign-in with email and password: the logic behind the credentials provider
// (lib/auth/options.ts), here so tests drive exactly what the sign-in form does.

// What a refused sign-in tells the user. next-auth carries these back in ?error=,
// and the sign-in page shows only these (signInMessage), never the raw parameter.
export const SIGNIN_ERRORS = {
  empty: "Enter your email and password.",
  wrong: "Wrong email or password.",
  disabled: "This account is disabled. Ask an admin to re-enable it.",
  disabledSso: "This account is disabled.",
  noAccount: "No k2ops account exists for this identity. Ask an admin to add you.",
  unverifiedSso: "Your identity provider has not verified this email address, so it cannot sign in to k2ops.",
  otherIdentity: "This k2ops account is linked to a different single sign-on identity. Ask an admin.",
  tooMany: (minutes: number) => `Too many failed sign-ins for this account. Try again in ${minutes} min.`,
};
const TOO_MANY = /^Too many failed sign-ins for this account\. Try again in \d+ min\.$/;

/** The text to show for ?error=: one of ours, next-auth's wrong-credentials code, or a generic line. */
export function signInMessage(error: string): string {
  if (error === "CredentialsSignin") return SIGNIN_ERRORS.wrong;
  const ours = Object.values(SIGNIN_ERRORS).filter((v): v is string => typeof v === "string");
  return ours.includes(error) || TOO_MANY.test(error) ? error : "Sign-in failed. Try again, or ask an admin.";
}

export type SignInContext = Omit<AuditContext, "actor">;
export type SignInResult = { ok: true; user: SessionUser } | { ok: false; message: string };

/**
 * Checks an email and password the way the sign-in form does, audits the attempt
 * (succeeded, or denied with the reason) and applies the wrong-password limit.
 */
export async function signInWithPassword(rawEmail: unknown, rawPassword: unknown, ctx: SignInContext): Promise<SignInResult> {
  const parsed = loginSchema.safeParse({ email: rawEmail, password: rawPassword });
  const email = parsed.success ? parsed.data.email.trim().toLowerCase() : "";
  if (!parsed.success || !email || !parsed.data.password) {
    await recordDenied({ ...ctx, actor: { id: null, email: email || "anonymous", role: "" } }, { action: "auth.signin", reason: "malformed sign-in form" });
    return { ok: false, message: SIGNIN_ERRORS.empty };
  }
  const password = parsed.data.password;
  const started = performance.now();
  const anonymous = { ...ctx, actor: { id: null, email, role: "" } };
  // count, check and record under one per-email lock in one transaction: parallel
  // attempts queue here, and each sees the failures recorded before it
  return db().$transaction(async (tx): Promise<SignInResult> => {
    await signInLock(tx, email);
    const wait = await signInRetryAfterMs(email, Date.now(), tx);
    if (wait > 0) {
      await deniedIn(tx, anonymous, started, "too many failed sign-ins");
      return { ok: false, message: SIGNIN_ERRORS.tooMany(Math.ceil(wait / 60_000)) };
    }
    const res = await checkCredentials(email, password, tx);
    if (!res.ok) {
      await deniedIn(tx, anonymous, started, res.reason === "disabled" ? "account disabled" : WRONG_CREDENTIALS_REASON);
      return { ok: false, message: res.reason === "disabled" ? SIGNIN_ERRORS.disabled : SIGNIN_ERRORS.wrong };
    }
    const id = await recordIntent({ ...ctx, actor: { id: res.user.id, email: res.user.email, role: res.user.role } }, { action: "auth.signin", params: { method: "password" } }, tx);
    await recordOutcome(id, { status: "succeeded", startedAt: started }, tx);
    return { ok: true, user: res.user };
  });
}

/** A refused sign-in written inside `tx` (recordDenied writes outside any transaction). */
async function deniedIn(tx: Tx, ctx: AuditContext, startedAt: number, reason: string): Promise<void> {
  const id = await recordIntent(ctx, { action: "auth.signin" }, tx);
  await recordOutcome(id, { status: "denied", startedAt, error: reason }, tx);
}
