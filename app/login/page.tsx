import { redirect } from "next/navigation";
import { getSessionUser } from "@/lib/auth/session";
import { oidcConfigured, signInMessage } from "@/lib/auth/options";
import { LoginForm } from "@/components/auth/login-form";

export const metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

const REASONS: Record<string, string> = {
  expired: "Your session has expired. Sign in again.",
  signin: "Sign in to continue.",
  signedout: "You have signed out.",
  password: "Your password was changed. Sign in with the new one.",
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await getSessionUser()) redirect("/");
  const sp = await searchParams;
  const reason = typeof sp.reason === "string" ? REASONS[sp.reason] : undefined;
  // next-auth puts our thrown messages (or its own codes) in ?error=; only known texts are shown
  const err = typeof sp.error === "string" ? signInMessage(sp.error) : undefined;
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
