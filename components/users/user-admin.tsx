"use client";

import { useState, useTransition, type TransitionStartFunction } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { useTranslations } from "next-intl";
import { Controller, useForm } from "react-hook-form";
import { useZodResolver } from "@/components/ui/use-zod-resolver";
import type { z } from "zod";
import { ROLES, type Role } from "@/lib/auth/roles";
import { newUserSchema, passwordResetSchema } from "@/lib/auth/user-schemas";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Field, fieldErrorId, fieldErrorProps } from "@/components/ui/field";
import { Badge } from "@/components/ui/badge";
import { Dialog } from "@/components/ui/dialog";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";

type UserRow = { id: string; email: string; name: string; role: Role; disabled: boolean; lastLoginAt: string | null };
type Result = { ok: true } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };
type NewUserInput = z.input<typeof newUserSchema>;
type NewUserOutput = z.output<typeof newUserSchema>;
type PasswordReset = z.infer<typeof passwordResetSchema>;
const NEW_USER_FIELDS = ["email", "name", "role", "password"] as const;
const blankUser: NewUserInput = { email: "", name: "", role: "viewer", password: "" };

/** The admin's "set a new password" form of the reset dialog; validates with the server action's own schema. */
function ResetPasswordForm(props: {
  target: UserRow;
  pending: boolean;
  start: TransitionStartFunction;
  resetPassword: (input: unknown) => Promise<Result>;
  onDone: () => void;
  onCancel: () => void;
}) {
  const t = useTranslations("users");
  const tConfirm = useTranslations("confirm");
  const form = useForm<PasswordReset>({ resolver: useZodResolver(passwordResetSchema), defaultValues: { id: props.target.id, password: "" } });
  const error = form.formState.errors.password?.message ?? form.formState.errors.id?.message;
  const onSubmit = form.handleSubmit((values) => {
    props.start(async () => {
      const res = await props.resetPassword({ id: values.id, password: values.password });
      if (res.ok) {
        props.onDone();
        toast.success(t("passwordSet", { email: props.target.email }));
      } else {
        form.setError("password", { message: res.error.fieldErrors?.password?.join(" ") ?? res.error.message });
      }
    });
  });
  return (
    <form onSubmit={onSubmit} aria-label={t("resetPassword")} noValidate className="space-y-3">
      <Field id="reset-password" label={t("newPassword")} error={error}>
        <Input id="reset-password" type="password" autoComplete="new-password" data-autofocus {...form.register("password")} {...fieldErrorProps(error, fieldErrorId("reset-password"))} />
      </Field>
      <div className="flex justify-end gap-2">
        <Button type="button" variant="outline" onClick={props.onCancel} disabled={props.pending}>
          {tConfirm("cancel")}
        </Button>
        <Button type="submit" disabled={props.pending}>
          {t("setPassword")}
        </Button>
      </div>
    </form>
  );
}

export function UserAdmin(props: {
  me: string;
  users: UserRow[];
  addUser: (input: unknown) => Promise<Result>;
  changeUser: (input: unknown) => Promise<Result>;
  resetPassword: (input: unknown) => Promise<Result>;
}) {
  const t = useTranslations("users");
  const tRoles = useTranslations("roles");
  const router = useRouter();
  const [pending, start] = useTransition();
  const [resetFor, setResetFor] = useState<UserRow | null>(null);
  // the add-user form validates with the server action's own schema; the server's field errors land on the same fields
  const addForm = useForm<NewUserInput, unknown, NewUserOutput>({ resolver: useZodResolver(newUserSchema), defaultValues: blankUser });
  const addErrors = addForm.formState.errors;
  const roleItems = ROLES.map((r) => (
    <SelectItem key={r} value={r}>
      {tRoles(r)}
    </SelectItem>
  ));

  function report(res: Result, ok: string) {
    if (res.ok) {
      toast.success(ok);
      router.refresh();
    } else {
      toast.error(res.error.message);
    }
    return res.ok;
  }

  // the server receives the fields as typed (it trims and lowercases them itself)
  const onAdd = addForm.handleSubmit(() => {
    const data = addForm.getValues();
    start(async () => {
      const res = await props.addUser(data);
      if (!res.ok) {
        for (const k of NEW_USER_FIELDS) {
          const m = res.error.fieldErrors?.[k];
          if (m?.length) addForm.setError(k, { message: m.join(" ") });
        }
      }
      if (report(res, t("added", { email: String(data.email) }))) addForm.reset(blankUser);
    });
  });

  function change(id: string, patch: { role?: Role; disabled?: boolean }, label: string) {
    start(async () => {
      report(await props.changeUser({ id, ...patch }), label);
    });
  }

  // the add form's error lines keep their ids `err-<field>` (the e2e specs find them so)
  const described = (k: (typeof NEW_USER_FIELDS)[number]) => fieldErrorProps(addErrors[k]?.message, `err-${k}`);

  return (
    <div className="space-y-6">
      <form onSubmit={onAdd} className="grid grid-cols-1 gap-3 rounded-lg border border-border bg-card p-4 md:grid-cols-5" aria-label={t("add")} noValidate>
        <Field id="new-email" label={t("email")} error={addErrors.email?.message} errorId="err-email">
          <Input id="new-email" type="email" required {...addForm.register("email")} {...described("email")} />
        </Field>
        <Field id="new-name" label={t("name")} error={addErrors.name?.message} errorId="err-name">
          <Input id="new-name" {...addForm.register("name")} {...described("name")} />
        </Field>
        <Field id="new-role" label={t("role")} error={addErrors.role?.message} errorId="err-role">
          <Controller
            control={addForm.control}
            name="role"
            render={({ field }) => (
              <Select name={field.name} value={field.value} onValueChange={field.onChange} disabled={field.disabled}>
                <SelectTrigger id="new-role" className="h-9" ref={field.ref} onBlur={field.onBlur} {...described("role")}>
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>{roleItems}</SelectContent>
              </Select>
            )}
          />
        </Field>
        <Field id="new-password" label={t("initialPassword")} error={addErrors.password?.message} errorId="err-password">
          <Input id="new-password" type="password" autoComplete="new-password" required {...addForm.register("password")} {...described("password")} />
        </Field>
        <div className="flex items-end">
          <Button type="submit" disabled={pending}>
            {t("add")}
          </Button>
        </div>
      </form>

      <div className="overflow-x-auto rounded-lg border border-border">
        <table className="w-full text-sm" data-testid="users-table">
          <thead className="bg-muted/50 text-left text-xs uppercase text-muted-foreground">
            <tr>
              <th className="px-3 py-2">{t("columns.user")}</th>
              <th className="px-3 py-2">{t("columns.role")}</th>
              <th className="px-3 py-2">{t("columns.status")}</th>
              <th className="px-3 py-2">{t("columns.lastSignIn")}</th>
              <th className="px-3 py-2" />
            </tr>
          </thead>
          <tbody>
            {props.users.map((u) => (
              <tr key={u.id} className="border-t border-border" data-email={u.email}>
                <td className="px-3 py-2">
                  <div>{u.email}</div>
                  <div className="text-xs text-muted-foreground">{u.name}</div>
                </td>
                <td className="px-3 py-2">
                  <Select value={u.role} disabled={pending} onValueChange={(v) => change(u.id, { role: v as Role }, t("roleChanged", { email: u.email, role: tRoles(v as Role) }))}>
                    <SelectTrigger aria-label={t("roleOf", { email: u.email })} className="w-auto min-w-28">
                      <SelectValue />
                    </SelectTrigger>
                    <SelectContent>{roleItems}</SelectContent>
                  </Select>
                </td>
                <td className="px-3 py-2">{u.disabled ? <Badge variant="destructive">{t("disabled")}</Badge> : <Badge variant="success">{t("active")}</Badge>}</td>
                <td className="px-3 py-2 text-xs text-muted-foreground">{u.lastLoginAt ? u.lastLoginAt.replace("T", " ").slice(0, 16) : t("never")}</td>
                <td className="px-3 py-2 text-right">
                  {u.id === props.me ? (
                    <span className="text-xs text-muted-foreground">{t("you")}</span>
                  ) : (
                    <span className="inline-flex gap-2">
                    <Button size="sm" variant="outline" disabled={pending} onClick={() => setResetFor(u)}>
                      {t("resetPassword")}
                    </Button>
                    <Button
                      size="sm"
                      variant={u.disabled ? "outline" : "destructive"}
                      disabled={pending}
                      onClick={() => change(u.id, { disabled: !u.disabled }, u.disabled ? t("enabledToast", { email: u.email }) : t("disabledToast", { email: u.email }))}
                    >
                      {u.disabled ? t("enable") : t("disable")}
                    </Button>
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <Dialog
        open={resetFor !== null}
        onOpenChange={(o) => { if (!o) setResetFor(null); }}
        dismissible={!pending}
        title={t("resetTitle", { email: resetFor?.email ?? "" })}
        description={t("resetDescription")}
      >
        {resetFor ? (
          <ResetPasswordForm
            key={resetFor.id}
            target={resetFor}
            pending={pending}
            start={start}
            resetPassword={props.resetPassword}
            onDone={() => setResetFor(null)}
            onCancel={() => setResetFor(null)}
          />
        ) : null}
      </Dialog>
    </div>
  );
}
