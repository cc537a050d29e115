"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Controller, get, useForm, useWatch, type FieldErrors, type Resolver } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { toast } from "sonner";
import type { z } from "zod";
import type { RolloutPreview } from "@/lib/rollout";
import { rolloutPreviewSchema } from "@/lib/rollout/schema";
import { describeThreshold, ROLLOUT_KINDS, strategySchema, type RolloutKind } from "@/lib/rollout/strategy";
import { FLEET_ENV_KEYS, type FleetEnvKey } from "@/lib/rollout/set-env-schema";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";
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

const KIND_HELP: Record<RolloutKind, string> = {
  update: "pull a pinned image tag, set K2_VERSION, up -d --remove-orphans (optionally push the canonical compose first)",
  "push-compose": "push the canonical docker-compose.yml (md5-compared); restarts nothing",
  "restart-sidecar": "up -d k2-sidecar: applies the sidecar's .env (never `restart`)",
  "dir-migration": "the documented /apps/kaitu-slave → /apps/k2s migration, one node at a time after the canary",
  "set-env": "set fleet-wide .env settings (never secrets), up -d, gated and reverted like an update; K2_ENFORCE_AUTH=1 needs every targeted node's users file empty",
  "auto-update": "install/refresh /apps/k2s/auto-update.sh (md5-compared) and its 04:00 root cron line, exactly once; restarts nothing",
};

const schemaResolver = zodResolver(rolloutPreviewSchema, {
  // an emptied number field reaches zod as NaN: say what is wanted
  error: (iss) => (iss.code === "invalid_type" && iss.expected === "number" ? "enter a number" : undefined),
});

/** The form keeps an update's tag while another kind is chosen (switching back restores it); the strict schema must not see it. */
const resolver: Resolver<FormIn, unknown, FormOut> = (values, ctx, opts) => {
  const p = values.params as { kind: RolloutKind; env?: EnvRow[] };
  const params = p.kind === "update" ? values.params : p.kind === "set-env" ? { kind: p.kind, env: p.env ?? [] } : { kind: p.kind };
  return schemaResolver({ ...values, params: params as FormIn["params"] }, ctx, opts);
};
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
  preview: (input: unknown) => Promise<Res<RolloutPreview>>;
  start: (input: unknown) => Promise<Res<{ jobId: string; targeted: number; skipped: number; batches: number }>>;
}) {
  const router = useRouter();
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
  const [plan, setPlan] = React.useState<{ input: FormOut; data: RolloutPreview } | null>(null);
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
      toast.success(`Rollout started: ${res.data.targeted} node${res.data.targeted === 1 ? "" : "s"} in ${res.data.batches} batch${res.data.batches === 1 ? "" : "es"}${res.data.skipped ? `, ${res.data.skipped} skipped` : ""}`);
      router.push(`/operations?job=${res.data.jobId}`);
      return;
    }
    toast.error(res.error.message);
    setServerError(res.error.message);
    // the plan changed under us (or no node takes part): the preview is no longer what would run
    if (res.error.code === "conflict") setStale(true);
    else throw new Error(res.error.message); // keeps the dialog open for another try
  }

  const e = (path: string) => message(errors, path);
  const thresholdWords =
    threshold && Number.isFinite(threshold.value)
      ? targeted !== null
        ? describeThreshold({ failureThreshold: threshold }, targeted)
        : threshold.mode === "percent"
          ? `halt when ${threshold.value}% of the targeted nodes failed (how many nodes that is, the preview says)`
          : `halt when ${Math.max(1, Math.floor(threshold.value))} node${Math.max(1, Math.floor(threshold.value)) === 1 ? "" : "s"} failed (of the targeted nodes; the preview counts them)`
      : null;
  const planKind = plan?.input.params.kind;

  return (
    <div className="space-y-6">
      <form onSubmit={onPreview} noValidate aria-label="New rollout" className="space-y-6 rounded-lg border border-border bg-card p-4 text-sm">
        <fieldset className="space-y-2">
          <legend className="mb-1 text-sm font-semibold">Target</legend>
          <Controller
            control={control}
            name="target"
            render={({ field }) => <TargetField value={field.value} onChange={field.onChange} initial={initialTarget} errors={errors} />}
          />
        </fieldset>

        <fieldset className="grid gap-4 sm:grid-cols-2">
          <legend className="mb-2 text-sm font-semibold">What</legend>
          <Field path="params.kind" label="Kind" hint={KIND_HELP[kind] ?? ""} error={e("params.kind") ?? e("params")}>
            <Select {...register("params.kind")} {...aria("params.kind", e("params.kind"))}>
              {ROLLOUT_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </Select>
          </Field>
          {kind === "update" ? (
            <>
              <Field path="params.targetTag" label="Target tag" hint="A pinned tag like v0.4.8-9d7c6f95; latest and floating tags are refused." error={e("params.targetTag")}>
                <Input {...register("params.targetTag")} {...aria("params.targetTag", e("params.targetTag"))} placeholder="v0.4.8-9d7c6f95" className="font-mono" autoComplete="off" spellCheck={false} />
              </Field>
              <div className="flex items-start gap-2 sm:col-span-2">
                <input type="checkbox" {...register("params.pushCompose")} {...aria("params.pushCompose", e("params.pushCompose"))} className="mt-0.5" />
                <div>
                  <Label htmlFor={idOf("params.pushCompose")} className="text-foreground">
                    Also push the canonical compose file
                  </Label>
                  <p id={`${idOf("params.pushCompose")}-hint`} className="text-xs text-muted-foreground">
                    Backed up on the node first (the revert restores it). Default: off.
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
          <legend className="mb-2 text-sm font-semibold">How carefully</legend>
          <Field path="strategy.canary" label="Canary nodes" hint={`Changed first, alone; 0 = no canary. Default ${DEFAULTS.canary}.`} error={e("strategy.canary")}>
            <Input type="number" min={0} max={50} step={1} {...register("strategy.canary", { valueAsNumber: true })} {...aria("strategy.canary", e("strategy.canary"))} />
          </Field>
          <Field path="strategy.promotion" label="Promotion" hint={`After a healthy canary. Default ${DEFAULTS.promotion}.`} error={e("strategy.promotion")}>
            <Select {...register("strategy.promotion")} {...aria("strategy.promotion", e("strategy.promotion"))}>
              <option value="manual">manual: wait for an operator</option>
              <option value="auto">auto: go on by itself</option>
            </Select>
          </Field>
          <Field
            path="strategy.batchSize.value"
            label="Batch size"
            hint={`Nodes changed at once after the canary. Default ${DEFAULTS.batchSize.value} ${DEFAULTS.batchSize.mode === "count" ? "nodes" : "%"}.`}
            error={e("strategy.batchSize.value") ?? e("strategy.batchSize")}
          >
            <div className="flex gap-2">
              <Input type="number" min={1} max={100} step={1} {...register("strategy.batchSize.value", { valueAsNumber: true })} {...aria("strategy.batchSize.value", e("strategy.batchSize.value"))} />
              <Select aria-label="Batch size unit" className="w-36" {...register("strategy.batchSize.mode")}>
                <option value="count">nodes</option>
                <option value="percent">% of targeted</option>
              </Select>
            </div>
          </Field>
          <Field path="strategy.staggerSeconds" label="Stagger between batches (seconds)" hint={`Default ${DEFAULTS.staggerSeconds} s.`} error={e("strategy.staggerSeconds")}>
            <Input type="number" min={0} max={3600} step={1} {...register("strategy.staggerSeconds", { valueAsNumber: true })} {...aria("strategy.staggerSeconds", e("strategy.staggerSeconds"))} />
          </Field>
          <Field path="strategy.minHealthySeconds" label="Minimum healthy time (seconds)" hint={`The checklist must keep passing this long. Default ${DEFAULTS.minHealthySeconds} s.`} error={e("strategy.minHealthySeconds")}>
            <Input type="number" min={0} max={3600} step={1} {...register("strategy.minHealthySeconds", { valueAsNumber: true })} {...aria("strategy.minHealthySeconds", e("strategy.minHealthySeconds"))} />
          </Field>
          <Field path="strategy.healthyDeadlineSeconds" label="Healthy deadline (seconds)" hint={`Not healthy by then = failed. Default ${DEFAULTS.healthyDeadlineSeconds} s.`} error={e("strategy.healthyDeadlineSeconds")}>
            <Input type="number" min={10} max={7200} step={1} {...register("strategy.healthyDeadlineSeconds", { valueAsNumber: true })} {...aria("strategy.healthyDeadlineSeconds", e("strategy.healthyDeadlineSeconds"))} />
          </Field>
          <Field
            path="strategy.failureThreshold.value"
            label="Failure threshold"
            hint={
              <>
                <span data-testid="threshold-words">{thresholdWords}</span>. Default {DEFAULTS.failureThreshold.value} {DEFAULTS.failureThreshold.mode === "count" ? "node" : "%"}; a batch where every node failed always halts.
              </>
            }
            error={e("strategy.failureThreshold.value") ?? e("strategy.failureThreshold")}
          >
            <div className="flex gap-2">
              <Input type="number" min={0} max={100} step={1} {...register("strategy.failureThreshold.value", { valueAsNumber: true })} {...aria("strategy.failureThreshold.value", e("strategy.failureThreshold.value"))} />
              <Select aria-label="Failure threshold unit" className="w-36" {...register("strategy.failureThreshold.mode")}>
                <option value="count">nodes</option>
                <option value="percent">% of targeted</option>
              </Select>
            </div>
          </Field>
          <div className="flex items-start gap-2">
            <input type="checkbox" {...register("strategy.autoRevert")} {...aria("strategy.autoRevert", e("strategy.autoRevert"))} className="mt-0.5" />
            <div>
              <Label htmlFor={idOf("strategy.autoRevert")} className="text-foreground">
                Auto-revert
              </Label>
              <p id={`${idOf("strategy.autoRevert")}-hint`} className="text-xs text-muted-foreground">
                An updated node that fails its gate goes back to what it ran before (tag + compose), verified the same way (update only). Default {DEFAULTS.autoRevert ? "on" : "off"}.
              </p>
            </div>
          </div>
        </fieldset>
        {batchMode === "percent" ? <p className="text-xs text-muted-foreground">A percentage batch size is rounded up to whole nodes (at least 1).</p> : null}

        {serverError ? (
          <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-2 text-sm" data-testid="rollout-server-error">
            {serverError}
          </p>
        ) : null}
        <div className="flex items-center gap-2">
          <Button type="submit" loading={isSubmitting}>
            {plan ? "Preview again" : "Preview rollout"}
          </Button>
          <Link href="/operations" className="text-sm text-muted-foreground underline-offset-2 hover:underline">
            Back to Operations
          </Link>
        </div>
      </form>

      {plan ? (
        <div className="space-y-3">
          {stale ? (
            <p role="status" className="rounded-md border border-warning/50 bg-warning/10 p-2 text-sm" data-testid="preview-stale">
              The form changed since this preview: preview again before starting.
            </p>
          ) : null}
          <RolloutPlan plan={plan.data} stale={stale} />
          <Button onClick={() => setConfirming(true)} disabled={stale || plan.data.targeted === 0 || !!plan.data.usersFile?.dirty.length}>
            Start rollout…
          </Button>
          <ConfirmDialog
            open={confirming}
            onOpenChange={setConfirming}
            destructive={false}
            title={`Start this rollout on ${plan.data.targeted} node${plan.data.targeted === 1 ? "" : "s"}?`}
            description={
              <>
                {planKind}
                {plan.input.params.kind === "update" ? ` to ${plan.input.params.targetTag}` : ""}: {plan.data.batches[0]?.length ? `${plan.data.batches[0].length} canary node(s) first, ` : ""}
                {plan.data.batches.length - 1} batch(es) after; {plan.data.threshold}.
                {plan.data.skipped.length ? ` ${plan.data.skipped.length} skipped node(s) are left alone.` : ""} If the plan changed since the preview, nothing starts.
              </>
            }
            requireText={String(plan.data.targeted)}
            confirmLabel={`Start rollout on ${plan.data.targeted} node${plan.data.targeted === 1 ? "" : "s"}`}
            onConfirm={onStart}
          />
        </div>
      ) : null}
    </div>
  );
}

/** The settings of a set-env rollout: up to 5 rows of a documented, non-secret key and its value (validated by the server's schema). */
function EnvRows({ value, onChange, error, listError }: { value: EnvRow[]; onChange: (v: EnvRow[]) => void; error: (i: number, k: "key" | "value") => string | undefined; listError?: string }) {
  const rows = value.length ? value : [];
  const set = (i: number, patch: Partial<EnvRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="space-y-2 sm:col-span-2" data-testid="set-env-rows">
      {rows.map((r, i) => (
        <div key={i} className="flex items-start gap-2">
          <Field path={`params.env.${i}.key`} label={`Variable ${i + 1}`} error={error(i, "key")} className="w-64">
            <Select value={r.key} onChange={(ev) => set(i, { key: ev.target.value as FleetEnvKey })} {...aria(`params.env.${i}.key`, error(i, "key"), false)}>
              {FLEET_ENV_KEYS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </Select>
          </Field>
          <Field path={`params.env.${i}.value`} label="Value" error={error(i, "value")} className="flex-1">
            <Input value={r.value} onChange={(ev) => set(i, { value: ev.target.value })} {...aria(`params.env.${i}.value`, error(i, "value"), false)} className="font-mono" autoComplete="off" spellCheck={false} />
          </Field>
          <Button type="button" variant="ghost" className="mt-6" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove variable ${i + 1}`}>
            Remove
          </Button>
        </div>
      ))}
      {rows.length < 5 ? (
        <Button type="button" variant="outline" onClick={() => onChange([...rows, { key: "K2_ENFORCE_AUTH", value: "1" }])}>
          Add a variable
        </Button>
      ) : null}
      <p className="text-xs text-muted-foreground">Only documented, non-secret settings; values are checked like the node&apos;s .env editor. K2_ENFORCE_AUTH=1 is refused while any targeted node&apos;s users file is not empty.</p>
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
      <div className="flex flex-wrap gap-4" role="radiogroup" aria-label="Target">
        <label className="flex items-center gap-1.5">
          <input type="radio" name="target-mode" checked={mode === "selection"} onChange={() => onChange({ selection: parseNodes(text) })} />
          Nodes by IPv4
        </label>
        <label className="flex items-center gap-1.5">
          <input type="radio" name="target-mode" checked={mode === "filter"} onChange={() => onChange({ filter: initialFilter })} />
          Fleet filter
        </label>
      </div>
      {mode === "selection" ? (
        <div className="space-y-1">
          <Label htmlFor="rollout-target-nodes" className="text-foreground">
            Nodes (IPv4, one per line or comma-separated)
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
            {nodes.length} node{nodes.length === 1 ? "" : "s"}, in this order (the canary comes first). Select nodes in the{" "}
            <Link href="/" className="underline">
              fleet table
            </Link>{" "}
            and use “Roll out to selected” to fill this in.
          </p>
          <div id="rollout-target-nodes-error" className="text-xs text-destructive" data-testid="error-target">
            {listError ?? null}
            {itemErrors.slice(0, 10).map((m) => (
              <p key={m}>{m}</p>
            ))}
            {itemErrors.length > 10 ? <p>… and {itemErrors.length - 10} more</p> : null}
          </div>
        </div>
      ) : (
        <p className="text-sm" data-testid="rollout-filter">
          Every node the fleet table shows for{" "}
          {fText ? <span className="rounded bg-muted px-1 font-mono text-xs">{fText}</span> : <strong>no filter: the whole fleet</strong>}, in the table&apos;s order (the first is the canary); decommissioned nodes are listed as skipped.{" "}
          <Link href={`/?${new URLSearchParams(Object.entries(initialFilter).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])))}`} className="underline">
            Open it in the fleet table
          </Link>
        </p>
      )}
      {targetError ? <p className="text-xs text-destructive">{targetError}</p> : null}
    </div>
  );
}
