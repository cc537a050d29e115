import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { getSessionUser } from "@/lib/auth/session";
import { oidcConfigured, signInMessage } from "@/lib/auth/options";
import { LoginForm } from "@/components/auth/login-form";

export const dynamic = "force-dynamic";

export async function generateMetadata() {
  const t = await getTranslations("login");
  return { title: t("title") };
}

const REASONS = ["expired", "signin", "signedout", "password"] as const;
type Reason = (typeof REASONS)[number];
const isReason = (v: unknown): v is Reason => typeof v === "string" && (REASONS as readonly string[]).includes(v);

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await getSessionUser()) redirect("/");
  const t = await getTranslations("login");
  const sp = await searchParams;
  const reason = isReason(sp.reason) ? t(`reason.${sp.reason}`) : undefined;
  // next-auth puts our thrown messages (or its own codes) in ?error=; only known texts are shown
  const err = typeof sp.error === "string" ? signInMessage(sp.error) : undefined;
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm space-y-6">
        <div className="space-y-1 text-center">
          {/* the product name, the same in every language */}
          <h1 className="text-2xl font-semibold tracking-tight">k2ops</h1>
          <p className="text-sm text-muted-foreground">{t("subtitle")}</p>
        </div>
        <LoginForm notice={reason} initialError={err} oidc={oidcConfigured() ? (process.env.OIDC_NAME ?? t("sso")) : null} />
      </div>
    </main>
  );
}
