"use client";

import { useRef, useState } from "react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useVirtualizer } from "@tanstack/react-virtual";
import { columnVisibilityFeature, createColumnHelper, rowSortingFeature, tableFeatures, useTable } from "@tanstack/react-table";
import { useTranslations } from "next-intl";
import type { FleetRow } from "@/lib/fleet";
import { DEFAULT_HIDDEN_FLEET_COLUMNS, FLEET_HIDEABLE_COLUMNS, type FleetColumnId } from "@/lib/fleet/column-ids";
import { Badge } from "@/components/ui/badge";
import { StepBadge } from "@/components/rollout/step-badge";
import { Time } from "@/components/i18n/time";
import { ColumnsMenu } from "@/components/table/columns-menu";
import { useColumnChoice, type SaveColumns } from "@/components/table/use-column-choice";

// The fleet table (issue 16): TanStack Table (v9) holds the columns, their visibility (the
// user's choice, saved on the server) and the sort state; the rows are virtualized
// (@tanstack/react-virtual: 5,000 nodes stay smooth) in a CSS grid whose header row sticks to
// the top of the scrolling frame. The sort is the server's (the URL's ?sort=&dir=): the header
// buttons rewrite the URL, the page re-reads the rows in that order.
//
// Widths: the secondary facts share a cell (region · country, class · IP type) and the tunnel
// domain is the name's tooltip. The default columns' minimums add up to 58.5 rem, which fits a
// 1280 px window beside the navigation; the menu shows the others (then the frame scrolls
// sideways on a screen too narrow for them, never the page).

type ColumnId = "sel" | "name" | FleetColumnId;
/** a column's header text is its id's key in "fleet.table.columns" of the catalogs (the selection column has none) */
type Layout = { track: string; /** rem */ min: number };
const LAYOUT: Record<ColumnId, Layout> = {
  sel: { track: "2rem", min: 2 },
  name: { track: "minmax(12rem,1.3fr)", min: 12 },
  region: { track: "minmax(7rem,1fr)", min: 7 },
  ipv4: { track: "7.5rem", min: 7.5 },
  class: { track: "6.5rem", min: 6.5 },
  arch: { track: "5rem", min: 5 },
  version: { track: "7rem", min: 7 },
  activity: { track: "5.5rem", min: 5.5 },
  status: { track: "minmax(6.5rem,1fr)", min: 6.5 },
  sidecar: { track: "4.5rem", min: 4.5 },
  quota: { track: "5rem", min: 5 },
  lastop: { track: "minmax(6rem,1fr)", min: 6 },
};
/** the columns the URL can sort by (lib/fleet SORT_KEYS): their ids are the sort keys */
const SORTABLE = new Set<ColumnId>(["name", "region", "ipv4", "arch", "status", "lastop"]);

/** the columns with a header text (all but the selection column) */
type HeaderId = Exclude<ColumnId, "sel">;

const features = tableFeatures({ columnVisibilityFeature, rowSortingFeature });
const helper = createColumnHelper<typeof features, FleetRow>();
const ORDER: ColumnId[] = ["sel", "name", ...FLEET_HIDEABLE_COLUMNS];
const columns = helper.columns(
  ORDER.map((id) =>
    helper.display({ id, enableHiding: id !== "sel" && id !== "name", enableSorting: SORTABLE.has(id) }),
  ),
);

const isHideable = (id: string): id is FleetColumnId => (FLEET_HIDEABLE_COLUMNS as readonly string[]).includes(id);

type Translate = ReturnType<typeof useTranslations<"fleet.table">>;

// the Quota cell: % of the limit used this cycle and the gauge's state (lib/metering/gauge-row);
// QUOTA_KEY: the state's key in "fleet.table.quota.short" and ".help" of the catalogs
const QUOTA_KEY = { ok: "ok", warning: "warning", cut: "cut", "metering-off": "meteringOff", unlimited: "unlimited" } as const satisfies Record<NonNullable<FleetRow["quotaState"]>, string>;
const QUOTA_TONE: Record<NonNullable<FleetRow["quotaState"]>, string> = { ok: "text-success", warning: "text-warning", cut: "font-medium text-destructive", "metering-off": "text-warning", unlimited: "text-muted-foreground" };

function QuotaCell({ r, t }: { r: FleetRow; t: Translate }) {
  if (!r.quotaState) return null;
  // metered with a limit but no used figure yet (no traffic.state): not known to be ok
  if (r.quotaUsedPct === null && (r.quotaState === "ok" || r.quotaState === "warning"))
    return (
      <span className="text-muted-foreground" title={t("quota.noFigureTitle")} data-testid="quota-cell" data-state="no-figure">
        {t("quota.noFigure")}
      </span>
    );
  const key = QUOTA_KEY[r.quotaState];
  const help = t(`quota.help.${key}`);
  const pct = r.quotaUsedPct === null ? "" : `${Math.floor(r.quotaUsedPct)}% `;
  return (
    <Link href={`/nodes/${r.ipv4}`} className={`hover:underline ${QUOTA_TONE[r.quotaState]}`} title={r.quotaUsedPct === null ? help : t("quota.used", { pct: r.quotaUsedPct, help })} data-testid="quota-cell" data-state={r.quotaState}>
      {pct}
      {t(`quota.short.${key}`)}
    </Link>
  );
}

// Center's class and IP type: the known values have a text in the catalogs, any other is shown as it is
const isClass = (c: string): c is "shared" | "private" => c === "shared" || c === "private";
const isIpType = (i: string): i is "residential" | "non_residential" => i === "residential" || i === "non_residential";
const ROW_HEIGHT = 34;
/** the sticky header row's height: the virtualizer's rows start below it (its scrollMargin) */
const HEADER_HEIGHT = 34;

function StatusCell({ r, t }: { r: FleetRow; t: Translate }) {
  if (r.hostKeyState === "changed") return <span className="font-medium text-destructive">{t("status.hostKeyChanged")}</span>;
  if (!r.verificationStatus) return <span className="text-muted-foreground">{t("status.never")}</span>;
  if (r.verificationStatus === "pass") return <span className="text-success">{t("status.pass")}</span>;
  if (r.verificationStatus === "error") return <span className="text-warning">{t("status.error")}</span>;
  // no check failed, but some could not read their evidence: not known good
  if (r.verificationStatus === "unknown")
    return (
      <span className="text-warning" title={t("status.unknownTitle")}>
        {t("status.unknown")}
      </span>
    );
  // the failing checks' names are the checklist's own (technical) names: not translated
  return (
    <span className="text-destructive" title={r.failingChecks.join(", ")}>
      {t("status.fail", { checks: r.failingChecks.join(", ") })}
    </span>
  );
}

export type SaveFleetColumns = SaveColumns<FleetColumnId>;

/** One row's cells, by column id (the visible ones are rendered, in the table's column order). */
function renderCell(
  id: string,
  r: FleetRow,
  ctx: { selected: boolean; toggle: () => void; onRemove?: (row: FleetRow) => void; rollout?: { jobId: string; steps: Record<string, string> } | null; t: Translate },
) {
  const t = ctx.t;
  switch (id) {
    case "sel":
      return (
        <div role="cell" key={id} className="px-2">
          <input type="checkbox" aria-label={t("select", { node: r.name || r.ipv4 })} checked={ctx.selected} onChange={ctx.toggle} />
        </div>
      );
    case "name":
      // the name gives way (truncated) so the badge and the remove control always stay visible
      return (
        <div role="cell" key={id} className="flex min-w-0 items-center gap-1 px-2 font-medium [&>*:not(:first-child)]:shrink-0">
          <Link href={`/nodes/${r.ipv4}`} className="min-w-0 truncate hover:underline" title={r.domains.length ? t("tunnel", { domains: r.domains.join(", ") }) : t("noTunnel")}>
            {r.name || r.ipv4}
          </Link>
          {r.source === "manual" ? (
            <Badge variant="warning" data-testid="not-in-center" title={t("manualTitle")}>
              {t("manualBadge")}
            </Badge>
          ) : !r.inCenter ? (
            <span className="text-xs text-warning">{t("notInCenter")}</span>
          ) : null}
          {r.source === "manual" && ctx.onRemove ? (
            <button type="button" className="text-xs text-muted-foreground hover:text-destructive hover:underline" aria-label={t("removeLabel", { node: r.name || r.ipv4 })} onClick={() => ctx.onRemove!(r)}>
              {t("remove")}
            </button>
          ) : null}
        </div>
      );
    case "region":
      return (
        <div role="cell" key={id} className="truncate px-2" title={`${r.region} · ${r.country}`}>
          {r.region} <span className="text-xs text-muted-foreground">· {r.country}</span>
        </div>
      );
    case "ipv4":
      return (
        <div role="cell" key={id} className="px-2 font-mono text-xs">
          {r.ipv4}
        </div>
      );
    case "class":
      return (
        <div role="cell" key={id} className="truncate px-2 text-xs" title={`${r.class} · ${r.ipType}`}>
          {isClass(r.class) ? t(`class.${r.class}`) : r.class} · {isIpType(r.ipType) ? t(`ipType.${r.ipType}`) : r.ipType === "unknown" ? "?" : r.ipType}
        </div>
      );
    case "arch":
      return (
        <div role="cell" key={id} className="px-2 text-xs">
          {r.arch ?? <span className="text-muted-foreground">?</span>}
        </div>
      );
    case "version":
      return (
        <div role="cell" key={id} className="truncate px-2 font-mono text-xs">
          {r.versionTag ?? ""}
        </div>
      );
    case "activity":
      return (
        <div role="cell" key={id} className="px-2 text-xs">
          {t(`activity.${r.activity}`)}
        </div>
      );
    case "status":
      return (
        <div role="cell" key={id} className="truncate px-2 text-xs" data-testid="verification-cell">
          <StatusCell r={r} t={t} />
        </div>
      );
    case "sidecar":
      return (
        <div role="cell" key={id} className="px-2 text-xs">
          {r.sidecarHealth ?? ""}
        </div>
      );
    case "quota":
      return (
        <div role="cell" key={id} className="truncate px-2 text-xs">
          <QuotaCell r={r} t={t} />
        </div>
      );
    case "lastop":
      return (
        <div role="cell" key={id} className="truncate px-2 text-xs text-muted-foreground">
          {ctx.rollout?.steps[r.ipv4] ? (
            // a rollout under way says where this node stands in it (as of this page load)
            <Link href={`/operations?job=${ctx.rollout.jobId}`} data-testid="rollout-badge" title={t("rolloutTitle")}>
              <StepBadge prefix={t("rolloutPrefix")} step={ctx.rollout.steps[r.ipv4]} />
            </Link>
          ) : r.lastOperation ? (
            // the operation's name is the job kind's (technical); its time in the viewer's zone, UTC on hover
            <>
              {r.lastOperation} · <Time value={r.lastOperationAt} />
            </>
          ) : (
            ""
          )}
        </div>
      );
    default:
      return <div role="cell" key={id} />;
  }
}

export function FleetTable({
  rows,
  canVerify,
  onVerify,
  onRemove,
  canRollout = false,
  rollout,
  hiddenColumns = DEFAULT_HIDDEN_FLEET_COLUMNS,
  saveColumns,
}: {
  rows: FleetRow[];
  canVerify: boolean;
  onVerify?: (ips: string[]) => Promise<void>;
  /** offered on nodes added by hand (operators) */
  onRemove?: (row: FleetRow) => void;
  /** offer "Roll out to selected" (operators) */
  canRollout?: boolean;
  /** the newest unfinished rollout: each taking-part node's step, shown in its row */
  rollout?: { jobId: string; steps: Record<string, string> } | null;
  /** the columns this user hides (their saved choice, else the default) */
  hiddenColumns?: readonly FleetColumnId[];
  /** saves the user's column choice on the server (null: back to the default) */
  saveColumns?: SaveFleetColumns;
}) {
  const t = useTranslations("fleet.table");
  const parentRef = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const choice = useColumnChoice({ hideable: FLEET_HIDEABLE_COLUMNS, defaultHidden: DEFAULT_HIDDEN_FLEET_COLUMNS, initialHidden: hiddenColumns, save: saveColumns });
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();

  const sort = params.get("sort") ?? "name";
  const dir = params.get("dir") ?? "asc";

  const table = useTable({
    features,
    columns,
    data: rows,
    getRowId: (r) => r.ipv4,
    state: { columnVisibility: choice.columnVisibility, sorting: [{ id: sort, desc: dir === "desc" }] },
    onColumnVisibilityChange: choice.onColumnVisibilityChange,
    // the server sorts (the URL says how): the rows come in that order
    manualSorting: true,
    onSortingChange: () => undefined,
    enableSortingRemoval: false,
  });
  const visible = table.getVisibleLeafColumns();
  const grid = visible.map((c) => LAYOUT[c.id as ColumnId].track).join(" ");
  const minWidth = `${visible.reduce((sum, c) => sum + LAYOUT[c.id as ColumnId].min, 0)}rem`;
  const tableRows = table.getRowModel().rows;

  // the virtualizer is read during render only; nothing memoises it
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({ count: tableRows.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12, scrollMargin: HEADER_HEIGHT });

  function sortBy(key: string) {
    const next = new URLSearchParams(params.toString());
    next.set("sort", key);
    next.set("dir", sort === key && dir === "asc" ? "desc" : "asc");
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
  }
  function toggle(ip: string) {
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(ip)) n.delete(ip);
      else n.add(ip);
      return n;
    });
  }
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.ipv4));

  return (
    <div>
      <div className="mb-2 flex flex-wrap items-center gap-3 text-sm">
        <span className="text-muted-foreground" data-testid="fleet-count">
          {t("count", { shown: rows.length, selected: selected.size })}
        </span>
        {canVerify && onVerify ? (
          <button
            type="button"
            className="h-8 rounded-md bg-primary px-3 text-sm font-medium text-primary-foreground disabled:opacity-50"
            disabled={selected.size === 0 || busy}
            onClick={async () => {
              setBusy(true);
              try {
                await onVerify([...selected]);
              } finally {
                setBusy(false);
              }
            }}
          >
            {t("verifySelected")}
          </button>
        ) : null}
        {canRollout ? (
          <button
            type="button"
            className="h-8 rounded-md border border-border px-3 text-sm hover:bg-muted disabled:opacity-50"
            disabled={selected.size === 0}
            onClick={() => {
              // in the table's order: the first selected row is the canary
              const nodes = rows.filter((r) => selected.has(r.ipv4)).map((r) => r.ipv4);
              router.push(`/operations/rollout/new?${new URLSearchParams({ target: "selection", nodes: nodes.join(",") })}`);
            }}
          >
            {t("rolloutSelected")}
          </button>
        ) : null}
        <div className="ml-auto">
          <ColumnsMenu
            testId="fleet-columns"
            columns={table
              .getAllLeafColumns()
              .filter((c) => c.getCanHide())
              .map((c) => ({ id: c.id, label: t(`columns.${c.id as HeaderId}`), visible: c.getIsVisible() }))}
            onToggle={(id, show) => {
              if (isHideable(id)) table.getColumn(id)?.toggleVisibility(show);
            }}
            onReset={choice.reset}
            isDefault={choice.isDefault}
          />
        </div>
      </div>
      {/* one scrolling frame: the header row sticks to its top; on a screen too narrow for the chosen columns the frame scrolls sideways, the page never gets wider than the screen */}
      <div ref={parentRef} className="overflow-auto rounded-lg border border-border" style={{ maxHeight: "70vh" }} data-testid="fleet-table-frame">
        <div role="table" aria-label={t("label")} aria-rowcount={rows.length + 1} className="text-sm" style={{ minWidth }}>
          <div role="rowgroup" className="sticky top-0 z-10 bg-muted">
            {table.getHeaderGroups().map((group) => (
              <div role="row" key={group.id} className="grid items-center border-b border-border text-xs font-medium uppercase text-muted-foreground" style={{ gridTemplateColumns: grid, height: HEADER_HEIGHT }}>
                {group.headers.map((h) => {
                  const id = h.column.id;
                  if (id === "sel")
                    return (
                      <div role="columnheader" key={h.id} className="px-2 py-2">
                        <input
                          type="checkbox"
                          aria-label={t("selectAll")}
                          checked={allSelected}
                          onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.ipv4)))}
                        />
                      </div>
                    );
                  const label = t(`columns.${id as HeaderId}`);
                  const sorted = h.column.getIsSorted();
                  return (
                    <div role="columnheader" key={h.id} className="truncate px-2 py-2" aria-sort={sorted ? (sorted === "asc" ? "ascending" : "descending") : undefined}>
                      {h.column.getCanSort() ? (
                        <button type="button" className="uppercase hover:text-foreground" onClick={() => sortBy(id)}>
                          {label}
                          {sorted ? (sorted === "asc" ? " ▲" : " ▼") : ""}
                        </button>
                      ) : (
                        label
                      )}
                    </div>
                  );
                })}
              </div>
            ))}
          </div>
          <div role="rowgroup" className="relative" style={{ height: tableRows.length ? virtualizer.getTotalSize() : ROW_HEIGHT * 3 }}>
            {tableRows.length === 0 ? <div className="p-6 text-center text-muted-foreground">{t("empty")}</div> : null}
            {virtualizer.getVirtualItems().map((v) => {
              const row = tableRows[v.index];
              const r = row.original;
              const ctx = { selected: selected.has(r.ipv4), toggle: () => toggle(r.ipv4), onRemove, rollout, t };
              return (
                <div
                  role="row"
                  key={row.id}
                  data-ip={r.ipv4}
                  aria-rowindex={v.index + 2}
                  className="absolute left-0 top-0 grid w-full items-center border-b border-border hover:bg-muted/40"
                  style={{ gridTemplateColumns: grid, height: ROW_HEIGHT, transform: `translateY(${v.start - HEADER_HEIGHT}px)` }}
                >
                  {row.getVisibleCells().map((cell) => renderCell(cell.column.id, r, ctx))}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </div>
  );
}
