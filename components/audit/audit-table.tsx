"use client";

import { useTranslations } from "next-intl";
import { columnVisibilityFeature, createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Time } from "@/components/i18n/time";
import { ColumnsMenu } from "@/components/table/columns-menu";
import { SortableHead, useServerSort } from "@/components/table/server-sort";
import { useColumnChoice, type SaveColumns } from "@/components/table/use-column-choice";
import { ROLES, type Role } from "@/lib/auth/roles";
import { AUDIT_FIRST_DIR, AUDIT_SORTS, type AuditSort } from "@/lib/audit/sort";
import { AUDIT_HIDEABLE_COLUMNS, TABLE_COLUMNS } from "@/lib/table-columns/ids";
import { AUDIT_OUTCOMES } from "./audit-filters";

export type AuditRow = {
  id: string;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  status: string;
  durationMs: number | null;
  ip: string;
  params: string;
  result: string;
  error: string;
};

const STATUS_VARIANT: Record<string, "success" | "destructive" | "warning" | "outline"> = {
  succeeded: "success",
  degraded: "warning",
  failed: "destructive",
  denied: "warning",
  interrupted: "destructive",
  pending: "outline",
};

const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);
const isOutcome = (s: string): s is (typeof AUDIT_OUTCOMES)[number] => (AUDIT_OUTCOMES as readonly string[]).includes(s);

// TanStack Table for the column choice; the server sorts and pages (the URL says how), so the
// rows arrive in order. Column ids are the catalog's audit.table.<id>; "at" and "action" always show.
type ColumnId = "at" | "action" | (typeof AUDIT_HIDEABLE_COLUMNS)[number];
const ORDER: ColumnId[] = ["at", "who", "action", "target", "outcome", "details"];
/** the sort key of each sortable column */
const SORT_OF: Partial<Record<ColumnId, AuditSort>> = { at: "at", who: "actor", action: "action", target: "target", outcome: "outcome" };
const features = tableFeatures({ columnVisibilityFeature });
const helper = createColumnHelper<typeof features, AuditRow>();
const columns = helper.columns(ORDER.map((id) => helper.display({ id, enableHiding: (AUDIT_HIDEABLE_COLUMNS as readonly string[]).includes(id) })));

/**
 * The audit log's rows (one page, already filtered, sorted and paged by the server), with the
 * user's column choice (saved by `saveColumns`) and sortable headers.
 */
export function AuditTable({ rows, hiddenColumns = [], saveColumns }: { rows: AuditRow[]; hiddenColumns?: readonly (typeof AUDIT_HIDEABLE_COLUMNS)[number][]; saveColumns?: SaveColumns<(typeof AUDIT_HIDEABLE_COLUMNS)[number]> }) {
  const t = useTranslations("audit.table");
  const tOutcome = useTranslations("audit.outcome");
  const tRoles = useTranslations("roles");
  const choice = useColumnChoice({ hideable: AUDIT_HIDEABLE_COLUMNS, defaultHidden: TABLE_COLUMNS.audit.defaultHidden, initialHidden: hiddenColumns, save: saveColumns });
  const sort = useServerSort(AUDIT_SORTS, "at", AUDIT_FIRST_DIR);
  const table = useTable({ features, columns, data: rows, getRowId: (r) => r.id, state: { columnVisibility: choice.columnVisibility }, onColumnVisibilityChange: choice.onColumnVisibilityChange });
  const visible = table.getVisibleLeafColumns().map((c) => c.id as ColumnId);

  const cell = (id: ColumnId, r: AuditRow) => {
    switch (id) {
      case "at":
        return <TableCell key={id} className="whitespace-nowrap font-mono text-xs"><Time value={r.at} format="seconds" /></TableCell>;
      case "who":
        return (
          <TableCell key={id}>
            <div>{r.actor}</div>
            <div className="text-xs text-muted-foreground">{r.role ? (isRole(r.role) ? tRoles(r.role) : r.role) : "—"}{r.ip ? ` · ${r.ip}` : ""}</div>
          </TableCell>
        );
      case "action":
        return <TableCell key={id} className="font-mono text-xs">{r.action}</TableCell>;
      case "target":
        return <TableCell key={id} className="font-mono text-xs">{r.target || "—"}</TableCell>;
      case "outcome":
        return (
          <TableCell key={id}>
            <Badge variant={STATUS_VARIANT[r.status] ?? "outline"}>{isOutcome(r.status) ? tOutcome(r.status) : r.status}</Badge>
            {r.durationMs !== null ? <div className="mt-1 text-xs text-muted-foreground">{t("duration", { ms: r.durationMs })}</div> : null}
          </TableCell>
        );
      case "details":
        return (
          <TableCell key={id} className="max-w-xl">
            {r.error ? <div className="text-xs text-destructive">{r.error}</div> : null}
            <details>
              <summary className="cursor-pointer text-xs text-muted-foreground">{t("more")}</summary>
              <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-xs">{`${t("params")}: ${r.params}\n${t("result")}: ${r.result || "—"}`}</pre>
            </details>
          </TableCell>
        );
    }
  };

  return (
    <div className="space-y-2">
      <div className="flex justify-end">
        <ColumnsMenu
          testId="audit-columns"
          columns={table.getAllLeafColumns().filter((c) => c.getCanHide()).map((c) => ({ id: c.id, label: t(c.id as Exclude<ColumnId, "at">), visible: c.getIsVisible() }))}
          onToggle={(id, show) => table.getColumn(id)?.toggleVisibility(show)}
          onReset={choice.reset}
          isDefault={choice.isDefault}
        />
      </div>
      {rows.length === 0 ? (
        <p className="rounded-lg border border-dashed border-border p-8 text-center text-sm text-muted-foreground">{t("empty")}</p>
      ) : (
        <Table data-testid="audit-table" aria-label={t("label")} containerClassName="max-h-[75vh]" stickyHeader>
          <TableHeader>
            <TableRow>
              {visible.map((id) => {
                const key = SORT_OF[id];
                const label = id === "at" ? t("when") : t(id);
                return key ? <SortableHead key={id} sortKey={key} label={label} state={sort} /> : <TableHead key={id}>{label}</TableHead>;
              })}
            </TableRow>
          </TableHeader>
          <TableBody>
            {table.getRowModel().rows.map((row) => (
              <TableRow key={row.id} className="align-top">
                {visible.map((id) => cell(id, row.original))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
