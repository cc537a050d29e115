"use client";

import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { parseAsStringLiteral, useQueryStates } from "nuqs";
import { columnVisibilityFeature, createColumnHelper, createSortedRowModel, rowSortingFeature, tableFeatures, useTable, type SortFn } from "@tanstack/react-table";
import { METER_HIDEABLE_COLUMNS, TABLE_COLUMNS } from "@/lib/table-columns/ids";
import { ColumnsMenu } from "@/components/table/columns-menu";
import { useColumnChoice, type SaveColumns } from "@/components/table/use-column-choice";
import type { FleetMeterRowView } from "@/lib/metering/view";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatGiB as formatGiBIn, formatPercent, formatUtc, modeKey } from "./format";
import { ProjectionText } from "./projection";
import { QuotaGauge, StateBadge } from "./quota-gauge";

// Every metered node with its gauge, % used and projected cut (issue #13, the
// Metering page), sorted by risk by default (lib/metering/store fleetLatest's
// order: cut first, then the earliest projected cut, then % used). The sort is
// TanStack Table's, its state in the URL (?sort=&dir=, nuqs) so a sorted view can
// be linked.

export const METER_SORTS = ["risk", "name", "used", "cut", "end"] as const;
type SortKey = (typeof METER_SORTS)[number];
const DIRS = ["asc", "desc"] as const;
/** the direction a column starts in when first clicked */
const FIRST_DIR: Record<SortKey, "asc" | "desc"> = { risk: "asc", name: "asc", used: "desc", cut: "asc", end: "asc" };

const features = tableFeatures({ columnVisibilityFeature, rowSortingFeature, sortedRowModel: createSortedRowModel() });
const helper = createColumnHelper<typeof features, FleetMeterRowView>();
const byNumber: SortFn<typeof features, FleetMeterRowView> = (a, b, id) => (a.getValue<number>(id) ?? 0) - (b.getValue<number>(id) ?? 0);
const byText: SortFn<typeof features, FleetMeterRowView> = (a, b, id) => String(a.getValue(id)).localeCompare(String(b.getValue(id)));
const timeOr = (iso: string | null, none: number) => (iso ? new Date(iso).getTime() : none);

// the sortable columns' values; the other columns are display columns (the headers are worded in MeteringTable)
const columns = helper.columns([
  helper.accessor("risk", { id: "risk", sortFn: byNumber, enableHiding: false }),
  helper.accessor((r) => `${r.name} ${r.ipv4}`, { id: "name", sortFn: byText, enableHiding: false }),
  helper.display({ id: "gauge" }),
  // no figure sorts below 0 %
  helper.accessor((r) => r.gauge.percentUsed ?? -1, { id: "used", sortFn: byNumber }),
  helper.display({ id: "figures" }),
  helper.display({ id: "state" }),
  // no projected cut sorts after every date
  helper.accessor((r) => (r.gauge.state === "cut" ? 0 : timeOr(r.projection.cutAt, Number.MAX_SAFE_INTEGER)), { id: "cut", sortFn: byNumber }),
  helper.accessor((r) => timeOr(r.cycleEnd, Number.MAX_SAFE_INTEGER), { id: "end", sortFn: byNumber }),
  helper.display({ id: "mode" }),
  helper.display({ id: "notes" }),
]);

type Hideable = (typeof METER_HIDEABLE_COLUMNS)[number];
type ColumnId = "risk" | "name" | Hideable;
const isHideable = (id: string): id is Hideable => (METER_HIDEABLE_COLUMNS as readonly string[]).includes(id);
/** each hideable column's header, a key of metering.table */
const LABEL = { gauge: "quota", used: "percentUsed", figures: "usedLimit", state: "state", cut: "projectedCut", end: "cycleEnds", mode: "mode", notes: "notes" } as const satisfies Record<Hideable, string>;

/** The metered nodes by risk (or the URL's order), with the user's column choice (saved by `saveColumns`). */
export function MeteringTable({ rows, nowMs, hiddenColumns = [], saveColumns }: { rows: FleetMeterRowView[]; nowMs: number; hiddenColumns?: readonly Hideable[]; saveColumns?: SaveColumns<Hideable> }) {
  const t = useTranslations("metering");
  const locale = useLocale();
  const formatGiB = (b: number | null | undefined) => formatGiBIn(b, locale);
  const modeText = (m: string | null | undefined) => {
    const k = modeKey(m);
    return k ? t(`mode.${k}`) : "—";
  };
  const [{ sort, dir }, setQuery] = useQueryStates(
    { sort: parseAsStringLiteral(METER_SORTS).withDefault("risk"), dir: parseAsStringLiteral(DIRS) },
    { history: "replace", scroll: false },
  );
  const direction = dir ?? FIRST_DIR[sort];
  const choice = useColumnChoice({ hideable: METER_HIDEABLE_COLUMNS, defaultHidden: TABLE_COLUMNS.metering.defaultHidden, initialHidden: hiddenColumns, save: saveColumns });
  const table = useTable({
    features,
    columns,
    data: rows,
    state: { sorting: [{ id: sort, desc: direction === "desc" }], columnVisibility: choice.columnVisibility },
    onSortingChange: () => undefined,
    onColumnVisibilityChange: choice.onColumnVisibilityChange,
    enableSortingRemoval: false,
  });
  const shown = new Set(table.getVisibleLeafColumns().map((c) => c.id as ColumnId));
  const show = (id: ColumnId) => !isHideable(id) || shown.has(id);
  const sortBy = (key: SortKey) => {
    const next = key === sort ? (direction === "asc" ? "desc" : "asc") : FIRST_DIR[key];
    void setQuery({ sort: key === "risk" && next === "asc" ? null : key, dir: next === FIRST_DIR[key] ? null : next });
  };
  const header = (id: ColumnId, label: string, className?: string) => {
    if (!show(id)) return null;
    const key = METER_SORTS.find((k) => k === id);
    return (
      <TableHead key={id} className={className} aria-sort={key && key === sort ? (direction === "asc" ? "ascending" : "descending") : undefined}>
        {key ? (
          <button type="button" className="hover:text-foreground" onClick={() => sortBy(key)}>
            {label}
            {key === sort ? (direction === "asc" ? " ▲" : " ▼") : ""}
          </button>
        ) : (
          label
        )}
      </TableHead>
    );
  };
  return (
    <div className="space-y-2">
      <div className="flex justify-end">
        <ColumnsMenu
          testId="metering-columns"
          columns={table.getAllLeafColumns().filter((c) => c.getCanHide()).map((c) => ({ id: c.id, label: t(`table.${LABEL[c.id as Hideable]}`), visible: c.getIsVisible() }))}
          onToggle={(id, visible) => table.getColumn(id)?.toggleVisibility(visible)}
          onReset={choice.reset}
          isDefault={choice.isDefault}
        />
      </div>
      <Table aria-label={t("table.aria")} data-testid="metering-table" containerClassName="max-h-[70vh]" stickyHeader>
        <TableHeader>
          <TableRow>
            {header("risk", "#", "w-8")}
            {header("name", t("table.node"))}
            {header("gauge", t("table.quota"), "w-32")}
            {header("used", t("table.percentUsed"), "text-right")}
            {header("figures", t("table.usedLimit"), "text-right")}
            {header("state", t("table.state"))}
            {header("cut", t("table.projectedCut"))}
            {header("end", t("table.cycleEnds"))}
            {header("mode", t("table.mode"))}
            {header("notes", t("table.notes"))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {table.getRowModel().rows.length === 0 ? (
            <TableRow>
              <TableCell colSpan={shown.size} className="p-6 text-center text-muted-foreground">
                {t("table.empty")}
              </TableCell>
            </TableRow>
          ) : null}
          {table.getRowModel().rows.map((row) => {
            const r = row.original;
            const g = r.gauge;
            const limited = g.limitBytes > 0 && (g.state === "ok" || g.state === "warning" || g.state === "cut");
            return (
              <TableRow key={r.ipv4} data-ip={r.ipv4} data-state={g.state}>
                <TableCell className="text-xs text-muted-foreground">{r.risk + 1}</TableCell>
                <TableCell className="max-w-56">
                  <Link href={`/nodes/${r.ipv4}`} className="block truncate font-medium hover:underline">
                    {r.name}
                  </Link>
                  <span className="font-mono text-xs text-muted-foreground">{r.ipv4}</span>
                </TableCell>
                {show("gauge") ? <TableCell>
                  <QuotaGauge gauge={g} label={t("table.gaugeLabel", { name: r.name })} />
                </TableCell> : null}
                {show("used") ? <TableCell className="text-right font-medium" data-testid="percent-used">
                  {limited ? formatPercent(g.percentUsed) : "—"}
                </TableCell> : null}
                {show("figures") ? <TableCell className="whitespace-nowrap text-right text-xs">{limited ? `${formatGiB(g.usedBytes)} / ${formatGiB(g.limitBytes)}` : g.usedBytes !== null ? formatGiB(g.usedBytes) : "—"}</TableCell> : null}
                {show("state") ? <TableCell>
                  <StateBadge state={g.state} />
                </TableCell> : null}
                {show("cut") ? <TableCell className="whitespace-nowrap text-xs" data-testid="projected-cut">
                  <ProjectionText projection={r.projection} nowMs={nowMs} />
                </TableCell> : null}
                {show("end") ? <TableCell className="whitespace-nowrap font-mono text-xs">{formatUtc(r.cycleEnd, { dayOnly: true })}</TableCell> : null}
                {show("mode") ? <TableCell className="whitespace-nowrap text-xs">{modeText(r.mode)}</TableCell> : null}
                {show("notes") ? <TableCell className="text-xs">
                  {[
                    limited && g.usedBytes === null ? <span key="fig" className="block text-muted-foreground">{t("table.noUsedFigure")}</span> : null,
                    r.reporterFailing ? <span key="rep" className="block text-destructive">{t("table.reporterFailing")}</span> : null,
                    r.limitNotApplied ? <span key="lim" className="block text-warning">{t("table.limitNotApplied")}</span> : null,
                    r.lastError ? (
                      <span key="err" className="block text-destructive" title={r.lastError}>
                        {t("table.lastPollFailed")}
                      </span>
                    ) : null,
                  ]}
                </TableCell> : null}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </div>
  );
}
