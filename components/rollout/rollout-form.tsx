"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { Controller, get, useForm, useWatch, type Control, type FieldErrors, type Resolver } from "react-hook-form";
import { toast } from "sonner";
import type { z } from "zod";
import type { RolloutPreview } from "@/lib/rollout";
import type { Spoken } from "@/lib/text";
import { rolloutPreviewSchema } from "@/lib/rollout/schema";
import { describeThreshold, ROLLOUT_KINDS, strategySchema, type RolloutKind } from "@/lib/rollout/strategy";
import { FLEET_ENV_KEYS, type FleetEnvKey } from "@/lib/rollout/set-env-schema";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";
import { useZodResolver } from "@/components/ui/use-zod-resolver";
import { cn } from "@/lib/utils";
import { RolloutPlan } from "./rollout-plan";

// The rollout form: validated in the browser with the very schemas the server
// actions use (lib/rollout/schema.ts), previewed (the plan and the dry run),
// then started after the operator types the node count the preview found.

type ActionError = { code: string; message: string; fieldErrors?: Record<string, string[]> };
type Res<T> = { ok: true; data: T } | { ok: false; error: ActionError };
type FormIn = z.input<typeof rolloutPreviewSchema>;
type FormOut = z.output<typeof rolloutPreviewSchema>;
export type RolloutTargetInput = FormIn["target"];

/** The schema's defaults, shown as the form's starting values and as hints. */
const DEFAULTS = strategySchema.parse({});


/** The resolver's own refusal, shown in the page's language (the schemas' messages are the server's, as it says them). */
const NUMBER_WANTED = "number-wanted";

// an emptied number field reaches zod as NaN: say what is wanted
const numberWanted = (iss: { code: string; expected?: unknown }) => (iss.code === "invalid_type" && iss.expected === "number" ? NUMBER_WANTED : undefined);

/** The form keeps an update's tag while another kind is chosen (switching back restores it); the strict schema must not see it. */
function useRolloutResolver(): Resolver<FormIn, unknown, FormOut> {
  const schemaResolver = useZodResolver(rolloutPreviewSchema, numberWanted);
  return React.useCallback<Resolver<FormIn, unknown, FormOut>>(
    (values, ctx, opts) => {
      const p = values.params as { kind: RolloutKind; env?: EnvRow[] };
      const params = p.kind === "update" ? values.params : p.kind === "set-env" ? { kind: p.kind, env: p.env ?? [] } : { kind: p.kind };
      return schemaResolver({ ...values, params: params as FormIn["params"] }, ctx, opts);
    },
    [schemaResolver],
  );
}
type EnvRow = { key: FleetEnvKey; value: string };

const message = (errors: FieldErrors<FormIn>, path: string): string | undefined => (get(errors, path) as { message?: string } | undefined)?.message;
const idOf = (path: string) => `rollout-${path.replace(/\./g, "-")}`;

function Field({ path, label, hint, error, children, className }: { path: string; label: string; hint?: React.ReactNode; error?: string; children: React.ReactNode; className?: string }) {
  return (
    <div className={cn("space-y-1", className)}>
      <Label htmlFor={idOf(path)} className="text-foreground">
        {label}
      </Label>
      {children}
      {hint ? (
        <p id={`${idOf(path)}-hint`} className="text-xs text-muted-foreground">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${idOf(path)}-error`} className="text-xs text-destructive" data-testid={`error-${path}`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** aria wiring of one input: its hint and error describe it; an error marks it invalid. */
const aria = (path: string, error?: string, hint = true) => ({
  id: idOf(path),
  "aria-invalid": error ? true : undefined,
  "aria-describedby": [hint ? `${idOf(path)}-hint` : "", error ? `${idOf(path)}-error` : ""].filter(Boolean).join(" ") || undefined,
});

/** A select bound to one of the form's choice fields (a Controller: Radix Select is not a native input register() can drive). */
function SelectField({
  control,
  name,
  options,
  ...trigger
}: {
  control: Control<FormIn, unknown, FormOut>;
  name: "params.kind" | "strategy.promotion" | "strategy.batchSize.mode" | "strategy.failureThreshold.mode";
  options: { value: string; label: string }[];
} & Omit<React.ComponentProps<typeof SelectTrigger>, "name">) {
  return (
    <Controller
      control={control}
      name={name}
      render={({ field }) => (
        <Select value={field.value} onValueChange={field.onChange} disabled={field.disabled}>
          <SelectTrigger ref={field.ref} onBlur={field.onBlur} {...trigger}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {options.map((o) => (
              <SelectItem key={o.value} value={o.value}>
                {o.label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      )}
    />
  );
}

const parseNodes = (text: string) => text.split(/[\s,;]+/).filter(Boolean);
const filterText = (f: Record<string, string | string[]>) =>
  Object.entries(f)
    .filter(([k]) => k !== "sort" && k !== "dir")
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("|") : v}`)
    .join(", ");

export function RolloutForm({
  initialTarget,
  preview,
  start,
}: {
  initialTarget: RolloutTargetInput;
  preview: (input: unknown) => Promise<Res<Spoken<RolloutPreview>>>;
  start: (input: unknown) => Promise<Res<{ jobId: string; targeted: number; skipped: number; batches: number }>>;
}) {
  const router = useRouter();
  const t = useTranslations("rollout.form");
  const resolver = useRolloutResolver();
  const {
    register,
    control,
    handleSubmit,
    setError,
    subscribe,
    formState: { errors, isSubmitting },
  } = useForm<FormIn, unknown, FormOut>({
    resolver,
    defaultValues: { target: initialTarget, params: { kind: "update", targetTag: "", pushCompose: false }, strategy: DEFAULTS },
  });
  const kind = useWatch({ control, name: "params.kind" });
  const threshold = useWatch({ control, name: "strategy.failureThreshold" });
  const batchMode = useWatch({ control, name: "strategy.batchSize.mode" });

  // the plan as previewed, with the exact input it was previewed for (Start sends that input, not the form's current one)
  const [plan, setPlan] = React.useState<{ input: FormOut; data: Spoken<RolloutPreview> } | null>(null);
  const [stale, setStale] = React.useState(false);
  const [serverError, setServerError] = React.useState<string | null>(null);
  const [confirming, setConfirming] = React.useState(false);
  // the targeted count the last preview found: the threshold's denominator from then on
  const targeted = plan?.data.targeted ?? null;

  // any edit after a preview makes it stale: Start needs a fresh one
  React.useEffect(() => subscribe({ formState: { values: true }, callback: () => setStale(true) }), [subscribe]);

  const onPreview = handleSubmit(async (input) => {
    setServerError(null);
    const res = await preview(input);
    if (!res.ok) {
      setServerError(res.error.message);
      for (const [path, msgs] of Object.entries(res.error.fieldErrors ?? {})) setError(path as never, { type: "server", message: msgs[0] });
      return;
    }
    setPlan({ input, data: res.data });
    setStale(false);
  });

  async function onStart() {
    if (!plan) return;
    const res = await start({ ...plan.input, expectedCount: plan.data.targeted });
    if (res.ok) {
      toast.success(t("started", { count: res.data.targeted, batches: res.data.batches, skipped: res.data.skipped }));
      router.push(`/operations?job=${res.data.jobId}`);
      return;
    }
    toast.error(res.error.message);
    setServerError(res.error.message);
    // the plan changed under us (or no node takes part): the preview is no longer what would run
    if (res.error.code === "conflict") setStale(true);
    else throw new Error(res.error.message); // keeps the dialog open for another try
  }

  const e = (path: string) => {
    const m = message(errors, path);
    return m === NUMBER_WANTED ? t("enterNumber") : m;
  };
  const thresholdWords =
    threshold && Number.isFinite(threshold.value)
      ? targeted !== null
        ? describeThreshold({ failureThreshold: threshold }, targeted)
        : threshold.mode === "percent"
          ? t("thresholdPercent", { value: threshold.value })
          : t("thresholdCount", { count: Math.max(1, Math.floor(threshold.value)) })
      : null;
  const planKind = plan?.input.params.kind;
  const units = [
    { value: "count", label: t("unitNodes") },
    { value: "percent", label: t("unitPercent") },
  ];

  return (
    <div className="space-y-6">
      <form onSubmit={onPreview} noValidate aria-label={t("aria")} className="space-y-6 rounded-lg border border-border bg-card p-4 text-sm">
        <fieldset className="space-y-2">
          <legend className="mb-1 text-sm font-semibold">{t("target")}</legend>
          <Controller
            control={control}
            name="target"
            render={({ field }) => <TargetField value={field.value} onChange={field.onChange} initial={initialTarget} errors={errors} />}
          />
        </fieldset>

        <fieldset className="grid gap-4 sm:grid-cols-2">
          <legend className="mb-2 text-sm font-semibold">{t("what")}</legend>
          <Field path="params.kind" label={t("kind")} hint={kind ? t(`kindHelp.${kind}`) : ""} error={e("params.kind") ?? e("params")}>
            <SelectField control={control} name="params.kind" options={ROLLOUT_KINDS.map((k) => ({ value: k, label: k }))} {...aria("params.kind", e("params.kind"))} />
          </Field>
          {kind === "update" ? (
            <>
              <Field path="params.targetTag" label={t("targetTag")} hint={t("targetTagHint")} error={e("params.targetTag")}>
                <Input {...register("params.targetTag")} {...aria("params.targetTag", e("params.targetTag"))} placeholder="v0.4.8-9d7c6f95" className="font-mono" autoComplete="off" spellCheck={false} />
              </Field>
              <div className="flex items-start gap-2 sm:col-span-2">
                <input type="checkbox" {...register("params.pushCompose")} {...aria("params.pushCompose", e("params.pushCompose"))} className="mt-0.5" />
                <div>
                  <Label htmlFor={idOf("params.pushCompose")} className="text-foreground">
                    {t("pushCompose")}
                  </Label>
                  <p id={`${idOf("params.pushCompose")}-hint`} className="text-xs text-muted-foreground">
                    {t("pushComposeHint")}
                  </p>
                </div>
              </div>
            </>
          ) : null}
          {kind === "set-env" ? (
            <Controller
              control={control}
              name={"params.env" as never}
              render={({ field }) => <EnvRows value={(field.value as EnvRow[] | undefined) ?? []} onChange={field.onChange} error={(i, k) => e(`params.env.${i}.${k}`)} listError={e("params.env")} />}
            />
          ) : null}
        </fieldset>

        <fieldset className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          <legend className="mb-2 text-sm font-semibold">{t("howCarefully")}</legend>
          <Field path="strategy.canary" label={t("canary")} hint={t("canaryHint", { value: DEFAULTS.canary })} error={e("strategy.canary")}>
            <Input type="number" min={0} max={50} step={1} {...register("strategy.canary", { valueAsNumber: true })} {...aria("strategy.canary", e("strategy.canary"))} />
          </Field>
          <Field path="strategy.promotion" label={t("promotion")} hint={t("promotionHint", { value: DEFAULTS.promotion })} error={e("strategy.promotion")}>
            <SelectField
              control={control}
              name="strategy.promotion"
              options={[
                { value: "manual", label: t("promotionManual") },
                { value: "auto", label: t("promotionAuto") },
              ]}
              {...aria("strategy.promotion", e("strategy.promotion"))}
            />
          </Field>
          <Field
            path="strategy.batchSize.value"
            label={t("batchSize")}
            hint={t("batchSizeHint", { value: DEFAULTS.batchSize.value, unit: DEFAULTS.batchSize.mode === "count" ? t("unitNodes") : "%" })}
            error={e("strategy.batchSize.value") ?? e("strategy.batchSize")}
          >
            <div className="flex gap-2">
              <Input type="number" min={1} max={100} step={1} {...register("strategy.batchSize.value", { valueAsNumber: true })} {...aria("strategy.batchSize.value", e("strategy.batchSize.value"))} />
              <SelectField control={control} name="strategy.batchSize.mode" options={units} aria-label={t("batchSizeUnit")} className="w-36 shrink-0" />
            </div>
          </Field>
          <Field path="strategy.staggerSeconds" label={t("stagger")} hint={t("staggerHint", { value: DEFAULTS.staggerSeconds })} error={e("strategy.staggerSeconds")}>
            <Input type="number" min={0} max={3600} step={1} {...register("strategy.staggerSeconds", { valueAsNumber: true })} {...aria("strategy.staggerSeconds", e("strategy.staggerSeconds"))} />
          </Field>
          <Field path="strategy.minHealthySeconds" label={t("minHealthy")} hint={t("minHealthyHint", { value: DEFAULTS.minHealthySeconds })} error={e("strategy.minHealthySeconds")}>
            <Input type="number" min={0} max={3600} step={1} {...register("strategy.minHealthySeconds", { valueAsNumber: true })} {...aria("strategy.minHealthySeconds", e("strategy.minHealthySeconds"))} />
          </Field>
          <Field path="strategy.healthyDeadlineSeconds" label={t("deadline")} hint={t("deadlineHint", { value: DEFAULTS.healthyDeadlineSeconds })} error={e("strategy.healthyDeadlineSeconds")}>
            <Input type="number" min={10} max={7200} step={1} {...register("strategy.healthyDeadlineSeconds", { valueAsNumber: true })} {...aria("strategy.healthyDeadlineSeconds", e("strategy.healthyDeadlineSeconds"))} />
          </Field>
          <Field
            path="strategy.failureThreshold.value"
            label={t("threshold")}
            hint={t.rich("thresholdHint", {
              value: DEFAULTS.failureThreshold.value,
              unit: DEFAULTS.failureThreshold.mode === "count" ? t("unitNode") : "%",
              words: () => <span data-testid="threshold-words">{thresholdWords}</span>,
            })}
            error={e("strategy.failureThreshold.value") ?? e("strategy.failureThreshold")}
          >
            <div className="flex gap-2">
              <Input type="number" min={0} max={100} step={1} {...register("strategy.failureThreshold.value", { valueAsNumber: true })} {...aria("strategy.failureThreshold.value", e("strategy.failureThreshold.value"))} />
              <SelectField control={control} name="strategy.failureThreshold.mode" options={units} aria-label={t("thresholdUnit")} className="w-36 shrink-0" />
            </div>
          </Field>
          <div className="flex items-start gap-2">
            <input type="checkbox" {...register("strategy.autoRevert")} {...aria("strategy.autoRevert", e("strategy.autoRevert"))} className="mt-0.5" />
            <div>
              <Label htmlFor={idOf("strategy.autoRevert")} className="text-foreground">
                {t("autoRevert")}
              </Label>
              <p id={`${idOf("strategy.autoRevert")}-hint`} className="text-xs text-muted-foreground">
                {t("autoRevertHint", { state: DEFAULTS.autoRevert ? t("on") : t("off") })}
              </p>
            </div>
          </div>
        </fieldset>
        {batchMode === "percent" ? <p className="text-xs text-muted-foreground">{t("percentRounded")}</p> : null}

        {serverError ? (
          <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-2 text-sm" data-testid="rollout-server-error">
            {serverError}
          </p>
        ) : null}
        <div className="flex items-center gap-2">
          <Button type="submit" loading={isSubmitting}>
            {plan ? t("previewAgain") : t("preview")}
          </Button>
          <Link href="/operations" className="text-sm text-muted-foreground underline-offset-2 hover:underline">
            {t("back")}
          </Link>
        </div>
      </form>

      {plan ? (
        <div className="space-y-3">
          {stale ? (
            <p role="status" className="rounded-md border border-warning/50 bg-warning/10 p-2 text-sm" data-testid="preview-stale">
              {t("stale")}
            </p>
          ) : null}
          <RolloutPlan plan={plan.data} stale={stale} />
          <Button onClick={() => setConfirming(true)} disabled={stale || plan.data.targeted === 0 || !!plan.data.usersFile?.dirty.length}>
            {t("start")}
          </Button>
          <ConfirmDialog
            open={confirming}
            onOpenChange={setConfirming}
            destructive={false}
            title={t("confirmTitle", { count: plan.data.targeted })}
            description={
              <>
                {planKind}
                {plan.input.params.kind === "update" ? t("confirmTo", { tag: plan.input.params.targetTag }) : ""}: {plan.data.batches[0]?.length ? t("confirmCanary", { count: plan.data.batches[0].length }) : ""}
                {t("confirmBatches", { count: plan.data.batches.length - 1, threshold: plan.data.threshold })}
                {plan.data.skipped.length ? t("confirmSkipped", { count: plan.data.skipped.length }) : ""} {t("confirmNothingStarts")}
              </>
            }
            requireText={String(plan.data.targeted)}
            confirmLabel={t("confirmLabel", { count: plan.data.targeted })}
            onConfirm={onStart}
          />
        </div>
      ) : null}
    </div>
  );
}

/** The settings of a set-env rollout: up to 5 rows of a documented, non-secret key and its value (validated by the server's schema). */
function EnvRows({ value, onChange, error, listError }: { value: EnvRow[]; onChange: (v: EnvRow[]) => void; error: (i: number, k: "key" | "value") => string | undefined; listError?: string }) {
  const t = useTranslations("rollout.form");
  const rows = value.length ? value : [];
  const set = (i: number, patch: Partial<EnvRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="space-y-2 sm:col-span-2" data-testid="set-env-rows">
      {rows.map((r, i) => (
        <div key={i} className="flex items-start gap-2">
          <Field path={`params.env.${i}.key`} label={t("variable", { n: i + 1 })} error={error(i, "key")} className="w-64">
            <Select value={r.key} onValueChange={(v) => set(i, { key: v as FleetEnvKey })}>
              <SelectTrigger {...aria(`params.env.${i}.key`, error(i, "key"), false)}>
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {FLEET_ENV_KEYS.map((k) => (
                  <SelectItem key={k} value={k}>
                    {k}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </Field>
          <Field path={`params.env.${i}.value`} label={t("value")} error={error(i, "value")} className="flex-1">
            <Input value={r.value} onChange={(ev) => set(i, { value: ev.target.value })} {...aria(`params.env.${i}.value`, error(i, "value"), false)} className="font-mono" autoComplete="off" spellCheck={false} />
          </Field>
          <Button type="button" variant="ghost" className="mt-6" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={t("removeVariable", { n: i + 1 })}>
            {t("remove")}
          </Button>
        </div>
      ))}
      {rows.length < 5 ? (
        <Button type="button" variant="outline" onClick={() => onChange([...rows, { key: "K2_ENFORCE_AUTH", value: "1" }])}>
          {t("addVariable")}
        </Button>
      ) : null}
      <p className="text-xs text-muted-foreground">{t("envHelp")}</p>
      {listError ? (
        <p className="text-xs text-destructive" data-testid="error-params.env">
          {listError}
        </p>
      ) : null}
    </div>
  );
}

/** Nodes by IPv4 (the fleet table's selection, or typed) or the fleet table's filter (as in its URL). */
function TargetField({
  value,
  onChange,
  initial,
  errors,
}: {
  value: RolloutTargetInput;
  onChange: (v: RolloutTargetInput) => void;
  initial: RolloutTargetInput;
  errors: FieldErrors<FormIn>;
}) {
  const t = useTranslations("rollout.form");
  const initialFilter = "filter" in initial ? initial.filter : {};
  const [text, setText] = React.useState("selection" in initial ? initial.selection.join("\n") : "");
  const mode = "selection" in value ? "selection" : "filter";
  const nodes = "selection" in value ? value.selection : [];
  // per-node refusals name the node ("1.2.3: not an IPv4 address")
  const nodeErrors = ((get(errors, "target.selection") as ({ message?: string } | undefined)[] | { message?: string } | undefined) ?? []) as unknown;
  const listError = !Array.isArray(nodeErrors) ? (nodeErrors as { message?: string }).message : undefined;
  const itemErrors = Array.isArray(nodeErrors) ? nodeErrors.flatMap((er, i) => (er?.message ? [`${nodes[i] ?? `#${i + 1}`}: ${er.message}`] : [])) : [];
  const targetError = message(errors, "target") ?? message(errors, "target.filter");
  const fText = filterText(initialFilter);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-4" role="radiogroup" aria-label={t("target")}>
        <label className="flex items-center gap-1.5">
          <input type="radio" name="target-mode" checked={mode === "selection"} onChange={() => onChange({ selection: parseNodes(text) })} />
          {t("byIpv4")}
        </label>
        <label className="flex items-center gap-1.5">
          <input type="radio" name="target-mode" checked={mode === "filter"} onChange={() => onChange({ filter: initialFilter })} />
          {t("byFilter")}
        </label>
      </div>
      {mode === "selection" ? (
        <div className="space-y-1">
          <Label htmlFor="rollout-target-nodes" className="text-foreground">
            {t("nodesLabel")}
          </Label>
          <Textarea
            id="rollout-target-nodes"
            mono
            rows={Math.min(8, Math.max(3, nodes.length + 1))}
            value={text}
            onChange={(ev) => {
              setText(ev.target.value);
              onChange({ selection: parseNodes(ev.target.value) });
            }}
            aria-invalid={listError || itemErrors.length ? true : undefined}
            aria-describedby="rollout-target-nodes-hint rollout-target-nodes-error"
          />
          <p id="rollout-target-nodes-hint" className="text-xs text-muted-foreground">
            {t.rich("nodesHint", {
              count: nodes.length,
              link: (c) => (
                <Link href="/" className="underline">
                  {c}
                </Link>
              ),
            })}
          </p>
          <div id="rollout-target-nodes-error" className="text-xs text-destructive" data-testid="error-target">
            {listError ?? null}
            {itemErrors.slice(0, 10).map((m) => (
              <p key={m}>{m}</p>
            ))}
            {itemErrors.length > 10 ? <p>{t("andMore", { count: itemErrors.length - 10 })}</p> : null}
          </div>
        </div>
      ) : (
        <p className="text-sm" data-testid="rollout-filter">
          {t.rich("filterText", {
            filter: () => (fText ? <span className="rounded bg-muted px-1 font-mono text-xs">{fText}</span> : <strong>{t("noFilter")}</strong>),
          })}{" "}
          <Link href={`/?${new URLSearchParams(Object.entries(initialFilter).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])))}`} className="underline">
            {t("openInFleet")}
          </Link>
        </p>
      )}
      {targetError ? <p className="text-xs text-destructive">{targetError}</p> : null}
    </div>
  );
}
