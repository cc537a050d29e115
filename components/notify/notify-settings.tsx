"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { toast } from "sonner";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { CATEGORY_EVENTS, NOTIFY_CATEGORIES, targetInputSchema, type TargetInput } from "@/lib/notify/schema";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
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

function TargetForm({ editing, actions, onDone }: { editing: TargetRow | null; actions: NotifyActions; onDone: () => void }) {
  const router = useRouter();
  const blank: TargetInput = { name: "", kind: "webhook", webhookUrl: "", categories: [...NOTIFY_CATEGORIES], enabled: true };
  const form = useForm<TargetInput>({
    resolver: zodResolver(targetInputSchema),
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
    toast.success(editing ? `Target ${v.name} saved` : `Target ${v.name} added`);
    form.reset(blank);
    onDone();
    router.refresh();
  });
  return (
    <form onSubmit={submit} className="grid gap-3 rounded-lg border border-border bg-card p-4 md:grid-cols-2" aria-label={editing ? `Edit target ${editing.name}` : "Add a target"} noValidate>
      <Field id="name" label="Name" error={errors.name?.message}>
        <Input id="name" {...form.register("name")} aria-invalid={!!errors.name} />
      </Field>
      <Field id="kind" label="Kind" error={errors.kind?.message}>
        <Select id="kind" {...form.register("kind")}>
          <option value="webhook">Generic webhook (JSON POST)</option>
          <option value="slack">Slack incoming webhook</option>
        </Select>
      </Field>
      <div className="md:col-span-2">
        <Field id="webhookUrl" label="URL" hint={editing ? "Leave empty to keep the stored URL (it is never shown again)." : "Stored sealed; pages show only its scheme and host."} error={errors.webhookUrl?.message}>
          <Input id="webhookUrl" type="url" autoComplete="off" placeholder={editing ? `${editing.hint}/… (kept)` : "https://hooks.slack.com/services/…"} {...form.register("webhookUrl")} aria-invalid={!!errors.webhookUrl} />
        </Field>
      </div>
      <fieldset className="space-y-1 md:col-span-2">
        <legend className="text-sm font-medium">Events</legend>
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
        <Checkbox {...form.register("enabled")} /> Enabled
      </label>
      {errors.root ? (
        <p role="alert" className="text-sm text-destructive md:col-span-2">
          {errors.root.message}
        </p>
      ) : null}
      <div className="flex gap-2 md:col-span-2">
        <Button type="submit" disabled={form.formState.isSubmitting}>
          {editing ? "Save target" : "Add target"}
        </Button>
        {editing ? (
          <Button type="button" variant="outline" onClick={onDone}>
            Cancel
          </Button>
        ) : null}
      </div>
    </form>
  );
}

const tf = tableFeatures({});
const th = createColumnHelper<typeof tf, TargetRow>();
const targetColumns = th.columns([
  th.accessor("name", { header: "Target" }),
  th.accessor("hint", { header: "Where" }),
  th.accessor("categories", { header: "Events" }),
  th.display({ id: "state", header: "State" }),
  th.display({ id: "actions", header: "" }),
]);
const dh = createColumnHelper<typeof tf, DeliveryRow>();
const deliveryColumns = dh.columns([
  dh.accessor("at", { header: "When" }),
  dh.accessor("targetName", { header: "Target" }),
  dh.accessor("event", { header: "Event" }),
  dh.accessor("status", { header: "Outcome" }),
  dh.accessor("text", { header: "Message" }),
  dh.display({ id: "actions", header: "" }),
]);

export function NotifySettings({ targets, deliveries, total, actions }: { targets: TargetRow[]; deliveries: DeliveryRow[]; total: number; actions: NotifyActions }) {
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
      else if (r.data.ok) toast.success(`${what}: delivered${r.data.attempts > 1 ? ` after ${r.data.attempts} attempts` : ""}`);
      else toast.error(`${what}: not delivered after ${r.data.attempts} attempts (see the delivery log)`);
    } finally {
      setBusy(null);
      router.refresh();
    }
  }
  return (
    <div className="space-y-6">
      <section className="space-y-2" aria-labelledby="targets-h">
        <h2 id="targets-h" className="text-base font-semibold">
          Targets
        </h2>
        <Table aria-label="Notification targets" data-testid="notify-targets">
          <TableHeader>
            <TableRow>
              {tt.getHeaderGroups()[0].headers.map((h) => (
                <TableHead key={h.id}>{String(h.column.columnDef.header)}</TableHead>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {targets.length === 0 ? (
              <TableRow>
                <TableCell colSpan={5} className="p-6 text-center text-muted-foreground">
                  No target yet: rollouts, metering alerts and new work items notify nobody. Add one below, or set K2OPS_NOTIFY_WEBHOOK / K2OPS_NOTIFY_SLACK_WEBHOOK.
                </TableCell>
              </TableRow>
            ) : null}
            {tt.getRowModel().rows.map(({ original: t }) => (
              <TableRow key={t.id ?? t.name} data-target={t.name}>
                <TableCell>
                  <span className="font-medium">{t.name}</span>
                  <span className="block text-xs text-muted-foreground">
                    {t.kind === "slack" ? "Slack" : "webhook"} · {t.source === "environment" ? "from the environment (every event)" : `changed by ${t.updatedBy || "?"}`}
                  </span>
                </TableCell>
                <TableCell className="font-mono text-xs">{t.hint}/…</TableCell>
                <TableCell className="text-xs">{t.categories.join(", ")}</TableCell>
                <TableCell>{t.enabled ? <Badge variant="success">enabled</Badge> : <Badge variant="secondary">disabled</Badge>}</TableCell>
                <TableCell className="space-x-2 whitespace-nowrap text-right">
                  <Button size="sm" variant="outline" disabled={busy !== null} onClick={() => void send(`test:${t.name}`, () => actions.test(t.id ? { id: t.id } : { envName: t.name }), `Test to ${t.name}`)}>
                    {busy === `test:${t.name}` ? "Sending…" : "Send test"}
                  </Button>
                  {t.source === "settings" ? (
                    <>
                      <Button size="sm" variant="outline" onClick={() => setEditing(t)}>
                        Edit
                      </Button>
                      <Button size="sm" variant="outline" onClick={() => setRemoving(t)}>
                        Remove…
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
          Delivery log <span className="text-sm font-normal text-muted-foreground">(newest {deliveries.length} of {total}; each delivery is tried 3 times, 1 s and 4 s apart)</span>
        </h2>
        <Table aria-label="Delivery log" data-testid="notify-log" containerClassName="max-h-[60vh]" stickyHeader>
          <TableHeader>
            <TableRow>
              {dt.getHeaderGroups()[0].headers.map((h) => (
                <TableHead key={h.id}>{String(h.column.columnDef.header)}</TableHead>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {deliveries.length === 0 ? (
              <TableRow>
                <TableCell colSpan={6} className="p-6 text-center text-muted-foreground">
                  Nothing sent yet.
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
                  <Badge variant={d.status === "delivered" ? "success" : d.status === "failed" ? "destructive" : "info"}>{d.status}</Badge>
                  <span className="block text-muted-foreground">
                    {d.attempts} attempt{d.attempts === 1 ? "" : "s"}
                    {d.lastError ? ` · ${d.lastError}` : ""}
                    {d.retryOf ? " · sent again" : ""}
                  </span>
                </TableCell>
                <TableCell className="max-w-96 text-xs">{d.text}</TableCell>
                <TableCell className="text-right">
                  {d.canResend ? (
                    <Button size="sm" variant="outline" disabled={busy !== null} onClick={() => void send(`resend:${d.id}`, () => actions.resend({ id: d.id }), "Sent again")}>
                      {busy === `resend:${d.id}` ? "Sending…" : "Send again"}
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
        title={`Remove target ${removing?.name ?? ""}?`}
        description="It receives nothing from now on; its delivery log stays."
        confirmLabel="Remove"
        onConfirm={async () => {
          const r = await actions.remove({ id: removing?.id });
          router.refresh();
          if (!r.ok) {
            toast.error(r.error.message);
            throw new Error(r.error.message);
          }
          toast.success(`Target ${removing?.name} removed`);
        }}
      />
    </div>
  );
}
