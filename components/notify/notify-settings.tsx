"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { Controller, useForm } from "react-hook-form";
import { useZodResolver } from "@/components/ui/use-zod-resolver";
import { toast } from "sonner";
import { useTranslations } from "next-intl";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { CATEGORY_EVENTS, NOTIFY_CATEGORIES, targetInputSchema, type TargetInput } from "@/lib/notify/schema";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

// Settings → Notifications (issue #16): the targets (environment ones read-only),
// which categories each receives, "send test", and the delivery log with its
// attempts and "send again". The form validates with the server's own zod schema;
// a stored URL is never sent back to the browser (only scheme://host).

type Res<T = unknown> = { ok: true; data: T } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };
type Delivered = { ok: boolean; attempts: number };
export type NotifyActions = {
  add: (i: unknown) => Promise<Res>;
  change: (i: unknown) => Promise<Res>;
  remove: (i: unknown) => Promise<Res>;
  test: (i: unknown) => Promise<Res<Delivered>>;
  resend: (i: unknown) => Promise<Res<Delivered>>;
};
export type TargetRow = { id: string | null; name: string; kind: "webhook" | "slack"; hint: string; categories: string[]; enabled: boolean; source: "environment" | "settings"; updatedAt: string | null; updatedBy: string | null };
export type DeliveryRow = { id: string; at: string; targetName: string; targetKind: string; category: string; event: string; status: "delivering" | "delivered" | "failed"; attempts: number; lastError: string | null; text: string; retryOf: string | null; canResend: boolean };

const utc = (iso: string) => `${iso.slice(0, 19).replace("T", " ")} UTC`;
/** An example Slack incoming webhook URL (verbatim in every language). */
const SLACK_EXAMPLE = "https://hooks.slack.com/services/…";

function TargetForm({ editing, actions, onDone }: { editing: TargetRow | null; actions: NotifyActions; onDone: () => void }) {
  const tForm = useTranslations("notify.form");
  const tConfirm = useTranslations("confirm");
  const router = useRouter();
  const blank: TargetInput = { name: "", kind: "webhook", webhookUrl: "", categories: [...NOTIFY_CATEGORIES], enabled: true };
  const form = useForm<TargetInput>({
    resolver: useZodResolver(targetInputSchema),
    defaultValues: editing ? { name: editing.name, kind: editing.kind, webhookUrl: "", categories: editing.categories as TargetInput["categories"], enabled: editing.enabled } : blank,
  });
  const errors = form.formState.errors;
  const submit = form.handleSubmit(async (v) => {
    const r = editing?.id ? await actions.change({ id: editing.id, target: v }) : await actions.add(v);
    if (!r.ok) {
      const fe = r.error.fieldErrors ?? {};
      let placed = false;
      for (const k of ["name", "kind", "webhookUrl", "categories"] as const) {
        const m = fe[k]?.[0] ?? fe[`target.${k}`]?.[0] ?? (r.error.message.startsWith(k === "webhookUrl" ? "URL:" : `${k[0].toUpperCase()}${k.slice(1)}:`) ? r.error.message : undefined);
        if (m) {
          form.setError(k, { message: m });
          placed = true;
        }
      }
      if (!placed) form.setError("root", { message: r.error.message });
      return;
    }
    toast.success(editing ? tForm("saved", { name: v.name }) : tForm("added", { name: v.name }));
    form.reset(blank);
    onDone();
    router.refresh();
  });
  return (
    <form onSubmit={submit} className="grid gap-3 rounded-lg border border-border bg-card p-4 md:grid-cols-2" aria-label={editing ? tForm("editLabel", { name: editing.name }) : tForm("addLabel")} noValidate>
      <Field id="name" label={tForm("name")} error={errors.name?.message}>
        <Input id="name" {...form.register("name")} aria-invalid={!!errors.name} />
      </Field>
      <Field id="kind" label={tForm("kind")} error={errors.kind?.message}>
        <Controller
          control={form.control}
          name="kind"
          render={({ field }) => (
            <Select value={field.value} onValueChange={field.onChange} disabled={field.disabled}>
              <SelectTrigger id="kind" ref={field.ref} onBlur={field.onBlur} aria-invalid={!!errors.kind}>
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value="webhook">{tForm("kindWebhook")}</SelectItem>
                <SelectItem value="slack">{tForm("kindSlack")}</SelectItem>
              </SelectContent>
            </Select>
          )}
        />
      </Field>
      <div className="md:col-span-2">
        <Field id="webhookUrl" label={tForm("url")} hint={editing ? tForm("urlHintEdit") : tForm("urlHintNew")} error={errors.webhookUrl?.message}>
          <Input id="webhookUrl" type="url" autoComplete="off" placeholder={editing ? tForm("urlKept", { hint: editing.hint }) : SLACK_EXAMPLE} {...form.register("webhookUrl")} aria-invalid={!!errors.webhookUrl} />
        </Field>
      </div>
      <fieldset className="space-y-1 md:col-span-2">
        <legend className="text-sm font-medium">{tForm("events")}</legend>
        {NOTIFY_CATEGORIES.map((c) => (
          <label key={c} className="flex items-start gap-2 text-sm">
            <Checkbox value={c} {...form.register("categories")} className="mt-1" />
            <span>
              <span className="font-medium">{c}</span> <span className="text-muted-foreground">— {CATEGORY_EVENTS[c]}</span>
            </span>
          </label>
        ))}
        {errors.categories ? (
          <p className="text-xs text-destructive" data-testid="error-categories">
            {errors.categories.message}
          </p>
        ) : null}
      </fieldset>
      <label className="flex items-center gap-2 text-sm">
        <Checkbox {...form.register("enabled")} /> {tForm("enabled")}
      </label>
      {errors.root ? (
        <p role="alert" className="text-sm text-destructive md:col-span-2">
          {errors.root.message}
        </p>
      ) : null}
      <div className="flex gap-2 md:col-span-2">
        <Button type="submit" disabled={form.formState.isSubmitting}>
          {editing ? tForm("save") : tForm("add")}
        </Button>
        {editing ? (
          <Button type="button" variant="outline" onClick={onDone}>
            {tConfirm("cancel")}
          </Button>
        ) : null}
      </div>
    </form>
  );
}

const tf = tableFeatures({});
const th = createColumnHelper<typeof tf, TargetRow>();
const targetColumns = th.columns([
  th.accessor("name", {}),
  th.accessor("hint", {}),
  th.accessor("categories", {}),
  th.display({ id: "state" }),
  th.display({ id: "actions" }),
]);
const dh = createColumnHelper<typeof tf, DeliveryRow>();
const deliveryColumns = dh.columns([
  dh.accessor("at", {}),
  dh.accessor("targetName", {}),
  dh.accessor("event", {}),
  dh.accessor("status", {}),
  dh.accessor("text", {}),
  dh.display({ id: "actions" }),
]);

export function NotifySettings({ targets, deliveries, total, actions }: { targets: TargetRow[]; deliveries: DeliveryRow[]; total: number; actions: NotifyActions }) {
  const t = useTranslations("notify");
  const router = useRouter();
  const [editing, setEditing] = React.useState<TargetRow | null>(null);
  const [removing, setRemoving] = React.useState<TargetRow | null>(null);
  const [busy, setBusy] = React.useState<string | null>(null);
  const tt = useTable({ features: tf, columns: targetColumns, data: targets });
  const dt = useTable({ features: tf, columns: deliveryColumns, data: deliveries });
  async function send(key: string, run: () => Promise<Res<Delivered>>, what: string) {
    setBusy(key);
    try {
      const r = await run();
      if (!r.ok) toast.error(r.error.message);
      else if (r.data.ok) toast.success(r.data.attempts > 1 ? t("send.deliveredAfter", { what, attempts: r.data.attempts }) : t("send.delivered", { what }));
      else toast.error(t("send.notDelivered", { what, attempts: r.data.attempts }));
    } finally {
      setBusy(null);
      router.refresh();
    }
  }
  return (
    <div className="space-y-6">
      <section className="space-y-2" aria-labelledby="targets-h">
        <h2 id="targets-h" className="text-base font-semibold">
          {t("targets.heading")}
        </h2>
        <Table aria-label={t("targets.label")} data-testid="notify-targets">
          <TableHeader>
            <TableRow>
              {tt.getHeaderGroups()[0].headers.map((h) => (
                <TableHead key={h.id}>{h.column.id === "actions" ? "" : t(`targets.columns.${h.column.id as "name" | "hint" | "categories" | "state"}`)}</TableHead>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {targets.length === 0 ? (
              <TableRow>
                <TableCell colSpan={5} className="p-6 text-center text-muted-foreground">
                  {t("targets.empty")}
                </TableCell>
              </TableRow>
            ) : null}
            {tt.getRowModel().rows.map(({ original: row }) => (
              <TableRow key={row.id ?? row.name} data-target={row.name}>
                <TableCell>
                  <span className="font-medium">{row.name}</span>
                  <span className="block text-xs text-muted-foreground">
                    {row.kind === "slack" ? "Slack" : "webhook"} · {row.source === "environment" ? t("targets.fromEnvironment") : t("targets.changedBy", { who: row.updatedBy || "?" })}
                  </span>
                </TableCell>
                <TableCell className="font-mono text-xs">{row.hint}/…</TableCell>
                <TableCell className="text-xs">{row.categories.join(", ")}</TableCell>
                <TableCell>{row.enabled ? <Badge variant="success">{t("targets.enabled")}</Badge> : <Badge variant="secondary">{t("targets.disabled")}</Badge>}</TableCell>
                <TableCell className="space-x-2 whitespace-nowrap text-right">
                  <Button size="sm" variant="outline" disabled={busy !== null} onClick={() => void send(`test:${row.name}`, () => actions.test(row.id ? { id: row.id } : { envName: row.name }), t("send.testTo", { name: row.name }))}>
                    {busy === `test:${row.name}` ? t("send.sending") : t("send.test")}
                  </Button>
                  {row.source === "settings" ? (
                    <>
                      <Button size="sm" variant="outline" onClick={() => setEditing(row)}>
                        {t("targets.edit")}
                      </Button>
                      <Button size="sm" variant="outline" onClick={() => setRemoving(row)}>
                        {t("targets.remove")}
                      </Button>
                    </>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <TargetForm key={editing?.id ?? "new"} editing={editing} actions={actions} onDone={() => setEditing(null)} />
      </section>

      <section className="space-y-2" aria-labelledby="log-h">
        <h2 id="log-h" className="text-base font-semibold">
          {t("log.heading")} <span className="text-sm font-normal text-muted-foreground">{t("log.summary", { shown: deliveries.length, total })}</span>
        </h2>
        <Table aria-label={t("log.heading")} data-testid="notify-log" containerClassName="max-h-[60vh]" stickyHeader>
          <TableHeader>
            <TableRow>
              {dt.getHeaderGroups()[0].headers.map((h) => (
                <TableHead key={h.id}>{h.column.id === "actions" ? "" : t(`log.columns.${h.column.id as "at" | "targetName" | "event" | "status" | "text"}`)}</TableHead>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {deliveries.length === 0 ? (
              <TableRow>
                <TableCell colSpan={6} className="p-6 text-center text-muted-foreground">
                  {t("log.empty")}
                </TableCell>
              </TableRow>
            ) : null}
            {dt.getRowModel().rows.map(({ original: d }) => (
              <TableRow key={d.id} data-status={d.status} data-event={d.event}>
                <TableCell className="whitespace-nowrap text-xs">{utc(d.at)}</TableCell>
                <TableCell className="text-xs">{d.targetName}</TableCell>
                <TableCell className="text-xs">
                  {d.category} · {d.event}
                </TableCell>
                <TableCell className="text-xs">
                  <Badge variant={d.status === "delivered" ? "success" : d.status === "failed" ? "destructive" : "info"}>{t(`log.status.${d.status}`)}</Badge>
                  <span className="block text-muted-foreground">
                    {t("log.attempts", { count: d.attempts })}
                    {d.lastError ? ` · ${d.lastError}` : ""}
                    {d.retryOf ? ` · ${t("log.sentAgain")}` : ""}
                  </span>
                </TableCell>
                <TableCell className="max-w-96 text-xs">{d.text}</TableCell>
                <TableCell className="text-right">
                  {d.canResend ? (
                    <Button size="sm" variant="outline" disabled={busy !== null} onClick={() => void send(`resend:${d.id}`, () => actions.resend({ id: d.id }), t("send.sentAgain"))}>
                      {busy === `resend:${d.id}` ? t("send.sending") : t("send.again")}
                    </Button>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </section>

      <ConfirmDialog
        open={removing !== null}
        onOpenChange={(o) => (o ? null : setRemoving(null))}
        title={t("remove.title", { name: removing?.name ?? "" })}
        description={t("remove.description")}
        confirmLabel={t("remove.confirm")}
        onConfirm={async () => {
          const r = await actions.remove({ id: removing?.id });
          router.refresh();
          if (!r.ok) {
            toast.error(r.error.message);
            throw new Error(r.error.message);
          }
          toast.success(t("remove.done", { name: String(removing?.name) }));
        }}
      />
    </div>
  );
}
