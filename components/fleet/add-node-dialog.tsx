"use client";

import { useState } from "react";
import { useForm } from "react-hook-form";
import { useZodResolver } from "@/components/ui/use-zod-resolver";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import type { z } from "zod";
import { manualNodeSchema } from "@/lib/fleet/schema";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Field, fieldErrorProps } from "@/components/ui/field";

type Res = { ok: true; data: { ipv4: string; name: string; converted: boolean } } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };
type FormIn = z.input<typeof manualNodeSchema>;
type FormOut = z.output<typeof manualNodeSchema>;

const FIELDS = ["ipv4", "name"] as const;
// the error lines keep their ids (`add-node-<field>-error`); their test ids are `error-add-node-<field>`
const errorId = (field: (typeof FIELDS)[number]) => `add-node-${field}-error`;

/**
 * "Add node by IP": a machine Center does not list (its sidecar never
 * registered) joins the fleet table as "not in Center". The form validates with
 * the server's own schema (lib/fleet/schema.ts), each field's error inline; the
 * server also refuses an address Center lists: its field errors are shown under
 * their fields, any other refusal whole.
 */
export function AddNodeDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; add: (input: unknown) => Promise<Res>; onAdded: () => void }) {
  const t = useTranslations("fleet.addNode");
  const [pending, setPending] = useState(false);
  return (
    <Dialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      dismissible={!pending}
      size="sm"
      title={t("title")}
      description={t("description")}
    >
      {/* the dialog's content mounts only while open: the form starts fresh each time */}
      <AddNodeForm add={props.add} onPending={setPending} onClose={() => props.onOpenChange(false)} onAdded={props.onAdded} />
    </Dialog>
  );
}

function AddNodeForm(props: { add: (input: unknown) => Promise<Res>; onPending: (pending: boolean) => void; onClose: () => void; onAdded: () => void }) {
  const t = useTranslations("fleet.addNode");
  const {
    register,
    handleSubmit,
    getValues,
    setError,
    formState: { errors, isSubmitting: pending },
  } = useForm<FormIn, unknown, FormOut>({ resolver: useZodResolver(manualNodeSchema), defaultValues: { ipv4: "", name: "" } });
  const submit = handleSubmit(async () => {
    // the server receives what was typed, as before (it parses it with the same schema)
    const { ipv4, name } = getValues();
    props.onPending(true);
    let r: Res;
    try {
      r = await props.add({ ipv4, name: name ?? "" });
    } finally {
      props.onPending(false);
    }
    if (r.ok) {
      toast.success(r.data.converted ? t("converted", { ip: r.data.ipv4 }) : t("added", { ip: r.data.ipv4 }));
      props.onClose();
      props.onAdded();
      return;
    }
    // a field's own message says it; anything else (Center lists it, added twice) is shown whole
    const fe = r.error.fieldErrors ?? {};
    let placed = false;
    for (const f of FIELDS) {
      const m = fe[f]?.[0];
      if (m) {
        setError(f, { message: m });
        placed = true;
      }
    }
    if (!placed) setError("root.server", { message: r.error.message });
  });
  const failure = errors.root?.server?.message;
  return (
    <form aria-label={t("form")} className="space-y-3 text-sm" noValidate onSubmit={(e) => void submit(e)}>
      <Field id="add-node-ipv4" label={t("ipv4")} required error={errors.ipv4?.message} errorId={errorId("ipv4")}>
        <Input
          id="add-node-ipv4"
          required
          data-autofocus
          placeholder="203.0.113.7"
          inputMode="decimal"
          autoComplete="off"
          {...fieldErrorProps(errors.ipv4?.message, errorId("ipv4"))}
          {...register("ipv4")}
        />
      </Field>
      <Field id="add-node-name" label={t("name")} error={errors.name?.message} errorId={errorId("name")}>
        <Input id="add-node-name" maxLength={200} placeholder="jp-tokyo-03" autoComplete="off" {...fieldErrorProps(errors.name?.message, errorId("name"))} {...register("name")} />
      </Field>
      {failure ? (
        <p role="alert" className="text-xs text-destructive">
          {failure}
        </p>
      ) : null}
      <div className="flex justify-end gap-2">
        <Button type="button" variant="outline" onClick={props.onClose} disabled={pending}>
          {t("cancel")}
        </Button>
        <Button type="submit" disabled={pending} aria-busy={pending}>
          {t("submit")}
        </Button>
      </div>
    </form>
  );
}
