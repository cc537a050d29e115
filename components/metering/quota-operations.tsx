"use client";

import * as React from "react";
import { useRouter, useSearchParams } from "next/navigation";
import { get, useForm, useWatch, type FieldErrors } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { toast } from "sonner";
import type { z } from "zod";
import { configureQuotaSchema, recoverCutSchema, setUsageSchema } from "@/lib/metering/quota-schema";
import type { QuotaContext } from "@/lib/metering/quota";
import type { Check } from "@/lib/metering/quota-ops";
import { applyProrationSeedAction, configureQuotaAction, pollMeterAction, quotaContextAction, recoverCutAction, setUsageAction } from "@/app/(console)/nodes/[ip]/quota-actions";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";

// The node page's quota operations (issue #13 "Operate"; metering.md Parts B,
// C, E): set usage with the guided seed, configure quota from the provider's
// rules, the Lightsail creation month's proration, recovery of a cut node.
// Forms validate with the server actions' own zod schemas
// (lib/metering/quota-schema.ts); every change asks for confirmation, runs
// audited under the node's lock, and shows what the node verified.

type OpView = { summary: string; parsed: { verified: boolean; checks: Check[]; warnings: string[]; workings?: string[] }; raw: string; command: string };
type Res<T> = { ok: true; data: T; outcome?: string; outcomeReason?: string } | { ok: false; error: { code: string; message: string; fieldErrors?: Record<string, string[]> } };

const STATE_VARIANT = { ok: "success", warning: "warning", cut: "destructive", "metering-off": "secondary", unlimited: "info" } as const;
const gib = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${v.toFixed(1)} GiB`);
const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : "—");
const msg = (errors: FieldErrors, path: string) => (get(errors, path) as { message?: string } | undefined)?.message;

function Lines({ title, items, tone = "muted" }: { title?: string; items: string[]; tone?: "muted" | "warning" }) {
  if (!items.length) return null;
  return (
    <div className={tone === "warning" ? "rounded-md border border-warning/50 bg-warning/10 p-2 text-xs" : "text-xs text-muted-foreground"}>
      {title ? <p className="mb-1 font-medium text-foreground">{title}</p> : null}
      <ul className="list-inside list-disc space-y-0.5">
        {items.map((l) => (
          <li key={l}>{l}</li>
        ))}
      </ul>
    </div>
  );
}


/** The result of the last operation: summary, each verification check, the raw output. */
function Outcome({ r }: { r: { title: string; data: OpView; outcome?: string } }) {
  const ok = r.data.parsed.verified;
  return (
    <section aria-label="Quota operation result" className={`space-y-2 rounded-md border p-3 text-sm ${ok ? "border-success/50" : "border-warning/50 bg-warning/5"}`} data-testid="quota-result">
      <p className="font-medium">
        {r.title}: {ok ? <Badge variant="success">verified</Badge> : <Badge variant="warning">not verified</Badge>}
      </p>
      <p className="text-xs">{r.data.summary}</p>
      <ul className="space-y-0.5 text-xs">
        {r.data.parsed.checks.map((c) => (
          <li key={c.label} className={c.ok ? "text-success" : "text-destructive"}>
            {c.ok ? "✓" : "✗"} {c.label} <span className="text-muted-foreground">— {c.detail}</span>
          </li>
        ))}
      </ul>
      <Lines items={r.data.parsed.warnings} tone="warning" />
      <details>
        <summary className="cursor-pointer text-xs text-muted-foreground">raw output · {r.data.command}</summary>
        <pre className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-xs">{r.data.raw || "(no output)"}</pre>
      </details>
    </section>
  );
}

/** Submit → confirm dialog → the action; the confirmed input carries `confirm: true` (the server's schema requires it). */
function useConfirmedOp<In extends Record<string, unknown>>(title: string, act: (input: unknown) => Promise<Res<OpView>>, done: (r: { title: string; data: OpView; outcome?: string }) => void) {
  const [pending, setPending] = React.useState<In | null>(null);
  const confirm = async () => {
    if (!pending) return;
    const res = await act({ ...pending, confirm: true });
    if (!res.ok) {
      toast.error(res.error.message);
      throw new Error(res.error.message);
    }
    if (res.data.parsed.verified) toast.success(`${title}: verified on the node`);
    else toast.warning(`${title}: applied, not verified — see the checks`);
    done({ title, data: res.data, outcome: res.outcome });
  };
  return { pending, ask: setPending, close: () => setPending(null), confirm };
}

/** A fix opened from the Metering page's audits (lib/metering/audits fixHref): the form starts with its values. */
type Prefill = { kind: string | null; day: number | null; limit: number | null; mode: "max" | "sum" | null; used: number | null };
function usePrefill(): Prefill {
  const sp = useSearchParams();
  const n = (k: string) => (sp.get(k) !== null && Number.isInteger(Number(sp.get(k))) ? Number(sp.get(k)) : null);
  const mode = sp.get("mode");
  return { kind: sp.get("quota"), day: n("day"), limit: n("limit"), mode: mode === "max" || mode === "sum" ? mode : null, used: n("used") };
}

const setUsageForm = setUsageSchema.omit({ confirm: true });
function SetUsage({ ctx, onDone, prefill }: { ctx: QuotaContext; onDone: (r: { title: string; data: OpView }) => void; prefill: Prefill }) {
  const initial = prefill.kind === "set-usage" && prefill.used !== null ? prefill.used : (ctx.seed.gb ?? undefined);
  const { register, handleSubmit, setValue, formState } = useForm<z.input<typeof setUsageForm>, unknown, z.output<typeof setUsageForm>>({ resolver: zodResolver(setUsageForm), defaultValues: { ipv4: ctx.ipv4, usedGb: initial } });
  const op = useConfirmedOp<z.output<typeof setUsageForm>>("Set usage", setUsageAction as never, onDone);
  return (
    <>
      <form onSubmit={handleSubmit((v) => op.ask(v))} noValidate aria-label="Set usage" className="space-y-2">
        <h3 className="text-sm font-semibold">Set usage (set-usage)</h3>
        <p className="text-xs text-muted-foreground">Declares the cycle&apos;s usage so far; the sidecar is restarted to load it (metering.md Part C). It clears at the next reset.</p>
        {ctx.seed.gb !== null ? (
          <div className="space-y-1 rounded-md border border-border p-2">
            <Lines title="Proposed from the provider" items={ctx.seed.workings} />
            <Button type="button" size="sm" variant="outline" onClick={() => setValue("usedGb", ctx.seed.gb!, { shouldValidate: true })}>
              Use {ctx.seed.gb} GB
            </Button>
          </div>
        ) : null}
        <Lines items={ctx.seed.warnings} tone="warning" />
        <Field id="quota-usedGb" label="Used this cycle (GB = GiB)" error={msg(formState.errors, "usedGb")}>
          <Input id="quota-usedGb" type="number" min={0} step={1} className="w-40" {...register("usedGb", { valueAsNumber: true })} aria-invalid={msg(formState.errors, "usedGb") ? true : undefined} />
        </Field>
        <Button type="submit" size="sm">
          Set usage…
        </Button>
      </form>
      <ConfirmDialog open={!!op.pending} onOpenChange={(o) => !o && op.close()} title={`set-usage ${op.pending?.usedGb ?? ""} GB?`} description="The node's count for this cycle becomes this figure plus new traffic; k2-sidecar restarts (a few seconds without usage reports, k2s keeps serving)." confirmLabel="Set usage" destructive={false} onConfirm={op.confirm} />
    </>
  );
}

const configureForm = configureQuotaSchema.omit({ confirm: true });
function Configure({ ctx, onDone, prefill }: { ctx: QuotaContext; onDone: (r: { title: string; data: OpView }) => void; prefill: Prefill }) {
  const q = ctx.quota;
  const derived = { ipv4: ctx.ipv4, billingDay: q.billingDay.value ?? ctx.meter?.billingDay ?? undefined, limitGb: q.limitGb.value ?? ctx.meter?.limitGb ?? undefined, mode: q.mode.value, seedGb: null };
  const fix = prefill.kind === "configure";
  const defaults = fix ? { ...derived, billingDay: prefill.day ?? derived.billingDay, limitGb: prefill.limit ?? derived.limitGb, mode: prefill.mode ?? derived.mode } : derived;
  const { register, handleSubmit, reset, control, formState } = useForm<z.input<typeof configureForm>, unknown, z.output<typeof configureForm>>({ resolver: zodResolver(configureForm), defaultValues: defaults });
  const op = useConfirmedOp<z.output<typeof configureForm>>("Configure quota", configureQuotaAction as never, onDone);
  const dayNow = useWatch({ control, name: "billingDay" });
  const reanchors = ctx.meter?.billingDay !== null && ctx.meter?.billingDay !== undefined && Number.isFinite(dayNow) && dayNow !== ctx.meter.billingDay;
  return (
    <>
      <form onSubmit={handleSubmit((v) => op.ask(v))} noValidate aria-label="Configure quota" className="space-y-2">
        <h3 className="text-sm font-semibold">Configure quota</h3>
        {fix ? <p className="text-xs text-info">Opened from an audit: the form holds the fix&apos;s values; check them before applying.</p> : null}
        <Lines
          title={`Derived from ${q.provider ?? "the provider"} (confirm before applying)`}
          items={[`billing day: ${q.billingDay.value ?? "?"} — ${q.billingDay.why}`, `limit: ${q.limitGb.value ?? "?"} GB — ${q.limitGb.why}`, `mode: ${q.mode.value} — ${q.mode.why}`]}
        />
        <Lines items={q.warnings} tone="warning" />
        <div className="grid gap-3 sm:grid-cols-3">
          <Field id="quota-billingDay" label="Billing day (1-31)" error={msg(formState.errors, "billingDay")}>
            <Input id="quota-billingDay" type="number" min={1} max={31} {...register("billingDay", { valueAsNumber: true })} />
          </Field>
          <Field id="quota-limitGb" label="Limit (GB; 0 = unlimited)" error={msg(formState.errors, "limitGb")}>
            <Input id="quota-limitGb" type="number" min={0} {...register("limitGb", { valueAsNumber: true })} />
          </Field>
          <Field id="quota-mode" label="Billing mode" error={msg(formState.errors, "mode")}>
            <Select id="quota-mode" {...register("mode")}>
              <option value="max">max(rx, tx)</option>
              <option value="sum">rx + tx (sum)</option>
            </Select>
          </Field>
        </div>
        <Field id="quota-seedGb" label="Then seed (set-usage GB, optional)" hint={reanchors ? "A new billing day re-anchors the cycle (usage back to 0): seed it from the provider." : "Leave empty to keep the node's count."} error={msg(formState.errors, "seedGb")}>
          <Input id="quota-seedGb" type="number" min={0} className="w-40" placeholder={ctx.seed.gb !== null ? String(ctx.seed.gb) : ""} {...register("seedGb", { setValueAs: (v: string) => (v === "" || v === null ? null : Number(v)) })} />
        </Field>
        <div className="flex gap-2">
          <Button type="submit" size="sm">
            Apply with up -d k2-sidecar…
          </Button>
          <Button type="button" size="sm" variant="ghost" onClick={() => reset(derived)}>
            Reset to derived
          </Button>
        </div>
      </form>
      <ConfirmDialog
        open={!!op.pending}
        onOpenChange={(o) => !o && op.close()}
        title="Apply this quota?"
        description={`Writes K2_NODE_BILLING_START_DATE (day ${op.pending?.billingDay}), K2_NODE_TRAFFIC_LIMIT_GB=${op.pending?.limitGb}, K2_NODE_TRAFFIC_BILLING_MODE=${op.pending?.mode} and recreates k2-sidecar (up -d, never restart).${reanchors ? " The billing day changes: the cycle re-anchors and usage restarts from 0 unless seeded." : ""}`}
        confirmLabel="Apply"
        destructive={false}
        onConfirm={op.confirm}
      />
    </>
  );
}

function Proration({ ctx, onDone }: { ctx: QuotaContext; onDone: (r: { title: string; data: OpView }) => void }) {
  const p = ctx.proration!;
  const op = useConfirmedOp<{ ipv4: string; createdAt: string; bundleGb: number; fullLimitGb: number }>("Proration (seed method)", applyProrationSeedAction as never, onDone);
  return (
    <section aria-label="Creation-month proration" className="space-y-2">
      <h3 className="text-sm font-semibold">Lightsail creation month: proration</h3>
      <p className="text-xs text-muted-foreground">
        Created {day(p.createdAt)}; bundle {p.bundleGb} GB, full limit {p.fullLimitGb} GB.{p.creationMonth ? "" : " The creation month is over: the full limit is right now (shown for reference)."}
      </p>
      <div className="grid gap-2 text-xs sm:grid-cols-2">
        <div className="rounded-md border border-border p-2">
          <p className="font-medium">A. Prorated limit</p>
          <p>K2_NODE_TRAFFIC_LIMIT_GB={p.prorated.limitGb} now (allowance ≈ {p.prorated.allowanceGb} GB), back to {p.fullLimitGb} on {day(p.prorated.restoreAt)} — a second change to remember.</p>
        </div>
        <div className="rounded-md border border-border p-2">
          <p className="font-medium">B. Full limit + seed (recommended)</p>
          <p>
            K2_NODE_TRAFFIC_LIMIT_GB={p.seeded.limitGb} + set-usage {p.seeded.setUsageGb}: {p.seeded.remainingGb} GB left this month; the seed clears on {day(p.seeded.clearsAt)}.
          </p>
        </div>
      </div>
      <Lines items={p.workings} />
      <Lines items={p.warnings} tone="warning" />
      {p.creationMonth ? (
        <Button size="sm" onClick={() => op.ask({ ipv4: ctx.ipv4, createdAt: p.createdAt, bundleGb: p.bundleGb, fullLimitGb: p.fullLimitGb })}>
          Apply method B…
        </Button>
      ) : null}
      <ConfirmDialog open={!!op.pending} onOpenChange={(o) => !o && op.close()} title="Apply the seed method?" description={`Limit ${p.fullLimitGb} GB (up -d k2-sidecar when it changes), then set-usage ≈${p.seeded.setUsageGb} GB (recomputed from the node's usage at apply time) and a sidecar restart.`} confirmLabel="Apply method B" destructive={false} onConfirm={op.confirm} />
    </section>
  );
}

const recoverForm = recoverCutSchema.omit({ confirm: true });
function Recover({ ctx, onDone }: { ctx: QuotaContext; onDone: (r: { title: string; data: OpView }) => void }) {
  const r = ctx.recovery!;
  const { register, handleSubmit, formState } = useForm<z.input<typeof recoverForm>, unknown, z.output<typeof recoverForm>>({ resolver: zodResolver(recoverForm), defaultValues: { ipv4: ctx.ipv4, limitGb: r.limitGb } });
  const op = useConfirmedOp<z.output<typeof recoverForm>>("Recover", recoverCutAction as never, onDone);
  return (
    <>
      <form onSubmit={handleSubmit((v) => op.ask(v))} noValidate aria-label="Recover a cut node" className="space-y-2 rounded-md border border-destructive/50 p-2">
        <h3 className="text-sm font-semibold">Recover: raise the limit (k2s is paused)</h3>
        <Lines items={r.workings} />
        <Lines items={r.warnings} tone="warning" />
        <Field id="quota-recover-limit" label={`New limit (GB, at least ${r.minimumGb})`} error={msg(formState.errors, "limitGb")}>
          <Input id="quota-recover-limit" type="number" min={r.minimumGb} className="w-40" {...register("limitGb", { valueAsNumber: true })} />
        </Field>
        <Button type="submit" size="sm" variant="destructive">
          Raise the limit and unpause…
        </Button>
      </form>
      <ConfirmDialog open={!!op.pending} onOpenChange={(o) => !o && op.close()} title={`Raise the limit to ${op.pending?.limitGb} GB?`} description="Writes K2_NODE_TRAFFIC_LIMIT_GB, recreates k2-sidecar (up -d); its enforcer unpauses k2s within seconds. k2ops waits until k2s runs." confirmLabel="Raise and unpause" onConfirm={op.confirm} />
    </>
  );
}

/** The quota panel of the node page: the meter's state, the provider's figure, and (for operators) the operations. */
export function QuotaOperations({ ipv4, canOperate }: { ipv4: string; canOperate: boolean }) {
  const router = useRouter();
  const [ctx, setCtx] = React.useState<QuotaContext | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [result, setResult] = React.useState<{ title: string; data: OpView; outcome?: string } | null>(null);
  const [reading, startReading] = React.useTransition();
  const [version, setVersion] = React.useState(0);
  const prefill = usePrefill();

  React.useEffect(() => {
    let live = true;
    void (quotaContextAction({ ipv4 }) as Promise<Res<QuotaContext>>).then((res) => {
      if (!live) return;
      if (res.ok) {
        setCtx(res.data);
        setError(null);
      } else setError(res.error.message);
    });
    return () => {
      live = false;
    };
  }, [ipv4, version]);

  const done = (r: { title: string; data: OpView; outcome?: string }) => {
    setResult(r);
    setVersion((v) => v + 1);
    router.refresh();
  };
  const readNow = () =>
    startReading(async () => {
      const res = (await pollMeterAction({ ipv4 })) as Res<{ gauge: { state: string }; problems: string[] }>;
      if (res.ok) toast.success(`Meter read: ${res.data.gauge.state}${res.data.problems.length ? ` (${res.data.problems.length} problem(s))` : ""}`);
      else toast.error(res.error.message);
      setVersion((v) => v + 1);
    });

  const m = ctx?.meter;
  return (
    <section id="quota" aria-label="Quota" className="space-y-4 rounded-lg border border-border bg-card p-3" data-testid="quota-operations">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-sm font-semibold">
          Quota {m ? <Badge variant={STATE_VARIANT[m.state]}>{m.state}</Badge> : null}
        </h2>
        <Button size="sm" variant="outline" loading={reading} onClick={readNow}>
          Read the meter now
        </Button>
      </div>
      {error ? <p className="text-sm text-destructive">{error}</p> : null}
      {!ctx && !error ? <p className="text-sm text-muted-foreground">Loading…</p> : null}
      {ctx ? (
        <>
          {m ? (
            <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1 text-xs">
              <dt className="text-muted-foreground">Used / limit</dt>
              <dd>
                {gib(m.usedGib)} / {m.limitGb === null ? "—" : m.limitGb === 0 ? "unlimited" : `${m.limitGb} GB`} {m.percentUsed !== null ? `(${m.percentUsed.toFixed(1)} %)` : ""}
                {m.runningLimitGb !== null && m.limitGb !== null && m.runningLimitGb !== m.limitGb ? <Badge variant="warning">running sidecar uses {m.runningLimitGb} GB: not applied</Badge> : null}
              </dd>
              <dt className="text-muted-foreground">Cycle</dt>
              <dd>
                day {m.billingDay ?? "—"} · {day(m.cycleStart)} → {day(m.cycleEnd)} · mode {m.mode ?? "—"}
              </dd>
              <dt className="text-muted-foreground">State</dt>
              <dd>{m.reason}</dd>
              <dt className="text-muted-foreground">Last read</dt>
              <dd>{m.polledAt ? m.polledAt.replace("T", " ").slice(0, 19) + " UTC" : "never"}{m.lastError ? ` · last poll failed: ${m.lastError}` : ""}</dd>
            </dl>
          ) : (
            <p className="text-xs text-muted-foreground">The meter has not been read yet.</p>
          )}
          {m?.restartReanchors ? <Lines items={[`Billing day ${m.billingDay}: a sidecar restarted now re-anchors the cycle (usage back to 0) until ${day(m.cycleEnd)}. Avoid restarts; after one, restore the count with set-usage.`]} tone="warning" /> : null}
          {ctx.provider ? (
            <p className="text-xs">
              Provider ({ctx.provider.provider}, {ctx.provider.source}): {gib(ctx.provider.usedGib)} {ctx.provider.basis}
              {ctx.provider.inGib !== null ? ` (in ${gib(ctx.provider.inGib)}, out ${gib(ctx.provider.outGib)})` : ""} since {day(ctx.provider.periodStart)}
              {ctx.provider.totalGib !== null ? ` of ${gib(ctx.provider.totalGib)}` : ""}
            </p>
          ) : null}
          <Lines items={ctx.problems} tone="warning" />
          {result ? <Outcome r={result} /> : null}
          {canOperate ? (
            <div className="space-y-5">
              {ctx.recovery ? <Recover key={`r${version}`} ctx={ctx} onDone={done} /> : null}
              {m?.metering ? <SetUsage key={`s${version}`} ctx={ctx} onDone={done} prefill={prefill} /> : null}
              <Configure key={`c${version}`} ctx={ctx} onDone={done} prefill={prefill} />
              {ctx.proration ? <Proration key={`p${version}`} ctx={ctx} onDone={done} /> : null}
            </div>
          ) : (
            <p className="text-xs text-muted-foreground">Quota operations need the operator role.</p>
          )}
        </>
      ) : null}
    </section>
  );
}
