"use client";

import { useTransition } from "react";
import { signOut } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useForm } from "react-hook-form";
import { useZodResolver } from "@/components/ui/use-zod-resolver";
import { toast } from "sonner";
import type { z } from "zod";
import { passwordChangeSchema } from "@/lib/auth/user-schemas";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Field, fieldErrorProps } from "@/components/ui/field";

type Result = { ok: true } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };
type PasswordChange = z.infer<typeof passwordChangeSchema>;
const FIELDS = ["currentPassword", "newPassword", "confirmPassword"] as const;

/** Own password change. On success every session ends, this one too, so the user signs in again. */
export function PasswordChangeForm({ changePassword }: { changePassword: (input: unknown) => Promise<Result> }) {
  const t = useTranslations("account.password");
  const [pending, start] = useTransition();
  // validates with the server action's own schema; the server's field errors land on the same fields
  const form = useForm<PasswordChange>({
    resolver: useZodResolver(passwordChangeSchema),
    defaultValues: { currentPassword: "", newPassword: "", confirmPassword: "" },
  });
  const errors = form.formState.errors;

  const onSubmit = form.handleSubmit((values) => {
    start(async () => {
      const res = await changePassword(values);
      if (!res.ok) {
        for (const k of FIELDS) {
          const m = res.error.fieldErrors?.[k];
          if (m?.length) form.setError(k, { message: m.join(" ") });
        }
        toast.error(res.error.message);
        return;
      }
      toast.success(t("changed"));
      await signOut({ callbackUrl: "/login?reason=password" });
    });
  });

  // each input is `pw-<name>`, its error line `err-<name>` (the e2e specs find them so)
  const field = (name: (typeof FIELDS)[number], label: string, autoComplete: string) => (
    <Field id={`pw-${name}`} label={label} error={errors[name]?.message} errorId={`err-${name}`}>
      <Input id={`pw-${name}`} type="password" autoComplete={autoComplete} required {...form.register(name)} {...fieldErrorProps(errors[name]?.message, `err-${name}`)} />
    </Field>
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
