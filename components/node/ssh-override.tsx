"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

type Override = { sshUser: string | null; sshPort: number | null };
type Res = { ok: true; data: Override } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };

/** Admin-only per-node SSH user/port; empty fields fall back to the console's defaults. The key is never shown. */
export function SshOverrideForm(props: { ipv4: string; current: Override; defaults: { sshUser: string; sshPort: number }; save: (input: unknown) => Promise<Res> }) {
  const router = useRouter();
  const t = useTranslations("node.ssh");
  const [pending, start] = useTransition();
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  return (
    <form
      aria-label={t("aria")}
      className="mt-6 space-y-2 rounded-lg border border-border bg-card p-3 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        start(async () => {
          const r = await props.save({ ipv4: props.ipv4, sshUser: String(f.get("sshUser") ?? ""), sshPort: String(f.get("sshPort") ?? "") });
          if (r.ok) {
            setErrors({});
            toast.success(t("saved"));
            router.refresh();
          } else {
            setErrors(r.error.fieldErrors ?? {});
            toast.error(r.error.message);
          }
        });
      }}
    >
      <h2 className="text-sm font-semibold">{t("heading")}</h2>
      <p className="text-xs text-muted-foreground">{t("help", { user: props.defaults.sshUser, port: props.defaults.sshPort })}</p>
      <div className="grid grid-cols-2 gap-2">
        <div className="space-y-1">
          <Label htmlFor="ssh-user">{t("user")}</Label>
          <Input id="ssh-user" name="sshUser" defaultValue={props.current.sshUser ?? ""} placeholder={props.defaults.sshUser} autoComplete="off" aria-invalid={Boolean(errors.sshUser)} />
          {errors.sshUser ? <p className="text-xs text-destructive">{errors.sshUser[0]}</p> : null}
        </div>
        <div className="space-y-1">
          <Label htmlFor="ssh-port">{t("port")}</Label>
          <Input id="ssh-port" name="sshPort" inputMode="numeric" defaultValue={props.current.sshPort ?? ""} placeholder={String(props.defaults.sshPort)} aria-invalid={Boolean(errors.sshPort)} />
          {errors.sshPort ? <p className="text-xs text-destructive">{errors.sshPort[0]}</p> : null}
        </div>
      </div>
      <Button size="sm" type="submit" disabled={pending}>
        {t("save")}
      </Button>
    </form>
  );
}
