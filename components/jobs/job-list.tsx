"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { columnVisibilityFeature, createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import type { JobListRow } from "@/lib/jobs";
import { JOB_FIRST_DIR, JOB_SORTS, type JobSort } from "@/lib/jobs/sort";
import { JOB_HIDEABLE_COLUMNS, TABLE_COLUMNS } from "@/lib/table-columns/ids";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Time } from "@/components/i18n/time";
import { ColumnsMenu } from "@/components/table/columns-menu";
import { SortableHead, useServerSort } from "@/components/table/server-sort";
import { useColumnChoice, type SaveColumns } from "@/components/table/use-column-choice";
import { STATUS_TONE, useJobStatusText } from "./job-status";

type Hideable = (typeof JOB_HIDEABLE_COLUMNS)[number];
type ColumnId = "job" | Hideable;
const ORDER: ColumnId[] = ["job", ...JOB_HIDEABLE_COLUMNS];
/** the sort key of each sortable column (the server sorts: lib/jobs listJobs) */
const SORT_OF: Partial<Record<ColumnId, JobSort>> = { job: "kind", status: "status", startedBy: "startedBy", created: "created" };
const features = tableFeatures({ columnVisibilityFeature });
const helper = createColumnHelper<typeof features, JobListRow>();
const columns = helper.columns(ORDER.map((id) => helper.display({ id, enableHiding: id !== "job" })));

/**
 * Fleet jobs, in the server's order (newest first unless the URL sorts otherwise), with the
 * user's column choice; a row opens the job's detail (per-node results, live while it runs).
 */
export function JobList({ rows, selected, hiddenColumns = [], saveColumns }: { rows: JobListRow[]; selected?: string; hiddenColumns?: readonly Hideable[]; saveColumns?: SaveColumns<Hideable> }) {
  const t = useTranslations("jobs.list");
  const tProgress = useTranslations("jobs.progress");
  const status = useJobStatusText();
  const choice = useColumnChoice({ hideable: JOB_HIDEABLE_COLUMNS, defaultHidden: TABLE_COLUMNS.jobs.defaultHidden, initialHidden: hiddenColumns, save: saveColumns });
  const sort = useServerSort(JOB_SORTS, "created", JOB_FIRST_DIR);
  const table = useTable({ features, columns, data: rows, getRowId: (r) => r.id, state: { columnVisibility: choice.columnVisibility }, onColumnVisibilityChange: choice.onColumnVisibilityChange });
  const visible = table.getVisibleLeafColumns().map((c) => c.id as ColumnId);

  const took = (a: Date | null, b: Date | null): string => {
    if (!a) return "—";
    const s = Math.round(((b ?? new Date()).getTime() - a.getTime()) / 1000);
    return s < 60 ? t("seconds", { s }) : t("minutes", { m: Math.floor(s / 60), s: s % 60 });
  };
  const cell = (id: ColumnId, j: JobListRow) => {
    switch (id) {
      case "job":
        return (
          <TableCell key={id}>
            <Link href={`/operations?job=${j.id}`} className="font-medium underline-offset-2 hover:underline">
              {j.kind}
            </Link>{" "}
            <span className="font-mono text-xs text-muted-foreground">{j.id.slice(-8)}</span>
          </TableCell>
        );
      case "status":
        return (
          <TableCell key={id}>
            <Badge variant={STATUS_TONE[j.status]}>{j.cancelRequested && ["running", "queued", "paused", "halted"].includes(j.status) ? tProgress("cancelling", { status: status(j.status) }) : status(j.status)}</Badge>
          </TableCell>
        );
      case "progress":
        return (
          <TableCell key={id} className="tabular-nums">
            {j.done}/{j.total}
            {j.failed ? <span className="text-destructive">{t("failed", { failed: j.failed })}</span> : null}
          </TableCell>
        );
      case "startedBy":
        return <TableCell key={id}>{j.createdBy}</TableCell>;
      case "created":
        return <TableCell key={id} className="whitespace-nowrap font-mono text-xs"><Time value={j.createdAt} format="seconds" /></TableCell>;
      case "took":
        return <TableCell key={id} className="tabular-nums">{took(j.startedAt, j.finishedAt)}</TableCell>;
    }
  };

  return (
    <div className="space-y-2">
      <div className="flex justify-end">
        <ColumnsMenu
          testId="job-columns"
          columns={table.getAllLeafColumns().filter((c) => c.getCanHide()).map((c) => ({ id: c.id, label: t(c.id as Hideable), visible: c.getIsVisible() }))}
          onToggle={(id, show) => table.getColumn(id)?.toggleVisibility(show)}
          onReset={choice.reset}
          isDefault={choice.isDefault}
        />
      </div>
      <Table data-testid="job-list" aria-label={t("label")} containerClassName="max-h-[70vh]" stickyHeader>
        <TableHeader>
          <TableRow>
            {visible.map((id) => {
              const key = SORT_OF[id];
              return key ? <SortableHead key={id} sortKey={key} label={t(id)} state={sort} /> : <TableHead key={id}>{t(id)}</TableHead>;
            })}
          </TableRow>
        </TableHeader>
        <TableBody>
          {table.getRowModel().rows.map((row) => {
            const j = row.original;
            return (
              <TableRow key={row.id} className={selected === j.id ? "bg-muted" : undefined} data-job={j.id} data-status={j.status}>
                {visible.map((id) => cell(id, j))}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </div>
  );
}
