"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { parseAsString, useQueryStates } from "nuqs";
import { Controller, get, useForm, useWatch, type Control, type FieldErrors } from "react-hook-form";
import { useZodResolver } from "@/components/ui/use-zod-resolver";
import { toast } from "sonner";
import type { z } from "zod";
import { chooseSchema } from "@/lib/provisioning/choose-schema";
import type { ChooseView } from "@/lib/provisioning/choose";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Time } from "@/components/i18n/time";

// The wizard's step 2 (issue #14): account and region in the URL (the server
// reads Center's lists for them), plan / image / version / metering in a form
// validated with the server's own zod schema; every option says why it fits or
// not. The server checks everything again on confirm.

type Res = { ok: true; data: unknown } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };
const msg = (errors: FieldErrors, path: string) => (get(errors, path) as { message?: string } | undefined)?.message;

/** Radix refuses an item whose value is "": the "—" item's stand-in (the form sees "") */
const NONE_CHOSEN = "__none__";

/** One of the wizard's choices (account, region, plan, image) as a Radix Select bound to the form; its trigger's id is `choose-<name>`. */
function ChoiceField({
  control,
  name,
  options,
  disabled,
  empty,
  onChange,
}: {
  control: Control<z.input<typeof chooseSchema>, unknown, z.output<typeof chooseSchema>>;
  name: "account" | "region" | "plan" | "image";
  options: { value: string; label: string; disabled?: boolean }[];
  disabled?: boolean;
  /** the label of an item that chooses nothing (value "") */
  empty?: string;
  onChange?: (value: string) => void;
}) {
  return (
    <Controller
      control={control}
      name={name}
      render={({ field }) => (
        <Select
          emptyValue={empty !== undefined ? NONE_CHOSEN : undefined}
          value={(field.value as string | undefined) ?? ""}
          onValueChange={(v) => {
            field.onChange(v);
            onChange?.(v);
          }}
          disabled={disabled}
        >
          <SelectTrigger id={`choose-${name}`} ref={field.ref} onBlur={field.onBlur}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {empty !== undefined ? <SelectItem value={NONE_CHOSEN}>{empty}</SelectItem> : null}
            {options.map((o) => (
              <SelectItem key={o.value} value={o.value} disabled={o.disabled}>
                {o.label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      )}
    />
  );
}

export function ChooseStep({ view, canOperate, confirm }: { view: ChooseView; canOperate: boolean; confirm: (input: unknown) => Promise<Res> }) {
  const t = useTranslations("provisioning.choose");
  // lib's sentences (why a plan or image fits, Center's unreadable lists) by their catalog codes
  const tp = useTranslations("provisioning");
  const router = useRouter();
  const [, setQuery] = useQueryStates({ account: parseAsString, region: parseAsString }, { history: "replace", scroll: false, shallow: false });
  const firstPlan = view.plans.find((p) => p.fits);
  const firstImage = view.images.find((i) => i.usable);
  const c = view.confirmed;
  const { register, handleSubmit, control, formState } = useForm<z.input<typeof chooseSchema>, unknown, z.output<typeof chooseSchema>>({
    resolver: useZodResolver(chooseSchema),
    defaultValues: {
      operationId: view.operationId,
      account: view.account?.name ?? "",
      region: view.region ?? "",
      plan: c?.plan.id ?? firstPlan?.id ?? "",
      image: c?.image.id ?? firstImage?.id ?? "",
      version: c?.version ?? view.version ?? "",
      planResetDay: null,
      approximateCalendarMonth: false,
      meteringOff: null,
      seedGb: 0,
    },
  });
  const planId = useWatch({ control, name: "plan" });
  const imageId = useWatch({ control, name: "image" });
  const plan = view.plans.find((p) => p.id === planId);
  const image = view.images.find((i) => i.id === imageId);
  const [busy, setBusy] = React.useState(false);

  async function submit(v: z.output<typeof chooseSchema>) {
    setBusy(true);
    try {
      const res = await confirm(v);
      if (!res.ok) {
        toast.error(res.error.message);
        return;
      }
      toast.success(t("confirmedToast"));
      router.refresh();
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-4">
      {view.errors.length ? (
        <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-2 text-sm" data-testid="choose-errors">
          {view.errorPhrases.map((p) => tp(p.code, p.values)).join("; ")}
        </p>
      ) : null}
      {c ? (
        <section aria-label={t("confirmedLabel")} className="rounded-md border border-success/50 p-3 text-sm" data-testid="choices-confirmed">
          <p className="font-medium">
            {t.rich("confirmedBy", { badge: () => <Badge variant="success">{t("confirmedBadge")}</Badge>, by: c.confirmedBy, time: () => <Time value={c.confirmedAt} /> })}
          </p>
          <p>
            {t("confirmedSummary", {
              name: c.name,
              account: c.account,
              provider: c.provider,
              region: c.region,
              plan: c.plan.name,
              transferGb: String(c.plan.transferGb),
              marginGb: String(c.plan.marginGb),
              image: c.image.name,
              version: c.version,
            })}
          </p>
          <p>
            {c.metering.kind === "meter"
              ? t("meteringOn", { billingDay: String(c.metering.billingDay), limitGb: String(c.metering.limitGb), mode: c.metering.mode, seedGb: String(c.metering.seedGb) })
              : t("meteringOff", { reason: c.metering.reason })}
          </p>
        </section>
      ) : null}
      <form onSubmit={handleSubmit(submit)} noValidate aria-label={t("formLabel")} className="space-y-4 rounded-lg border border-border bg-card p-4 text-sm">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field id="choose-account" label={t("account")} error={msg(formState.errors, "account")}>
            <ChoiceField control={control} name="account" disabled={!canOperate} onChange={(v) => void setQuery({ account: v || null, region: null })} options={view.accounts.map((a) => ({ value: a.name, label: `${a.name} (${a.provider})` }))} />
          </Field>
          <Field id="choose-region" label={t("region")} hint={t("regionHint", { region: view.ask.region })} error={msg(formState.errors, "region")}>
            <ChoiceField
              control={control}
              name="region"
              disabled={!canOperate}
              empty="—"
              onChange={(v) => void setQuery({ region: v || null })}
              options={view.regions.map((r) => ({ value: r.slug, label: `${r.slug} · ${r.nameEn}${r.providerId ? ` (${r.providerId})` : ""}`, disabled: !r.available }))}
            />
          </Field>
          <Field id="choose-plan" label={t("plan")} hint={plan ? <span className={plan.fits ? undefined : "text-destructive"}>{tp(plan.whyPhrase.code, plan.whyPhrase.values)}</span> : t("planHint", { soldGib: String(view.ask.soldGib), headroomGb: String(view.rule.headroomGb) })} error={msg(formState.errors, "plan")}>
            <ChoiceField
              control={control}
              name="plan"
              disabled={!canOperate}
              options={view.plans.map((p) => ({ value: p.id, label: `${p.fits ? "" : "✗ "}${t("planOption", { name: p.name, transferGb: String(p.transferGb), cpu: String(p.cpu), memoryMb: String(p.memoryMb), price: String(p.priceMonthly) })}` }))}
            />
          </Field>
          <Field id="choose-image" label={t("image")} hint={image ? <span className={image.usable ? undefined : "text-destructive"}>{tp(image.whyPhrase.code, image.whyPhrase.values)}</span> : t("imageHint")} error={msg(formState.errors, "image")}>
            <ChoiceField control={control} name="image" disabled={!canOperate} options={view.images.map((i) => ({ value: i.id, label: `${i.usable ? "" : "✗ "}${i.name}` }))} />
          </Field>
          <Field id="choose-version" label={t("version")} hint={view.version ? t("versionHint", { version: view.version }) : t("versionNone")} error={msg(formState.errors, "version")}>
            <Input id="choose-version" className="font-mono" {...register("version")} disabled={!canOperate} />
          </Field>
          <Field id="choose-seedGb" label={t("seed")} hint={t("seedHint")} error={msg(formState.errors, "seedGb")}>
            <Input id="choose-seedGb" type="number" min={0} className="w-32" {...register("seedGb", { valueAsNumber: true })} disabled={!canOperate} />
          </Field>
        </div>
        <div className="space-y-2" data-testid="metering-rule">
          <p>
            {t("rule", {
              provider: view.rule.provider || t("ruleProvider"),
              reset: view.rule.reset === "calendar-1st" ? t("resetCalendar") : view.rule.reset === "plan-day" ? t("resetPlanDay") : t("resetNotMonthly"),
              mode: view.rule.billingMode,
              unverified: view.rule.verified ? "" : t("unverified"),
            })}
          </p>
          {view.rule.reset === "plan-day" ? (
            <Field id="choose-planResetDay" label={t("planResetDay")} error={msg(formState.errors, "planResetDay")}>
              <Input id="choose-planResetDay" type="number" min={1} max={31} className="w-24" {...register("planResetDay", { setValueAs: (v: string) => (v === "" || v === null ? null : Number(v)) })} disabled={!canOperate} />
            </Field>
          ) : null}
          {view.rule.reset === "not-monthly" ? (
            <label className="flex items-center gap-2">
              <input type="checkbox" {...register("approximateCalendarMonth")} disabled={!canOperate} /> {t("approximate")}
            </label>
          ) : null}
          <Field id="choose-meteringOff" label={t("meteringOffField")} error={msg(formState.errors, "meteringOff")}>
            <Input id="choose-meteringOff" {...register("meteringOff", { setValueAs: (v: string) => (v ? v : null) })} disabled={!canOperate} />
          </Field>
        </div>
        {canOperate ? (
          <Button type="submit" loading={busy} disabled={busy || !!view.errors.length}>
            {c ? t("confirmAgain") : t("confirm")}
          </Button>
        ) : (
          <p className="text-muted-foreground">{t("viewerNote")}</p>
        )}
      </form>
    </div>
  );
}
