"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { useTranslations } from "next-intl";
import { ROLES, type Role } from "@/lib/auth/roles";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Badge } from "@/components/ui/badge";
import { Dialog } from "@/components/ui/dialog";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";

type UserRow = { id: string; email: string; name: string; role: Role; disabled: boolean; lastLoginAt: string | null };
type Result = { ok: true } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };

export function UserAdmin(props: {
  me: string;
  users: UserRow[];
  addUser: (input: unknown) => Promise<Result>;
  changeUser: (input: unknown) => Promise<Result>;
  resetPassword: (input: unknown) => Promise<Result>;
}) {
  const t = useTranslations("users");
  const tRoles = useTranslations("roles");
  const tConfirm = useTranslations("confirm");
  const router = useRouter();
  const [pending, start] = useTransition();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [resetFor, setResetFor] = useState<UserRow | null>(null);
  const [resetError, setResetError] = useState<string | null>(null);
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

  function onAdd(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = Object.fromEntries(new FormData(form));
    start(async () => {
      const res = await props.addUser(data);
      setFieldErrors(res.ok ? {} : (res.error.fieldErrors ?? {}));
      if (report(res, t("added", { email: String(data.email) }))) form.reset();
    });
  }

  function change(id: string, patch: { role?: Role; disabled?: boolean }, label: string) {
    start(async () => {
      report(await props.changeUser({ id, ...patch }), label);
    });
  }

  function onReset(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const target = resetFor;
    if (!target) return;
    const password = String(new FormData(e.currentTarget).get("password") ?? "");
    start(async () => {
      const res = await props.resetPassword({ id: target.id, password });
      if (res.ok) {
        setResetFor(null);
        setResetError(null);
        toast.success(t("passwordSet", { email: target.email }));
      } else {
        setResetError(res.error.fieldErrors?.password?.join(" ") ?? res.error.message);
      }
    });
  }

  const err = (k: string) =>
    fieldErrors[k]?.length ? (
      <p className="text-xs text-destructive" id={`err-${k}`}>
        {fieldErrors[k].join(" ")}
      </p>
    ) : null;

  return (
    <div className="space-y-6">
      <form onSubmit={onAdd} className="grid grid-cols-1 gap-3 rounded-lg border border-border bg-card p-4 md:grid-cols-5" aria-label={t("add")} noValidate>
        <div className="space-y-1">
          <Label htmlFor="new-email">{t("email")}</Label>
          <Input id="new-email" name="email" type="email" required aria-invalid={!!fieldErrors.email} />
          {err("email")}
        </div>
        <div className="space-y-1">
          <Label htmlFor="new-name">{t("name")}</Label>
          <Input id="new-name" name="name" />
        </div>
        <div className="space-y-1">
          <Label htmlFor="new-role">{t("role")}</Label>
          <Select name="role" defaultValue="viewer">
            <SelectTrigger id="new-role" className="h-9">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>{roleItems}</SelectContent>
          </Select>
        </div>
        <div className="space-y-1">
          <Label htmlFor="new-password">{t("initialPassword")}</Label>
          <Input id="new-password" name="password" type="password" autoComplete="new-password" required aria-invalid={!!fieldErrors.password} />
          {err("password")}
        </div>
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
                    <Button size="sm" variant="outline" disabled={pending} onClick={() => { setResetError(null); setResetFor(u); }}>
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
        <form onSubmit={onReset} aria-label={t("resetPassword")} noValidate className="space-y-3">
          <div className="space-y-1">
            <Label htmlFor="reset-password">{t("newPassword")}</Label>
            <Input id="reset-password" name="password" type="password" autoComplete="new-password" data-autofocus aria-invalid={!!resetError} />
            {resetError ? (
              <p className="text-xs text-destructive" id="err-reset-password">
                {resetError}
              </p>
            ) : null}
          </div>
          <div className="flex justify-end gap-2">
            <Button type="button" variant="outline" onClick={() => setResetFor(null)} disabled={pending}>
              {tConfirm("cancel")}
            </Button>
            <Button type="submit" disabled={pending}>
              {t("setPassword")}
            </Button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}
