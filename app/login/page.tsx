import { redirect } from "next/navigation";
import { getSessionUser } from "@/lib/auth/session";
import { oidcConfigured } from "@/lib/auth/options";
import { LoginForm } from "@/components/auth/login-form";

export const metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

const REASONS: Record<string, string> = {
  expired: "Your session has expired. Sign in again.",
  signin: "Sign in to continue.",
  signedout: "You have signed out.",
  password: "Your password was changed. Sign in with the new one.",
};

// ?error= is set by next-auth (its codes, or the message our sign-in threw): only
// known texts are shown, so a crafted link cannot put words on the sign-in page.
const KNOWN_ERRORS = [/^Wrong email or password\.$/, /^Enter your email and password\.$/, /^This account is disabled\./, /^No k2ops account exists for this identity\./, /^Too many failed sign-ins for this account\. Try again in \d+ min\.$/];
function signInError(code: string): string {
  if (code === "CredentialsSignin") return "Wrong email or password.";
  if (KNOWN_ERRORS.some((re) => re.test(code))) return code;
  return "Sign-in failed. Try again, or ask an admin.";
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await getSessionUser()) redirect("/");
  const sp = await searchParams;
  const reason = typeof sp.reason === "string" ? REASONS[sp.reason] : undefined;
  // next-auth puts our thrown messages (or its own codes) in ?error=
  const err = typeof sp.error === "string" ? signInError(sp.error) : undefined;
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm space-y-6">
        <div className="space-y-1 text-center">
          <h1 className="text-2xl font-semibold tracking-tight">k2ops</h1>
          <p className="text-sm text-muted-foreground">Control plane for the Kaitu k2s fleet</p>
        </div>
        <LoginForm notice={reason} initialError={err} oidc={oidcConfigured() ? (process.env.OIDC_NAME ?? "Single sign-on") : null} />
      </div>
    </main>
  );
}
