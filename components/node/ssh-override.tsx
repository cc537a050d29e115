"use client";

import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useForm } from "react-hook-form";
import { useZodResolver } from "@/components/ui/use-zod-resolver";
import { toast } from "sonner";
import type { z } from "zod";
import { sshOverrideSchema, type SshOverride } from "@/lib/fleet/schema";
import { Button } from "@/components/ui/button";
import { Field, fieldErrorId, fieldErrorProps } from "@/components/ui/field";
import { Input } from "@/components/ui/input";

type Override = { sshUser: string | null; sshPort: number | null };
type Res = { ok: true; data: Override } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };
/** What the two inputs hold: text, "" for "use the default" (the schema types the port's input as unknown: it coerces). */
type FormIn = z.input<typeof sshOverrideSchema>;
const FIELDS = ["sshUser", "sshPort"] as const;

/**
 * Admin-only per-node SSH user/port; empty fields fall back to the console's
 * defaults. The key is never shown. Validates with the server action's own
 * schema (lib/fleet/schema.ts), each field's error inline; the server receives
 * the fields as typed, as strings ("" = the default), and parses them with the
 * same schema.
 */
export function SshOverrideForm(props: { ipv4: string; current: Override; defaults: { sshUser: string; sshPort: number }; save: (input: unknown) => Promise<Res> }) {
  const router = useRouter();
  const t = useTranslations("node.ssh");
  const {
    register,
    handleSubmit,
    getValues,
    setError,
    formState: { errors, isSubmitting: pending },
  } = useForm<FormIn, unknown, SshOverride>({
    resolver: useZodResolver(sshOverrideSchema),
    defaultValues: { sshUser: props.current.sshUser ?? "", sshPort: props.current.sshPort === null ? "" : String(props.current.sshPort) },
  });
  const submit = handleSubmit(async () => {
    // exactly what the FormData version sent: the raw strings, never the parsed null/number
    const { sshUser, sshPort } = getValues();
    const r = await props.save({ ipv4: props.ipv4, sshUser: String(sshUser ?? ""), sshPort: String(sshPort ?? "") });
    if (r.ok) {
      toast.success(t("saved"));
      router.refresh();
      return;
    }
    for (const f of FIELDS) {
      const m = r.error.fieldErrors?.[f]?.[0];
      if (m) setError(f, { message: m });
    }
    toast.error(r.error.message);
  });
  const userError = errors.sshUser?.message;
  const portError = errors.sshPort?.message;
  return (
    <form aria-label={t("aria")} className="mt-6 space-y-2 rounded-lg border border-border bg-card p-3 text-sm" noValidate onSubmit={(e) => void submit(e)}>
      <h2 className="text-sm font-semibold">{t("heading")}</h2>
      <p className="text-xs text-muted-foreground">{t("help", { user: props.defaults.sshUser, port: props.defaults.sshPort })}</p>
      <div className="grid grid-cols-2 gap-2">
        <Field id="ssh-user" label={t("user")} error={userError}>
          <Input id="ssh-user" placeholder={props.defaults.sshUser} autoComplete="off" {...fieldErrorProps(userError, fieldErrorId("ssh-user"))} {...register("sshUser")} />
        </Field>
        <Field id="ssh-port" label={t("port")} error={portError}>
          <Input id="ssh-port" inputMode="numeric" autoComplete="off" placeholder={String(props.defaults.sshPort)} {...fieldErrorProps(portError, fieldErrorId("ssh-port"))} {...register("sshPort")} />
        </Field>
      </div>
      <Button size="sm" type="submit" disabled={pending}>
        {t("save")}
      </Button>
    </form>
  );
}
