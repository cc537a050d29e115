"use client";

import * as React from "react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { parseAsStringLiteral, useQueryStates } from "nuqs";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { WORK_ITEM_ACTIONS, WORK_ITEM_STATUSES } from "@/lib/provisioning/filters";
import type { WorkItemView } from "@/lib/provisioning/work-items";
import { Badge } from "@/components/ui/badge";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { AbortButton, ClaimButton, RunCell, type RunView, type WorkItemActions } from "./work-item-actions";
import { Countdown } from "./countdown";
import { Time } from "@/components/i18n/time";

// Center's work items (issue #14, the Provisioning page): every action and
// status, newest first, filterable (?action=&status=, nuqs: the server page
// reads them), with what each asks for, its holder and lease and, for an open
// provision item, Center's own deadline counting down; k2ops' own state of the
// items it claimed, and (operators) Claim on a queued item, Abort on one held here.

const STATUS_VARIANT: Record<WorkItemView["status"], "warning" | "info" | "success" | "destructive" | "secondary"> = {
  queued: "warning",
  claimed: "info",
  in_progress: "info",
  done: "success",
  failed: "destructive",
  canceled: "secondary",
};

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, WorkItemView>();
// each header is the key of its title in provisioning.table.column (translated when rendered)
const columns = helper.columns([
  helper.accessor("id", { header: "id" }),
  helper.accessor("action", { header: "action" }),
  helper.accessor("status", { header: "status" }),
  helper.accessor("subId", { header: "subId" }),
  helper.accessor("asks", { header: "asks" }),
  helper.display({ id: "holder", header: "holder" }),
  helper.display({ id: "deadline", header: "deadline" }),
  helper.display({ id: "outcome", header: "outcome" }),
  helper.accessor("createdAt", { header: "createdAt" }),
  helper.display({ id: "k2ops", header: "k2ops" }),
]);
const COLUMN_KEYS = ["id", "action", "status", "subId", "asks", "holder", "deadline", "outcome", "createdAt", "k2ops"] as const;
const isColumnKey = (s: string): s is (typeof COLUMN_KEYS)[number] => (COLUMN_KEYS as readonly string[]).includes(s);

/** the "all" item's stand-in value (Radix refuses ""): the filter sees "" */
const ANY = "__all__";

function FilterSelect<T extends string>({ label, value, options, optionLabel, onChange }: { label: string; value: T | null; options: readonly T[]; optionLabel: (v: T) => string; onChange: (v: T | null) => void }) {
  const t = useTranslations("provisioning");
  return (
    <div className="space-y-1 text-sm">
      <span className="block text-xs text-muted-foreground">{label}</span>
      <Select emptyValue={ANY} value={value ?? ""} onValueChange={(v) => onChange((v || null) as T | null)}>
        <SelectTrigger aria-label={label} className="min-w-36">
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          <SelectItem value={ANY}>{t("table.all")}</SelectItem>
          {options.map((o) => (
            <SelectItem key={o} value={o}>
              {optionLabel(o)}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </div>
  );
}

export function WorkItemsTable({ items, nowMs: serverNow, runs = {}, actions }: { items: WorkItemView[]; nowMs: number; runs?: Record<number, RunView>; /** operators only: viewers get no buttons */ actions?: WorkItemActions }) {
  const [{ action, status }, setQuery] = useQueryStates(
    { action: parseAsStringLiteral(WORK_ITEM_ACTIONS), status: parseAsStringLiteral(WORK_ITEM_STATUSES) },
    { history: "replace", scroll: false, shallow: false },
  );
  const [nowMs, setNow] = React.useState(serverNow);
  React.useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const table = useTable({ features, columns, data: items });
  const t = useTranslations("provisioning");
  const columnTitle = (k: string) => (isColumnKey(k) ? t(`table.column.${k}`) : k);
  const actionText = (a: string) => ((WORK_ITEM_ACTIONS as readonly string[]).includes(a) ? t(`action.${a as (typeof WORK_ITEM_ACTIONS)[number]}`) : a);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-end gap-3" role="group" aria-label={t("table.filters")}>
        <FilterSelect label={t("table.column.action")} value={action} options={WORK_ITEM_ACTIONS} optionLabel={(v) => t(`action.${v}`)} onChange={(v) => void setQuery({ action: v })} />
        <FilterSelect label={t("table.column.status")} value={status} options={WORK_ITEM_STATUSES} optionLabel={(v) => t(`status.${v}`)} onChange={(v) => void setQuery({ status: v })} />
      </div>
      <Table aria-label={t("table.label")} data-testid="work-items" containerClassName="max-h-[70vh]" stickyHeader>
        <TableHeader>
          <TableRow>
            {table.getHeaderGroups()[0].headers.map((h) => (
              <TableHead key={h.id}>{columnTitle(String(h.column.columnDef.header))}</TableHead>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.length === 0 ? (
            <TableRow>
              <TableCell colSpan={10} className="p-6 text-center text-muted-foreground">
                {action || status ? t("table.emptyFiltered") : t("table.empty")}
              </TableCell>
            </TableRow>
          ) : null}
          {table.getRowModel().rows.map((row) => {
            const w = row.original;
            // lib's sentences by their catalog codes (lib keeps the English for notifications)
            const asks = t(w.asksPhrase.code, w.asksPhrase.values);
            return (
              <TableRow key={w.id} data-id={w.id} data-status={w.status} data-action={w.action} className={w.status === "queued" ? "bg-warning/5" : undefined}>
                <TableCell className="font-mono text-xs">{w.id}</TableCell>
                <TableCell className="whitespace-nowrap">{actionText(w.action)}</TableCell>
                <TableCell>
                  <Badge variant={STATUS_VARIANT[w.status]}>{w.status === "queued" ? t("table.queuedNew") : t(`status.${w.status}`)}</Badge>
                </TableCell>
                <TableCell className="font-mono text-xs">{w.subId}</TableCell>
                <TableCell className="text-sm">
                  {asks}
                  {w.problem ? <span className="block text-xs text-destructive">{w.problemPhrase ? t(w.problemPhrase.code, w.problemPhrase.values) : w.problem}</span> : null}
                </TableCell>
                <TableCell className="text-xs">
                  {w.holder ? (
                    <>
                      <span className="block">{w.holder}</span>
                      {w.lease ? <span className={`block ${w.lease.expired ? "text-warning" : "text-muted-foreground"}`}>{t.rich(w.lease.expired ? "table.leaseExpired" : "table.leasedUntil", { time: () => <Time value={w.lease?.until} /> })}</span> : null}
                    </>
                  ) : (
                    <span className="text-muted-foreground">{t("table.unclaimed")}</span>
                  )}
                </TableCell>
                <TableCell className="text-xs" data-testid="deadline" title={w.deadline ? t(w.deadline.code, w.deadline.values) : undefined}>
                  {w.deadline ? <Countdown failsFrom={w.deadline.failsFrom} nowMs={nowMs} /> : <span className="text-muted-foreground">—</span>}
                </TableCell>
                <TableCell className="max-w-72 text-xs">
                  {w.lastError ? <span className="block text-destructive">{w.lastError}</span> : null}
                  {w.result && Object.keys(w.result).length ? <span className="block font-mono">{JSON.stringify(w.result)}</span> : null}
                  {w.completedAt ? <span className="block text-muted-foreground">{t.rich("table.ended", { time: () => <Time value={w.completedAt} /> })}</span> : null}
                </TableCell>
                <TableCell className="whitespace-nowrap text-xs">
                  <Time value={w.createdAt} />
                  <span className="block text-muted-foreground">{w.createdBy}</span>
                </TableCell>
                <TableCell className="max-w-72 space-y-1 text-xs">
                  <RunCell run={runs[w.id]} />
                  {actions && w.status === "queued" && !runs[w.id] ? <ClaimButton id={w.id} asks={asks} actions={actions} /> : null}
                  {w.action !== "change_ip" && runs[w.id] && ["claimed", "in_progress"].includes(runs[w.id].status) ? (
                    <Link href={`/provisioning/${w.id}`} className="block text-primary underline-offset-2 hover:underline">
                      {w.action === "provision" ? t("table.openWizard") : t("table.openAction", { action: actionText(w.action) })}
                    </Link>
                  ) : null}
                  {actions && runs[w.id] && ["claimed", "in_progress"].includes(runs[w.id].status) && ["claimed", "in_progress"].includes(w.status) ? <AbortButton id={w.id} actions={actions} /> : null}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </div>
  );
}
