"use client";

import { useState, useTransition } from "react";
import { signOut } from "next-auth/react";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

type Result = { ok: true } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };

/** Own password change. On success every session ends, this one too, so the user signs in again. */
export function PasswordChangeForm({ changePassword }: { changePassword: (input: unknown) => Promise<Result> }) {
  const t = useTranslations("account.password");
  const [pending, start] = useTransition();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});

  function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(e.currentTarget));
    start(async () => {
      const res = await changePassword(data);
      setFieldErrors(res.ok ? {} : (res.error.fieldErrors ?? {}));
      if (!res.ok) {
        toast.error(res.error.message);
        return;
      }
      toast.success(t("changed"));
      await signOut({ callbackUrl: "/login?reason=password" });
    });
  }

  const field = (name: string, label: string, autoComplete: string) => (
    <div className="space-y-1">
      <Label htmlFor={`pw-${name}`}>{label}</Label>
      <Input id={`pw-${name}`} name={name} type="password" autoComplete={autoComplete} required aria-invalid={!!fieldErrors[name]} />
      {fieldErrors[name]?.length ? (
        <p className="text-xs text-destructive" id={`err-${name}`}>
          {fieldErrors[name].join(" ")}
        </p>
      ) : null}
    </div>
  );

  return (
    <form onSubmit={onSubmit} aria-label={t("heading")} noValidate className="max-w-sm space-y-3 rounded-lg border border-border bg-card p-4">
      <h2 className="text-sm font-semibold">{t("heading")}</h2>
      {field("currentPassword", t("current"), "current-password")}
      {field("newPassword", t("new"), "new-password")}
      {field("confirmPassword", t("confirm"), "new-password")}
      <p className="text-xs text-muted-foreground">{t("help")}</p>
      <Button type="submit" disabled={pending}>
        {t("submit")}
      </Button>
    </form>
  );
}
