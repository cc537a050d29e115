"use client";

import { useState } from "react";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Alert } from "@/components/ui/alert";

export function LoginForm({ notice, initialError, oidc }: { notice?: string; initialError?: string; oidc: string | null }) {
  const [error, setError] = useState(initialError);
  const [pending, setPending] = useState(false);
  const router = useRouter();
  const t = useTranslations("login.form");

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(undefined);
    const res = await signIn("credentials", {
      redirect: false,
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
    });
    setPending(false);
    if (!res || res.error) {
      setError(res?.error === "CredentialsSignin" || !res?.error ? t("wrongCredentials") : res.error);
      return;
    }
    router.replace("/");
    router.refresh();
  }

  return (
    <div className="space-y-4 rounded-lg border border-border bg-card p-6 shadow-sm">
      {notice && !error ? <Alert variant="info">{notice}</Alert> : null}
      {error ? (
        <Alert variant="destructive" role="alert">
          {error}
        </Alert>
      ) : null}
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <div className="space-y-1.5">
          <Label htmlFor="email">{t("email")}</Label>
          <Input id="email" name="email" type="email" autoComplete="username" required />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="password">{t("password")}</Label>
          <Input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <Button type="submit" className="w-full" disabled={pending}>
          {pending ? t("submitting") : t("submit")}
        </Button>
      </form>
      {oidc ? (
        <Button variant="outline" className="w-full" onClick={() => signIn("oidc", { callbackUrl: "/" })}>
          {t("withProvider", { provider: oidc })}
        </Button>
      ) : null}
    </div>
  );
}
