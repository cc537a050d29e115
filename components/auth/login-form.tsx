"use client";

import { useState } from "react";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useForm } from "react-hook-form";
import { useZodResolver } from "@/components/ui/use-zod-resolver";
import type { z } from "zod";
import { loginSchema } from "@/lib/auth/user-schemas";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Field, fieldErrorId, fieldErrorProps } from "@/components/ui/field";
import { Alert } from "@/components/ui/alert";

type LoginInput = z.infer<typeof loginSchema>;

// Validates with the server's own schema (lib/auth/signin.ts); an empty field goes
// to the server, which refuses it with its own message (shown in the alert).
export function LoginForm({ notice, initialError, oidc }: { notice?: string; initialError?: string; oidc: string | null }) {
  const [error, setError] = useState(initialError);
  const [pending, setPending] = useState(false);
  const router = useRouter();
  const t = useTranslations("login.form");
  const form = useForm<LoginInput>({ resolver: useZodResolver(loginSchema), defaultValues: { email: "", password: "" } });
  const errors = form.formState.errors;

  const onSubmit = form.handleSubmit(async (values) => {
    setPending(true);
    setError(undefined);
    const res = await signIn("credentials", { redirect: false, email: values.email, password: values.password });
    setPending(false);
    if (!res || res.error) {
      setError(res?.error === "CredentialsSignin" || !res?.error ? t("wrongCredentials") : res.error);
      return;
    }
    router.replace("/");
    router.refresh();
  });

  return (
    <div className="space-y-4 rounded-lg border border-border bg-card p-6 shadow-sm">
      {notice && !error ? <Alert variant="info">{notice}</Alert> : null}
      {error ? (
        <Alert variant="destructive" role="alert">
          {error}
        </Alert>
      ) : null}
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <Field id="email" label={t("email")} error={errors.email?.message}>
          <Input id="email" type="email" autoComplete="username" required {...form.register("email")} {...fieldErrorProps(errors.email?.message, fieldErrorId("email"))} />
        </Field>
        <Field id="password" label={t("password")} error={errors.password?.message}>
          <Input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            {...form.register("password")}
            {...fieldErrorProps(errors.password?.message, fieldErrorId("password"))}
          />
        </Field>
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
