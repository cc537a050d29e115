"use client";

import { useState, useTransition } from "react";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

type Res = { ok: true; data: { ipv4: string; name: string; converted: boolean } } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };

/**
 * "Add node by IP": a machine Center does not list (its sidecar never
 * registered) joins the fleet table as "not in Center". The server validates
 * the address and refuses one Center lists; its field errors are shown here.
 */
export function AddNodeDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; add: (input: unknown) => Promise<Res>; onAdded: () => void }) {
  const t = useTranslations("fleet.addNode");
  const [pending, start] = useTransition();
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const close = (open: boolean) => {
    if (!open) {
      setErrors({});
      setFailure(null);
    }
    props.onOpenChange(open);
  };
  return (
    <Dialog
      open={props.open}
      onOpenChange={close}
      dismissible={!pending}
      size="sm"
      title={t("title")}
      description={t("description")}
    >
      <form
        aria-label={t("form")}
        className="space-y-3 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          start(async () => {
            const r = await props.add({ ipv4: String(f.get("ipv4") ?? ""), name: String(f.get("name") ?? "") });
            if (r.ok) {
              toast.success(r.data.converted ? t("converted", { ip: r.data.ipv4 }) : t("added", { ip: r.data.ipv4 }));
              close(false);
              props.onAdded();
            } else {
              setErrors(r.error.fieldErrors ?? {});
              // a field's own message says it; anything else (Center lists it, added twice) is shown whole
              setFailure(r.error.fieldErrors ? null : r.error.message);
            }
          });
        }}
      >
        <div className="space-y-1">
          <Label htmlFor="add-node-ipv4" required>
            {t("ipv4")}
          </Label>
          <Input id="add-node-ipv4" name="ipv4" required data-autofocus placeholder="203.0.113.7" inputMode="decimal" autoComplete="off" aria-invalid={Boolean(errors.ipv4)} />
          {errors.ipv4 ? <p className="text-xs text-destructive">{errors.ipv4[0]}</p> : null}
        </div>
        <div className="space-y-1">
          <Label htmlFor="add-node-name">{t("name")}</Label>
          <Input id="add-node-name" name="name" maxLength={200} placeholder="jp-tokyo-03" autoComplete="off" aria-invalid={Boolean(errors.name)} />
          {errors.name ? <p className="text-xs text-destructive">{errors.name[0]}</p> : null}
        </div>
        {failure ? (
          <p role="alert" className="text-xs text-destructive">
            {failure}
          </p>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button type="button" variant="outline" onClick={() => close(false)} disabled={pending}>
            {t("cancel")}
          </Button>
          <Button type="submit" disabled={pending} aria-busy={pending}>
            {t("submit")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
