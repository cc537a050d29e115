import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { newRequestId, recordDenied, recordIntent, recordOutcome } from "@/lib/audit";
import { logger } from "@/lib/log";
import { roleSchema } from "./roles";
import { requestMeta } from "@/lib/actions/request";
import { WRONG_CREDENTIALS_REASON, checkCredentials, findOrCreateOidcUser, getUser, signInRetryAfterMs } from "./users";

// next-auth: local accounts (scrypt) and, when configured, one OIDC provider.
// Sessions are JWTs holding only the user id and sign-in time; every request re-reads the
// account (lib/auth/session.ts), so disabling a user or changing a role applies at once.

const SESSION_MAX_AGE = Number(process.env.K2OPS_SESSION_MAX_AGE ?? 8 * 3600);

const loginSchema = z.object({ email: z.string().max(200), password: z.string().max(200) });

// What a refused sign-in tells the user. next-auth carries these back in ?error=,
// and the sign-in page shows only these (signInMessage), never the raw parameter.
export const SIGNIN_ERRORS = {
  empty: "Enter your email and password.",
  wrong: "Wrong email or password.",
  disabled: "This account is disabled. Ask an admin to re-enable it.",
  disabledSso: "This account is disabled.",
  noAccount: "No k2ops account exists for this identity. Ask an admin to add you.",
  tooMany: (minutes: number) => `Too many failed sign-ins for this account. Try again in ${minutes} min.`,
};
const TOO_MANY = /^Too many failed sign-ins for this account\. Try again in \d+ min\.$/;

/** The text to show for ?error=: one of ours, next-auth's wrong-credentials code, or a generic line. */
export function signInMessage(error: string): string {
  if (error === "CredentialsSignin") return SIGNIN_ERRORS.wrong;
  const ours = Object.values(SIGNIN_ERRORS).filter((v): v is string => typeof v === "string");
  return ours.includes(error) || TOO_MANY.test(error) ? error : "Sign-in failed. Try again, or ask an admin.";
}

function header(req: unknown, name: string): string {
  const h = (req as { headers?: Record<string, string | string[] | undefined> } | undefined)?.headers;
  const v = h?.[name] ?? h?.[name.toLowerCase()];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

function oidcProvider(): NextAuthOptions["providers"] {
  const issuer = process.env.OIDC_ISSUER;
  const clientId = process.env.OIDC_CLIENT_ID;
  const clientSecret = process.env.OIDC_CLIENT_SECRET;
  if (!issuer || !clientId || !clientSecret) return [];
  return [
    {
      id: "oidc",
      name: process.env.OIDC_NAME ?? "Single sign-on",
      type: "oauth",
      wellKnown: `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
      clientId,
      clientSecret,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      profile(p: { sub: string; email?: string; name?: string }) {
        return { id: p.sub, email: p.email ?? "", name: p.name ?? p.email ?? "" };
      },
    },
  ];
}

export function oidcConfigured(): boolean {
  return Boolean(process.env.OIDC_ISSUER && process.env.OIDC_CLIENT_ID && process.env.OIDC_CLIENT_SECRET);
}

export const authOptions: NextAuthOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  // next-auth's own messages go through the redacted logger; a stale or forged
  // session cookie is routine (the user is sent to sign in), not an error
  logger: {
    error: (code, metadata) => (code === "JWT_SESSION_ERROR" ? logger.info({ code }, "invalid or expired session cookie") : logger.error({ code, metadata }, "next-auth error")),
    warn: (code) => logger.warn({ code }, "next-auth warning"),
    debug: () => undefined,
  },
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE },
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(raw, req) {
        const ctx = {
          requestId: newRequestId(),
          ip: header(req, "x-forwarded-for").split(",")[0]?.trim() ?? "",
          userAgent: header(req, "user-agent"),
        };
        const parsed = loginSchema.safeParse(raw);
        const email = parsed.success ? parsed.data.email.trim().toLowerCase() : "";
        if (!parsed.success || !email || !parsed.data.password) {
          await recordDenied({ ...ctx, actor: { id: null, email: email || "anonymous", role: "" } }, { action: "auth.signin", reason: "malformed sign-in form" });
          throw new Error(SIGNIN_ERRORS.empty);
        }
        const started = performance.now();
        const wait = await signInRetryAfterMs(email);
        if (wait > 0) {
          await recordDenied({ ...ctx, actor: { id: null, email, role: "" } }, { action: "auth.signin", reason: "too many failed sign-ins" });
          throw new Error(SIGNIN_ERRORS.tooMany(Math.ceil(wait / 60_000)));
        }
        const res = await checkCredentials(email, parsed.data.password);
        if (!res.ok) {
          await recordDenied(
            { ...ctx, actor: { id: null, email, role: "" } },
            { action: "auth.signin", reason: res.reason === "disabled" ? "account disabled" : WRONG_CREDENTIALS_REASON },
          );
          throw new Error(res.reason === "disabled" ? SIGNIN_ERRORS.disabled : SIGNIN_ERRORS.wrong);
        }
        const id = await recordIntent({ ...ctx, actor: { id: res.user.id, email: res.user.email, role: res.user.role } }, { action: "auth.signin", params: { method: "password" } });
        await recordOutcome(id, { status: "succeeded", startedAt: started });
        return { id: res.user.id, email: res.user.email, name: res.user.name };
      },
    }),
    ...oidcProvider(),
  ],
  callbacks: {
    async signIn({ user, account }) {
      if (account?.provider !== "oidc") return true;
      const auto = roleSchema.safeParse(process.env.OIDC_AUTO_CREATE_ROLE);
      const res = await findOrCreateOidcUser(user.email ?? "", user.name ?? "", auto.success ? auto.data : null);
      const ctx = { requestId: newRequestId(), ...(await requestMeta()) };
      if (!res.ok) {
        await recordDenied({ ...ctx, actor: { id: null, email: user.email ?? "unknown", role: "" } }, { action: "auth.signin", params: { method: "oidc" }, reason: res.reason === "disabled" ? "account disabled" : "no k2ops account for this identity" });
        return "/login?error=" + encodeURIComponent(res.reason === "disabled" ? SIGNIN_ERRORS.disabledSso : SIGNIN_ERRORS.noAccount);
      }
      user.id = res.user.id;
      const id = await recordIntent({ ...ctx, actor: { id: res.user.id, email: res.user.email, role: res.user.role } }, { action: "auth.signin", params: { method: "oidc" } });
      await recordOutcome(id, { status: "succeeded", startedAt: performance.now() });
      return true;
    },
    async jwt({ token, user }) {
      // authAt is set once, at sign-in: a password change or disable voids older sessions
      if (user?.id) {
        token.uid = user.id;
        token.authAt = Date.now();
      }
      return token;
    },
    async session({ session, token }) {
      (session as { uid?: unknown }).uid = token.uid;
      (session as { authAt?: unknown }).authAt = token.authAt;
      return session;
    },
  },
  events: {
    async signOut({ token }) {
      const uid = typeof token?.uid === "string" ? token.uid : null;
      const who = uid ? await getUser(uid).catch(() => null) : null;
      const actor = { id: who?.id ?? null, email: who?.email ?? "unknown", role: who?.role ?? "" };
      const id = await recordIntent({ requestId: newRequestId(), actor, ...(await requestMeta()) }, { action: "auth.signout" }).catch(() => null);
      if (id) await recordOutcome(id, { status: "succeeded", startedAt: performance.now() }).catch(() => undefined);
    },
  },
};
