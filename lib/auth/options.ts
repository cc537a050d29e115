import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { newRequestId, recordDenied, recordIntent, recordOutcome } from "@/lib/audit";
import { logger } from "@/lib/log";
import { roleSchema } from "./roles";
import { requestMeta, requestMetaFrom } from "@/lib/actions/request";
import { SESSION_MAX_AGE, activeSessionUser, createAuthSession, revokeAuthSession } from "./sessions";
import { SIGNIN_ERRORS, signInWithPassword } from "./signin";
import { findOrCreateOidcUser, getUser, type OidcCheck } from "./users";

// next-auth: local accounts (scrypt) and, when configured, one OIDC provider.
// Sessions are JWTs holding the user id, the sign-in time and a server-side session
// id (sid); every request re-reads the account and the session row
// (lib/auth/sessions.ts), so a role change, a disable or a sign-out applies at once.

export { SIGNIN_ERRORS, signInMessage } from "./signin";

// why an OIDC sign-in was refused: the audit row's reason and the sign-in page's message
const OIDC_REFUSALS: Record<Extract<OidcCheck, { ok: false }>["reason"], { audit: string; message: string }> = {
  "no-subject": { audit: "identity provider sent no subject", message: SIGNIN_ERRORS.noAccount },
  unverified: { audit: "email not verified by the identity provider", message: SIGNIN_ERRORS.unverifiedSso },
  unknown: { audit: "no k2ops account for this identity", message: SIGNIN_ERRORS.noAccount },
  disabled: { audit: "account disabled", message: SIGNIN_ERRORS.disabledSso },
  "other-identity": { audit: "account is bound to a different single sign-on identity (issuer/subject)", message: SIGNIN_ERRORS.otherIdentity },
};

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
        // the socket address (X-Forwarded-For only from a trusted proxy), as for every audited request
        const ctx = { requestId: newRequestId(), ...requestMetaFrom((name) => header(req, name)) };
        const res = await signInWithPassword(raw?.email, raw?.password, ctx);
        if (!res.ok) throw new Error(res.message);
        return { id: res.user.id, email: res.user.email, name: res.user.name };
      },
    }),
    ...oidcProvider(),
  ],
  callbacks: {
    async signIn({ user, account, profile }) {
      if (account?.provider !== "oidc") return true;
      const started = performance.now();
      const auto = roleSchema.safeParse(process.env.OIDC_AUTO_CREATE_ROLE);
      // the id_token's claims, already verified by next-auth (signature, issuer, audience, nonce)
      const claims = (profile ?? {}) as { iss?: unknown; sub?: unknown; email?: unknown; email_verified?: unknown; name?: unknown };
      const identity = {
        issuer: typeof claims.iss === "string" ? claims.iss : "",
        subject: typeof claims.sub === "string" ? claims.sub : account.providerAccountId,
        email: typeof claims.email === "string" ? claims.email : (user.email ?? ""),
        emailVerified: claims.email_verified,
        name: typeof claims.name === "string" ? claims.name : (user.name ?? ""),
      };
      const res = await findOrCreateOidcUser(identity, auto.success ? auto.data : null);
      const ctx = { requestId: newRequestId(), ...(await requestMeta()) };
      const params = { method: "oidc", issuer: identity.issuer, subject: identity.subject };
      if (!res.ok) {
        const why = OIDC_REFUSALS[res.reason];
        await recordDenied({ ...ctx, actor: { id: null, email: identity.email.toLowerCase() || "unknown", role: "" } }, { action: "auth.signin", params, reason: why.audit });
        return "/login?error=" + encodeURIComponent(why.message);
      }
      user.id = res.user.id;
      const id = await recordIntent({ ...ctx, actor: { id: res.user.id, email: res.user.email, role: res.user.role } }, { action: "auth.signin", params: { ...params, linked: res.linked } });
      await recordOutcome(id, { status: "succeeded", startedAt: started });
      return true;
    },
    async jwt({ token, user }) {
      // at sign-in: the account, the sign-in time (a later password change or disable
      // voids the session) and a server-side session that sign-out revokes
      if (user?.id) {
        token.uid = user.id;
        token.authAt = Date.now();
        token.sid = await createAuthSession(user.id);
        return token;
      }
      // every later use: a revoked or unknown session throws, so next-auth clears the
      // cookie and /api/auth/session answers {} instead of re-issuing it
      if (!(await activeSessionUser(token.sid, token.uid, token.authAt))) throw new Error("session revoked, expired or account no longer valid");
      return token;
    },
    async session({ session, token }) {
      (session as { uid?: unknown }).uid = token.uid;
      (session as { authAt?: unknown }).authAt = token.authAt;
      (session as { sid?: unknown }).sid = token.sid;
      return session;
    },
  },
  events: {
    async signOut({ token }) {
      const uid = typeof token?.uid === "string" ? token.uid : null;
      // the session ends server-side first: a copy of the cookie must not outlive it
      if (typeof token?.sid === "string") await revokeAuthSession(token.sid).catch((err) => logger.error({ err }, "could not revoke the session on sign-out"));
      const who = uid ? await getUser(uid).catch(() => null) : null;
      const actor = { id: who?.id ?? null, email: who?.email ?? "unknown", role: who?.role ?? "" };
      const id = await recordIntent({ requestId: newRequestId(), actor, ...(await requestMeta()) }, { action: "auth.signout" }).catch(() => null);
      if (id) await recordOutcome(id, { status: "succeeded", startedAt: performance.now() }).catch(() => undefined);
    },
  },
};
