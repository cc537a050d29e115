"use client";

import * as React from "react";
import { useRouter, useSearchParams } from "next/navigation";
import { Controller, get, useForm, useWatch, type FieldErrors } from "react-hook-form";
import { useZodResolver } from "@/components/ui/use-zod-resolver";
import { useLocale, useTranslations } from "next-intl";
import { toast } from "sonner";
import type { z } from "zod";
import { configureQuotaSchema, recoverCutSchema, setUsageSchema } from "@/lib/metering/quota-schema";
import type { QuotaContext } from "@/lib/metering/quota";
import type { QuotaLine } from "@/lib/metering/cycle";
import type { Check } from "@/lib/metering/quota-ops";
import { applyProrationSeedAction, configureQuotaAction, pollMeterAction, quotaContextAction, recoverCutAction, setUsageAction } from "@/app/(console)/nodes/[ip]/quota-actions";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/field";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Time } from "@/components/i18n/time";
import { formatDateTime } from "@/lib/i18n/format";

// The node page's quota operations (issue #13 "Operate"; metering.md Parts B,
// C, E): set usage with the guided seed, configure quota from the provider's
// rules, the Lightsail creation month's proration, recovery of a cut node.
// Forms validate with the server actions' own zod schemas
// (lib/metering/quota-schema.ts); every change asks for confirmation, runs
// audited under the node's lock, and shows what the node verified.

type OpView = { summary: string; parsed: { verified: boolean; checks: Check[]; warnings: string[]; workings?: string[] }; raw: string; command: string };
type Res<T> = { ok: true; data: T; outcome?: string; outcomeReason?: string } | { ok: false; error: { code: string; message: string; fieldErrors?: Record<string, string[]> } };

const STATE_VARIANT = { ok: "success", warning: "warning", cut: "destructive", "metering-off": "secondary", unlimited: "info" } as const;
const OPS_STATES = ["ok", "warning", "cut", "metering-off", "unlimited", "unknown"] as const;
const isOpsState = (s: string): s is (typeof OPS_STATES)[number] => (OPS_STATES as readonly string[]).includes(s);
const gib = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${v.toFixed(1)} GiB`);
/** A billing date in the page's language; billing days are UTC days, so shown in UTC (not the viewer's zone). */
function useDay() {
  const locale = useLocale();
  return (iso: string | null | undefined) => (iso ? formatDateTime(iso, { locale, timeZone: "UTC", style: "date" }) : "—");
}
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


/** lib's lines from their codes (metering.ops.lines), one for one with the English; the English when they do not match. */
function useLines() {
  const tl = useTranslations("metering.ops.lines");
  const line = (p: QuotaLine) => tl(p.code, p.values);
  return { line, lines: (phrases: QuotaLine[] | undefined, texts: string[]) => (phrases && phrases.length === texts.length ? phrases.map(line) : texts) };
}

/** The result of the last operation: summary, each verification check, the raw output. */
function Outcome({ r }: { r: { title: string; data: OpView; outcome?: string } }) {
  const t = useTranslations("metering.ops");
  const ok = r.data.parsed.verified;
  return (
    <section aria-label={t("resultAria")} className={`space-y-2 rounded-md border p-3 text-sm ${ok ? "border-success/50" : "border-warning/50 bg-warning/5"}`} data-testid="quota-result">
      <p className="font-medium">
        {t.rich("result", { title: r.title, badge: () => (ok ? <Badge variant="success">{t("verified")}</Badge> : <Badge variant="warning">{t("notVerified")}</Badge>) })}
      </p>
      <p className="text-xs">{r.data.summary}</p>
      <ul className="space-y-0.5 text-xs">
        {r.data.parsed.checks.map((c) => (
          <li key={c.label} className={c.ok ? "text-success" : "text-destructive"}>
            {c.ok ? "✓" : "✗"} {c.code ? t(`checks.${c.code}`) : c.label} <span className="text-muted-foreground">— {c.detail}</span>
          </li>
        ))}
      </ul>
      <Lines items={r.data.parsed.warnings} tone="warning" />
      <details>
        <summary className="cursor-pointer text-xs text-muted-foreground">{t("rawOutput", { command: r.data.command })}</summary>
        <pre className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-xs">{r.data.raw || t("noOutput")}</pre>
      </details>
    </section>
  );
}

/** Submit → confirm dialog → the action; the confirmed input carries `confirm: true` (the server's schema requires it). */
function useConfirmedOp<In extends Record<string, unknown>>(title: string, act: (input: unknown) => Promise<Res<OpView>>, done: (r: { title: string; data: OpView; outcome?: string }) => void) {
  const [pending, setPending] = React.useState<In | null>(null);
  const t = useTranslations("metering.ops");
  const confirm = async () => {
    if (!pending) return;
    const res = await act({ ...pending, confirm: true });
    if (!res.ok) {
      toast.error(res.error.message);
      throw new Error(res.error.message);
    }
    if (res.data.parsed.verified) toast.success(t("toastVerified", { title }));
    else toast.warning(t("toastNotVerified", { title }));
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
  const { register, handleSubmit, setValue, formState } = useForm<z.input<typeof setUsageForm>, unknown, z.output<typeof setUsageForm>>({ resolver: useZodResolver(setUsageForm), defaultValues: { ipv4: ctx.ipv4, usedGb: initial } });
  const t = useTranslations("metering.ops");
  const { lines } = useLines();
  const op = useConfirmedOp<z.output<typeof setUsageForm>>(t("setUsage.title"), setUsageAction as never, onDone);
  return (
    <>
      <form onSubmit={handleSubmit((v) => op.ask(v))} noValidate aria-label={t("setUsage.title")} className="space-y-2">
        <h3 className="text-sm font-semibold">{t("setUsage.heading")}</h3>
        <p className="text-xs text-muted-foreground">{t("setUsage.help")}</p>
        {ctx.seed.gb !== null ? (
          <div className="space-y-1 rounded-md border border-border p-2">
            <Lines title={t("setUsage.proposed")} items={lines(ctx.seed.workingPhrases, ctx.seed.workings)} />
            <Button type="button" size="sm" variant="outline" onClick={() => setValue("usedGb", ctx.seed.gb!, { shouldValidate: true })}>
              {t("setUsage.use", { gb: String(ctx.seed.gb) })}
            </Button>
          </div>
        ) : null}
        <Lines items={lines(ctx.seed.warningPhrases, ctx.seed.warnings)} tone="warning" />
        <Field id="quota-usedGb" label={t("setUsage.used")} error={msg(formState.errors, "usedGb")}>
          <Input id="quota-usedGb" type="number" min={0} step={1} className="w-40" {...register("usedGb", { valueAsNumber: true })} aria-invalid={msg(formState.errors, "usedGb") ? true : undefined} />
        </Field>
        <Button type="submit" size="sm">
          {t("setUsage.submit")}
        </Button>
      </form>
      <ConfirmDialog open={!!op.pending} onOpenChange={(o) => !o && op.close()} title={t("setUsage.confirmTitle", { gb: String(op.pending?.usedGb ?? "") })} description={t("setUsage.confirmDescription")} confirmLabel={t("setUsage.confirm")} destructive={false} onConfirm={op.confirm} />
    </>
  );
}

const configureForm = configureQuotaSchema.omit({ confirm: true });
function Configure({ ctx, onDone, prefill }: { ctx: QuotaContext; onDone: (r: { title: string; data: OpView }) => void; prefill: Prefill }) {
  const q = ctx.quota;
  const derived = { ipv4: ctx.ipv4, billingDay: q.billingDay.value ?? ctx.meter?.billingDay ?? undefined, limitGb: q.limitGb.value ?? ctx.meter?.limitGb ?? undefined, mode: q.mode.value, seedGb: null };
  const fix = prefill.kind === "configure";
  const defaults = fix ? { ...derived, billingDay: prefill.day ?? derived.billingDay, limitGb: prefill.limit ?? derived.limitGb, mode: prefill.mode ?? derived.mode } : derived;
  const { register, handleSubmit, reset, control, formState } = useForm<z.input<typeof configureForm>, unknown, z.output<typeof configureForm>>({ resolver: useZodResolver(configureForm), defaultValues: defaults });
  const t = useTranslations("metering.ops");
  const tm = useTranslations("metering.mode");
  const { line, lines } = useLines();
  const op = useConfirmedOp<z.output<typeof configureForm>>(t("configure.title"), configureQuotaAction as never, onDone);
  const dayNow = useWatch({ control, name: "billingDay" });
  const reanchors = ctx.meter?.billingDay !== null && ctx.meter?.billingDay !== undefined && Number.isFinite(dayNow) && dayNow !== ctx.meter.billingDay;
  return (
    <>
      <form onSubmit={handleSubmit((v) => op.ask(v))} noValidate aria-label={t("configure.title")} className="space-y-2">
        <h3 className="text-sm font-semibold">{t("configure.title")}</h3>
        {fix ? <p className="text-xs text-info">{t("configure.fromAudit")}</p> : null}
        <Lines
          title={t("configure.derivedFrom", { provider: q.provider ?? t("configure.theProvider") })}
          items={[t("configure.derivedDay", { value: String(q.billingDay.value ?? "?"), why: line(q.billingDay.whyPhrase) }), t("configure.derivedLimit", { value: String(q.limitGb.value ?? "?"), why: line(q.limitGb.whyPhrase) }), t("configure.derivedMode", { value: q.mode.value, why: line(q.mode.whyPhrase) })]}
        />
        <Lines items={lines(q.warningPhrases, q.warnings)} tone="warning" />
        <div className="grid gap-3 sm:grid-cols-3">
          <Field id="quota-billingDay" label={t("configure.billingDay")} error={msg(formState.errors, "billingDay")}>
            <Input id="quota-billingDay" type="number" min={1} max={31} {...register("billingDay", { valueAsNumber: true })} />
          </Field>
          <Field id="quota-limitGb" label={t("configure.limit")} error={msg(formState.errors, "limitGb")}>
            <Input id="quota-limitGb" type="number" min={0} {...register("limitGb", { valueAsNumber: true })} />
          </Field>
          <Field id="quota-mode" label={t("configure.mode")} error={msg(formState.errors, "mode")}>
            <Controller
              control={control}
              name="mode"
              render={({ field }) => (
                <Select value={field.value} onValueChange={field.onChange} disabled={field.disabled}>
                  <SelectTrigger id="quota-mode" ref={field.ref} onBlur={field.onBlur}>
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value="max">{tm("max")}</SelectItem>
                    <SelectItem value="sum">{tm("sum")}</SelectItem>
                  </SelectContent>
                </Select>
              )}
            />
          </Field>
        </div>
        <Field id="quota-seedGb" label={t("configure.seed")} hint={reanchors ? t("configure.seedReanchors") : t("configure.seedKeep")} error={msg(formState.errors, "seedGb")}>
          <Input id="quota-seedGb" type="number" min={0} className="w-40" placeholder={ctx.seed.gb !== null ? String(ctx.seed.gb) : ""} {...register("seedGb", { setValueAs: (v: string) => (v === "" || v === null ? null : Number(v)) })} />
        </Field>
        <div className="flex gap-2">
          <Button type="submit" size="sm">
            {t("configure.submit")}
          </Button>
          <Button type="button" size="sm" variant="ghost" onClick={() => reset(derived)}>
            {t("configure.reset")}
          </Button>
        </div>
      </form>
      <ConfirmDialog
        open={!!op.pending}
        onOpenChange={(o) => !o && op.close()}
        title={t("configure.confirmTitle")}
        description={t("configure.confirmDescription", { day: String(op.pending?.billingDay), limit: String(op.pending?.limitGb), mode: String(op.pending?.mode) }) + (reanchors ? t("configure.confirmReanchors") : "")}
        confirmLabel={t("configure.confirm")}
        destructive={false}
        onConfirm={op.confirm}
      />
    </>
  );
}

function Proration({ ctx, onDone }: { ctx: QuotaContext; onDone: (r: { title: string; data: OpView }) => void }) {
  const p = ctx.proration!;
  const t = useTranslations("metering.ops");
  const { lines } = useLines();
  const day = useDay();
  const op = useConfirmedOp<{ ipv4: string; createdAt: string; bundleGb: number; fullLimitGb: number }>(t("proration.title"), applyProrationSeedAction as never, onDone);
  return (
    <section aria-label={t("proration.aria")} className="space-y-2">
      <h3 className="text-sm font-semibold">{t("proration.heading")}</h3>
      <p className="text-xs text-muted-foreground">
        {t("proration.facts", { created: day(p.createdAt), bundle: String(p.bundleGb), full: String(p.fullLimitGb) })}
        {p.creationMonth ? "" : t("proration.over")}
      </p>
      <div className="grid gap-2 text-xs sm:grid-cols-2">
        <div className="rounded-md border border-border p-2">
          <p className="font-medium">{t("proration.a")}</p>
          <p>{t("proration.aText", { limit: String(p.prorated.limitGb), allowance: String(p.prorated.allowanceGb), full: String(p.fullLimitGb), restore: day(p.prorated.restoreAt) })}</p>
        </div>
        <div className="rounded-md border border-border p-2">
          <p className="font-medium">{t("proration.b")}</p>
          <p>{t("proration.bText", { limit: String(p.seeded.limitGb), seed: String(p.seeded.setUsageGb), remaining: String(p.seeded.remainingGb), clears: day(p.seeded.clearsAt) })}</p>
        </div>
      </div>
      <Lines items={lines(p.workingPhrases, p.workings)} />
      <Lines items={lines(p.warningPhrases, p.warnings)} tone="warning" />
      {p.creationMonth ? (
        <Button size="sm" onClick={() => op.ask({ ipv4: ctx.ipv4, createdAt: p.createdAt, bundleGb: p.bundleGb, fullLimitGb: p.fullLimitGb })}>
          {t("proration.submit")}
        </Button>
      ) : null}
      <ConfirmDialog open={!!op.pending} onOpenChange={(o) => !o && op.close()} title={t("proration.confirmTitle")} description={t("proration.confirmDescription", { full: String(p.fullLimitGb), seed: String(p.seeded.setUsageGb) })} confirmLabel={t("proration.confirm")} destructive={false} onConfirm={op.confirm} />
    </section>
  );
}

const recoverForm = recoverCutSchema.omit({ confirm: true });
function Recover({ ctx, onDone }: { ctx: QuotaContext; onDone: (r: { title: string; data: OpView }) => void }) {
  const r = ctx.recovery!;
  const { register, handleSubmit, formState } = useForm<z.input<typeof recoverForm>, unknown, z.output<typeof recoverForm>>({ resolver: useZodResolver(recoverForm), defaultValues: { ipv4: ctx.ipv4, limitGb: r.limitGb } });
  const t = useTranslations("metering.ops");
  const { lines } = useLines();
  const op = useConfirmedOp<z.output<typeof recoverForm>>(t("recover.title"), recoverCutAction as never, onDone);
  return (
    <>
      <form onSubmit={handleSubmit((v) => op.ask(v))} noValidate aria-label={t("recover.aria")} className="space-y-2 rounded-md border border-destructive/50 p-2">
        <h3 className="text-sm font-semibold">{t("recover.heading")}</h3>
        <Lines items={lines(r.workingPhrases, r.workings)} />
        <Lines items={lines(r.warningPhrases, r.warnings)} tone="warning" />
        <Field id="quota-recover-limit" label={t("recover.limit", { min: String(r.minimumGb) })} error={msg(formState.errors, "limitGb")}>
          <Input id="quota-recover-limit" type="number" min={r.minimumGb} className="w-40" {...register("limitGb", { valueAsNumber: true })} />
        </Field>
        <Button type="submit" size="sm" variant="destructive">
          {t("recover.submit")}
        </Button>
      </form>
      <ConfirmDialog open={!!op.pending} onOpenChange={(o) => !o && op.close()} title={t("recover.confirmTitle", { limit: String(op.pending?.limitGb) })} description={t("recover.confirmDescription")} confirmLabel={t("recover.confirm")} onConfirm={op.confirm} />
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
  const t = useTranslations("metering.ops");
  const tg = useTranslations("metering");
  const { lines } = useLines();
  const day = useDay();
  const stateText = (s: string) => (isOpsState(s) ? t(`opsState.${s}`) : s);

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
      if (res.ok) toast.success(res.data.problems.length ? t("meterReadProblems", { state: stateText(res.data.gauge.state), count: res.data.problems.length }) : t("meterRead", { state: stateText(res.data.gauge.state) }));
      else toast.error(res.error.message);
      setVersion((v) => v + 1);
    });

  const m = ctx?.meter;
  return (
    <section id="quota" aria-label={t("panel")} className="space-y-4 rounded-lg border border-border bg-card p-3" data-testid="quota-operations">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-sm font-semibold">
          {t("panel")} {m ? <Badge variant={STATE_VARIANT[m.state]}>{stateText(m.state)}</Badge> : null}
        </h2>
        <Button size="sm" variant="outline" loading={reading} onClick={readNow}>
          {t("readNow")}
        </Button>
      </div>
      {error ? <p className="text-sm text-destructive">{error}</p> : null}
      {!ctx && !error ? <p className="text-sm text-muted-foreground">{t("loading")}</p> : null}
      {ctx ? (
        <>
          {m ? (
            <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1 text-xs">
              <dt className="text-muted-foreground">{t("usedLimit")}</dt>
              <dd>
                {gib(m.usedGib)} / {m.limitGb === null ? "—" : m.limitGb === 0 ? t("unlimited") : `${m.limitGb} GB`} {m.percentUsed !== null ? t("percent", { percent: m.percentUsed.toFixed(1) }) : ""}
                {m.runningLimitGb !== null && m.limitGb !== null && m.runningLimitGb !== m.limitGb ? <Badge variant="warning">{t("runningLimit", { limit: String(m.runningLimitGb) })}</Badge> : null}
              </dd>
              <dt className="text-muted-foreground">{t("cycle")}</dt>
              <dd>
                {t("cycleValue", { day: String(m.billingDay ?? "—"), start: day(m.cycleStart), end: day(m.cycleEnd), mode: m.mode ?? "—" })}
              </dd>
              <dt className="text-muted-foreground">{t("state")}</dt>
              <dd>{tg(`gaugeReason.${m.reasonPhrase.code}`, m.reasonPhrase.values)}</dd>
              <dt className="text-muted-foreground">{t("lastRead")}</dt>
              <dd>
                {m.polledAt ? <Time value={m.polledAt} format="seconds" /> : t("never")}
                {m.lastError ? t("lastPollFailed", { error: m.lastError }) : ""}
              </dd>
            </dl>
          ) : (
            <p className="text-xs text-muted-foreground">{t("notRead")}</p>
          )}
          {m?.restartReanchors ? <Lines items={[t("restartReanchors", { day: String(m.billingDay), end: day(m.cycleEnd) })]} tone="warning" /> : null}
          {ctx.provider ? (
            <p className="text-xs">
              {t("provider", { provider: ctx.provider.provider, source: ctx.provider.source, used: gib(ctx.provider.usedGib), basis: ctx.provider.basis })}
              {ctx.provider.inGib !== null ? t("providerInOut", { in: gib(ctx.provider.inGib), out: gib(ctx.provider.outGib) }) : ""}
              {t("providerSince", { since: day(ctx.provider.periodStart) })}
              {ctx.provider.totalGib !== null ? t("providerOf", { total: gib(ctx.provider.totalGib) }) : ""}
            </p>
          ) : null}
          <Lines items={lines(ctx.problemPhrases, ctx.problems)} tone="warning" />
          {result ? <Outcome r={result} /> : null}
          {canOperate ? (
            <div className="space-y-5">
              {ctx.recovery ? <Recover key={`r${version}`} ctx={ctx} onDone={done} /> : null}
              {m?.metering ? <SetUsage key={`s${version}`} ctx={ctx} onDone={done} prefill={prefill} /> : null}
              <Configure key={`c${version}`} ctx={ctx} onDone={done} prefill={prefill} />
              {ctx.proration ? <Proration key={`p${version}`} ctx={ctx} onDone={done} /> : null}
            </div>
          ) : (
            <p className="text-xs text-muted-foreground">{t("needOperator")}</p>
          )}
        </>
      ) : null}
    </section>
  );
}
