"use client";

import { useRef, useState } from "react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useVirtualizer } from "@tanstack/react-virtual";
import { columnVisibilityFeature, createColumnHelper, rowSortingFeature, tableFeatures, useTable, type ColumnVisibilityState, type Updater } from "@tanstack/react-table";
import { toast } from "sonner";
import type { FleetRow } from "@/lib/fleet";
import { DEFAULT_HIDDEN_FLEET_COLUMNS, FLEET_HIDEABLE_COLUMNS, type FleetColumnId } from "@/lib/fleet/column-ids";
import { Badge } from "@/components/ui/badge";
import { StepBadge } from "@/components/rollout/step-badge";
import { STATE_HELP } from "@/components/metering/format";
import { FleetColumnsMenu } from "./fleet-columns-menu";

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
type Layout = { label: string; track: string; /** rem */ min: number };
const LAYOUT: Record<ColumnId, Layout> = {
  sel: { label: "", track: "2rem", min: 2 },
  name: { label: "Name", track: "minmax(12rem,1.3fr)", min: 12 },
  region: { label: "Region · ctry", track: "minmax(7rem,1fr)", min: 7 },
  ipv4: { label: "IPv4", track: "7.5rem", min: 7.5 },
  class: { label: "Class · IP", track: "6.5rem", min: 6.5 },
  arch: { label: "Arch", track: "5rem", min: 5 },
  version: { label: "Version", track: "7rem", min: 7 },
  activity: { label: "Activity", track: "5.5rem", min: 5.5 },
  status: { label: "Verification", track: "minmax(6.5rem,1fr)", min: 6.5 },
  sidecar: { label: "Sidecar", track: "4.5rem", min: 4.5 },
  quota: { label: "Quota", track: "5rem", min: 5 },
  lastop: { label: "Last operation", track: "minmax(6rem,1fr)", min: 6 },
};
/** the columns the URL can sort by (lib/fleet SORT_KEYS): their ids are the sort keys */
const SORTABLE = new Set<ColumnId>(["name", "region", "ipv4", "arch", "status", "lastop"]);

const features = tableFeatures({ columnVisibilityFeature, rowSortingFeature });
const helper = createColumnHelper<typeof features, FleetRow>();
const ORDER: ColumnId[] = ["sel", "name", ...FLEET_HIDEABLE_COLUMNS];
const columns = helper.columns(
  ORDER.map((id) =>
    helper.display({ id, header: LAYOUT[id].label, enableHiding: id !== "sel" && id !== "name", enableSorting: SORTABLE.has(id) }),
  ),
);

const hiddenToVisibility = (hidden: readonly string[]): ColumnVisibilityState => Object.fromEntries(hidden.map((id) => [id, false]));
const isHideable = (id: string): id is FleetColumnId => (FLEET_HIDEABLE_COLUMNS as readonly string[]).includes(id);
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

// the Quota cell: % of the limit used this cycle and the gauge's state (lib/metering/gauge-row)
const QUOTA_SHORT: Record<NonNullable<FleetRow["quotaState"]>, string> = { ok: "ok", warning: "warn", cut: "cut", "metering-off": "uncapped", unlimited: "unlimited" };
const QUOTA_TONE: Record<NonNullable<FleetRow["quotaState"]>, string> = { ok: "text-success", warning: "text-warning", cut: "font-medium text-destructive", "metering-off": "text-warning", unlimited: "text-muted-foreground" };

function QuotaCell({ r }: { r: FleetRow }) {
  if (!r.quotaState) return null;
  // metered with a limit but no used figure yet (no traffic.state): not known to be ok
  if (r.quotaUsedPct === null && (r.quotaState === "ok" || r.quotaState === "warning"))
    return (
      <span className="text-muted-foreground" title="metered, but the node has no used figure yet (no traffic.state)" data-testid="quota-cell" data-state="no-figure">
        no figure
      </span>
    );
  const pct = r.quotaUsedPct === null ? "" : `${Math.floor(r.quotaUsedPct)}% `;
  return (
    <Link href={`/nodes/${r.ipv4}`} className={`hover:underline ${QUOTA_TONE[r.quotaState]}`} title={`${r.quotaUsedPct === null ? "" : `${r.quotaUsedPct}% of the limit used: `}${STATE_HELP[r.quotaState]}`} data-testid="quota-cell" data-state={r.quotaState}>
      {pct}
      {QUOTA_SHORT[r.quotaState]}
    </Link>
  );
}

const IP_TYPE_SHORT: Record<string, string> = { residential: "res", non_residential: "non-res", unknown: "?" };
const ROW_HEIGHT = 34;
/** the sticky header row's height: the virtualizer's rows start below it (its scrollMargin) */
const HEADER_HEIGHT = 34;

function StatusCell({ r }: { r: FleetRow }) {
  if (r.hostKeyState === "changed") return <span className="font-medium text-destructive">host key changed</span>;
  if (!r.verificationStatus) return <span className="text-muted-foreground">never</span>;
  if (r.verificationStatus === "pass") return <span className="text-success">pass</span>;
  if (r.verificationStatus === "error") return <span className="text-warning">error</span>;
  // no check failed, but some could not read their evidence: not known good
  if (r.verificationStatus === "unknown")
    return (
      <span className="text-warning" title="no check failed, but some could not be read: open the node's checklist">
        unknown
      </span>
    );
  return (
    <span className="text-destructive" title={r.failingChecks.join(", ")}>
      fail: {r.failingChecks.join(", ")}
    </span>
  );
}

export type SaveFleetColumns = (input: { hidden: FleetColumnId[] | null }) => Promise<{ ok: true } | { ok: false; error: { message: string } }>;

/** One row's cells, by column id (the visible ones are rendered, in the table's column order). */
function renderCell(
  id: string,
  r: FleetRow,
  ctx: { selected: boolean; toggle: () => void; onRemove?: (row: FleetRow) => void; rollout?: { jobId: string; steps: Record<string, string> } | null },
) {
  switch (id) {
    case "sel":
      return (
        <div role="cell" key={id} className="px-2">
          <input type="checkbox" aria-label={`Select ${r.name || r.ipv4}`} checked={ctx.selected} onChange={ctx.toggle} />
        </div>
      );
    case "name":
      // the name gives way (truncated) so the badge and the remove control always stay visible
      return (
        <div role="cell" key={id} className="flex min-w-0 items-center gap-1 px-2 font-medium [&>*:not(:first-child)]:shrink-0">
          <Link href={`/nodes/${r.ipv4}`} className="min-w-0 truncate hover:underline" title={r.domains.length ? `tunnel: ${r.domains.join(", ")}` : "no tunnel"}>
            {r.name || r.ipv4}
          </Link>
          {r.source === "manual" ? (
            <Badge variant="warning" data-testid="not-in-center" title="Added by hand: Center does not list this node">
              not in Center
            </Badge>
          ) : !r.inCenter ? (
            <span className="text-xs text-warning">(not in Center)</span>
          ) : null}
          {r.source === "manual" && ctx.onRemove ? (
            <button type="button" className="text-xs text-muted-foreground hover:text-destructive hover:underline" aria-label={`Remove ${r.name || r.ipv4} from k2ops`} onClick={() => ctx.onRemove!(r)}>
              remove
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
          {r.class} · {IP_TYPE_SHORT[r.ipType] ?? r.ipType}
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
          {r.activity}
        </div>
      );
    case "status":
      return (
        <div role="cell" key={id} className="truncate px-2 text-xs" data-testid="verification-cell">
          <StatusCell r={r} />
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
          <QuotaCell r={r} />
        </div>
      );
    case "lastop":
      return (
        <div role="cell" key={id} className="truncate px-2 text-xs text-muted-foreground">
          {ctx.rollout?.steps[r.ipv4] ? (
            // a rollout under way says where this node stands in it (as of this page load)
            <Link href={`/operations?job=${ctx.rollout.jobId}`} data-testid="rollout-badge" title="This node's step in the running rollout (open it)">
              <StepBadge prefix="rollout: " step={ctx.rollout.steps[r.ipv4]} />
            </Link>
          ) : r.lastOperation ? (
            `${r.lastOperation} · ${r.lastOperationAt?.slice(0, 16).replace("T", " ")}`
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
  const parentRef = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [hidden, setHidden] = useState<FleetColumnId[]>(() => [...hiddenColumns]);
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();

  const sort = params.get("sort") ?? "name";
  const dir = params.get("dir") ?? "asc";
  const columnVisibility = hiddenToVisibility(hidden);

  async function save(next: FleetColumnId[] | null) {
    if (!saveColumns) return;
    const res = await saveColumns({ hidden: next });
    if (!res.ok) toast.error(`Your column choice was not saved: ${res.error.message}`);
  }
  function changeVisibility(updater: Updater<ColumnVisibilityState>) {
    const next = typeof updater === "function" ? updater(columnVisibility) : updater;
    const nextHidden = FLEET_HIDEABLE_COLUMNS.filter((id) => next[id] === false);
    setHidden(nextHidden);
    void save(nextHidden);
  }
  function resetColumns() {
    setHidden([...DEFAULT_HIDDEN_FLEET_COLUMNS]);
    void save(null);
  }

  const table = useTable({
    features,
    columns,
    data: rows,
    getRowId: (r) => r.ipv4,
    state: { columnVisibility, sorting: [{ id: sort, desc: dir === "desc" }] },
    onColumnVisibilityChange: changeVisibility,
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
          {rows.length} shown · {selected.size} selected
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
            Verify selected
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
            Roll out to selected
          </button>
        ) : null}
        <div className="ml-auto">
          <FleetColumnsMenu
            columns={table
              .getAllLeafColumns()
              .filter((c) => c.getCanHide())
              .map((c) => ({ id: c.id, label: LAYOUT[c.id as ColumnId].label, visible: c.getIsVisible() }))}
            onToggle={(id, show) => {
              if (isHideable(id)) table.getColumn(id)?.toggleVisibility(show);
            }}
            onReset={resetColumns}
            isDefault={sameSet(hidden, DEFAULT_HIDDEN_FLEET_COLUMNS)}
          />
        </div>
      </div>
      {/* one scrolling frame: the header row sticks to its top; on a screen too narrow for the chosen columns the frame scrolls sideways, the page never gets wider than the screen */}
      <div ref={parentRef} className="overflow-auto rounded-lg border border-border" style={{ maxHeight: "70vh" }} data-testid="fleet-table-frame">
        <div role="table" aria-label="Fleet" aria-rowcount={rows.length + 1} className="text-sm" style={{ minWidth }}>
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
                          aria-label="Select all shown nodes"
                          checked={allSelected}
                          onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.ipv4)))}
                        />
                      </div>
                    );
                  const label = LAYOUT[id as ColumnId].label;
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
            {tableRows.length === 0 ? <div className="p-6 text-center text-muted-foreground">No nodes match these filters.</div> : null}
            {virtualizer.getVirtualItems().map((v) => {
              const row = tableRows[v.index];
              const r = row.original;
              const ctx = { selected: selected.has(r.ipv4), toggle: () => toggle(r.ipv4), onRemove, rollout };
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
