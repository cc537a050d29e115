"use client";

import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { parseAsStringLiteral, useQueryStates } from "nuqs";
import { createColumnHelper, createSortedRowModel, rowSortingFeature, tableFeatures, useTable, type SortFn } from "@tanstack/react-table";
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

const features = tableFeatures({ rowSortingFeature, sortedRowModel: createSortedRowModel() });
const helper = createColumnHelper<typeof features, FleetMeterRowView>();
const byNumber: SortFn<typeof features, FleetMeterRowView> = (a, b, id) => (a.getValue<number>(id) ?? 0) - (b.getValue<number>(id) ?? 0);
const byText: SortFn<typeof features, FleetMeterRowView> = (a, b, id) => String(a.getValue(id)).localeCompare(String(b.getValue(id)));
const timeOr = (iso: string | null, none: number) => (iso ? new Date(iso).getTime() : none);

// the sortable columns' values; the other columns are display columns (the headers are worded in MeteringTable)
const columns = helper.columns([
  helper.accessor("risk", { id: "risk", sortFn: byNumber }),
  helper.accessor((r) => `${r.name} ${r.ipv4}`, { id: "name", sortFn: byText }),
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

export function MeteringTable({ rows, nowMs }: { rows: FleetMeterRowView[]; nowMs: number }) {
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
  const table = useTable({ features, columns, data: rows, state: { sorting: [{ id: sort, desc: direction === "desc" }] }, onSortingChange: () => undefined, enableSortingRemoval: false });
  const sortBy = (key: SortKey) => {
    const next = key === sort ? (direction === "asc" ? "desc" : "asc") : FIRST_DIR[key];
    void setQuery({ sort: key === "risk" && next === "asc" ? null : key, dir: next === FIRST_DIR[key] ? null : next });
  };
  const header = (id: string, label: string, className?: string) => {
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
            <TableCell colSpan={10} className="p-6 text-center text-muted-foreground">
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
              <TableCell>
                <QuotaGauge gauge={g} label={t("table.gaugeLabel", { name: r.name })} />
              </TableCell>
              <TableCell className="text-right font-medium" data-testid="percent-used">
                {limited ? formatPercent(g.percentUsed) : "—"}
              </TableCell>
              <TableCell className="whitespace-nowrap text-right text-xs">{limited ? `${formatGiB(g.usedBytes)} / ${formatGiB(g.limitBytes)}` : g.usedBytes !== null ? formatGiB(g.usedBytes) : "—"}</TableCell>
              <TableCell>
                <StateBadge state={g.state} />
              </TableCell>
              <TableCell className="whitespace-nowrap text-xs" data-testid="projected-cut">
                <ProjectionText projection={r.projection} nowMs={nowMs} />
              </TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{formatUtc(r.cycleEnd, { dayOnly: true })}</TableCell>
              <TableCell className="whitespace-nowrap text-xs">{modeText(r.mode)}</TableCell>
              <TableCell className="text-xs">
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
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
