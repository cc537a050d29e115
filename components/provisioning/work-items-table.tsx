"use client";

import * as React from "react";
import Link from "next/link";
import { parseAsStringLiteral, useQueryStates } from "nuqs";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { WORK_ITEM_ACTIONS, WORK_ITEM_STATUSES } from "@/lib/provisioning/filters";
import type { WorkItemView } from "@/lib/provisioning/work-items";
import { Badge } from "@/components/ui/badge";
import { Select } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { AbortButton, ClaimButton, RunCell, type RunView, type WorkItemActions } from "./work-item-actions";
import { Countdown } from "./countdown";

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
const columns = helper.columns([
  helper.accessor("id", { header: "#" }),
  helper.accessor("action", { header: "Action" }),
  helper.accessor("status", { header: "Status" }),
  helper.accessor("subId", { header: "Subscription" }),
  helper.accessor("asks", { header: "Asks for" }),
  helper.display({ id: "holder", header: "Holder / lease" }),
  helper.display({ id: "deadline", header: "Center's deadline" }),
  helper.display({ id: "outcome", header: "Result / last error" }),
  helper.accessor("createdAt", { header: "Created" }),
  helper.display({ id: "k2ops", header: "In k2ops" }),
]);

const utc = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

function FilterSelect<T extends string>({ label, value, options, onChange }: { label: string; value: T | null; options: readonly T[]; onChange: (v: T | null) => void }) {
  return (
    <label className="space-y-1 text-sm">
      <span className="block text-xs text-muted-foreground">{label}</span>
      <Select aria-label={label} value={value ?? ""} onChange={(e) => onChange((e.target.value || null) as T | null)}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </Select>
    </label>
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
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-end gap-3" role="group" aria-label="Filter work items">
        <FilterSelect label="Action" value={action} options={WORK_ITEM_ACTIONS} onChange={(v) => void setQuery({ action: v })} />
        <FilterSelect label="Status" value={status} options={WORK_ITEM_STATUSES} onChange={(v) => void setQuery({ status: v })} />
      </div>
      <Table aria-label="Center's work items" data-testid="work-items" containerClassName="max-h-[70vh]" stickyHeader>
        <TableHeader>
          <TableRow>
            {table.getHeaderGroups()[0].headers.map((h) => (
              <TableHead key={h.id}>{String(h.column.columnDef.header)}</TableHead>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.length === 0 ? (
            <TableRow>
              <TableCell colSpan={10} className="p-6 text-center text-muted-foreground">
                No work item matches{action || status ? " this filter" : ""}.
              </TableCell>
            </TableRow>
          ) : null}
          {table.getRowModel().rows.map((row) => {
            const w = row.original;
            return (
              <TableRow key={w.id} data-id={w.id} data-status={w.status} data-action={w.action} className={w.status === "queued" ? "bg-warning/5" : undefined}>
                <TableCell className="font-mono text-xs">{w.id}</TableCell>
                <TableCell className="whitespace-nowrap">{w.action}</TableCell>
                <TableCell>
                  <Badge variant={STATUS_VARIANT[w.status]}>{w.status === "queued" ? "queued · new" : w.status}</Badge>
                </TableCell>
                <TableCell className="font-mono text-xs">{w.subId}</TableCell>
                <TableCell className="text-sm">
                  {w.asks}
                  {w.problem ? <span className="block text-xs text-destructive">{w.problem}</span> : null}
                </TableCell>
                <TableCell className="text-xs">
                  {w.holder ? (
                    <>
                      <span className="block">{w.holder}</span>
                      {w.lease ? <span className={`block ${w.lease.expired ? "text-warning" : "text-muted-foreground"}`}>{w.lease.expired ? `lease expired ${utc(w.lease.until)} (Center does not release it)` : `leased until ${utc(w.lease.until)}`}</span> : null}
                    </>
                  ) : (
                    <span className="text-muted-foreground">unclaimed</span>
                  )}
                </TableCell>
                <TableCell className="text-xs" data-testid="deadline" title={w.deadline?.text}>
                  {w.deadline ? <Countdown failsFrom={w.deadline.failsFrom} nowMs={nowMs} /> : <span className="text-muted-foreground">—</span>}
                </TableCell>
                <TableCell className="max-w-72 text-xs">
                  {w.lastError ? <span className="block text-destructive">{w.lastError}</span> : null}
                  {w.result && Object.keys(w.result).length ? <span className="block font-mono">{JSON.stringify(w.result)}</span> : null}
                  {w.completedAt ? <span className="block text-muted-foreground">ended {utc(w.completedAt)}</span> : null}
                </TableCell>
                <TableCell className="whitespace-nowrap text-xs">
                  {utc(w.createdAt)}
                  <span className="block text-muted-foreground">{w.createdBy}</span>
                </TableCell>
                <TableCell className="max-w-72 space-y-1 text-xs">
                  <RunCell run={runs[w.id]} />
                  {actions && w.status === "queued" && !runs[w.id] ? <ClaimButton id={w.id} asks={w.asks} actions={actions} /> : null}
                  {w.action !== "change_ip" && runs[w.id] && ["claimed", "in_progress"].includes(runs[w.id].status) ? (
                    <Link href={`/provisioning/${w.id}`} className="block text-primary underline-offset-2 hover:underline">
                      {w.action === "provision" ? "Open the wizard →" : `Open the ${w.action} →`}
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
