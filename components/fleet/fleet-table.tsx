"use client";

import { useRef, useState } from "react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { FleetRow } from "@/lib/fleet";
import { Badge } from "@/components/ui/badge";
import { StepBadge } from "@/components/rollout/step-badge";
import { STATE_HELP } from "@/components/metering/format";

// Sized to fit a 1440 px screen beside the navigation (min widths add up to ~74.5 rem): the
// secondary facts share a cell (region · country, class · IP type) and the tunnel domain is the
// name's tooltip, so verification, quota and the last operation stay in view.
const COLS: { key: string; label: string; sort?: string; width: string }[] = [
  { key: "sel", label: "", width: "2rem" },
  { key: "name", label: "Name", sort: "name", width: "minmax(12rem,1.3fr)" },
  { key: "region", label: "Region · ctry", sort: "region", width: "minmax(7rem,1fr)" },
  { key: "ipv4", label: "IPv4", sort: "ipv4", width: "7.5rem" },
  { key: "class", label: "Class · IP", width: "6.5rem" },
  { key: "arch", label: "Arch", sort: "arch", width: "5rem" },
  { key: "version", label: "Version", width: "7rem" },
  { key: "activity", label: "Activity", width: "5.5rem" },
  { key: "status", label: "Verification", sort: "status", width: "minmax(6.5rem,1fr)" },
  { key: "sidecar", label: "Sidecar", width: "4.5rem" },
  { key: "quota", label: "Quota", width: "5rem" },
  { key: "lastop", label: "Last operation", sort: "lastop", width: "minmax(6rem,1fr)" },
];
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
const GRID = COLS.map((c) => c.width).join(" ");
const ROW_HEIGHT = 34;

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

export function FleetTable({
  rows,
  canVerify,
  onVerify,
  onRemove,
  canRollout = false,
  rollout,
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
}) {
  const parentRef = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  // the virtualizer is read during render only; nothing memoises it
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });

  const sort = params.get("sort") ?? "name";
  const dir = params.get("dir") ?? "asc";
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
      </div>
      {/* on a narrow screen the table scrolls sideways inside its frame; the page itself never gets wider than the screen */}
      <div className="overflow-x-auto rounded-lg border border-border" data-testid="fleet-table-frame">
      <div role="table" aria-label="Fleet" aria-rowcount={rows.length + 1} className="min-w-[74.5rem] text-sm">
        <div role="rowgroup" className="bg-muted/50">
          <div role="row" className="grid items-center border-b border-border text-xs font-medium uppercase text-muted-foreground" style={{ gridTemplateColumns: GRID }}>
            {COLS.map((c) =>
              c.key === "sel" ? (
                <div role="columnheader" key={c.key} className="px-2 py-2">
                  <input
                    type="checkbox"
                    aria-label="Select all shown nodes"
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.ipv4)))}
                  />
                </div>
              ) : (
                <div role="columnheader" key={c.key} className="truncate px-2 py-2" aria-sort={c.sort === sort ? (dir === "asc" ? "ascending" : "descending") : undefined}>
                  {c.sort ? (
                    <button type="button" className="uppercase hover:text-foreground" onClick={() => sortBy(c.sort!)}>
                      {c.label}
                      {c.sort === sort ? (dir === "asc" ? " ▲" : " ▼") : ""}
                    </button>
                  ) : (
                    c.label
                  )}
                </div>
              ),
            )}
          </div>
        </div>
        <div ref={parentRef} role="rowgroup" className="overflow-auto" style={{ height: "min(70vh, " + Math.max(ROW_HEIGHT * 3, rows.length * ROW_HEIGHT) + "px)" }}>
          {rows.length === 0 ? <div className="p-6 text-center text-muted-foreground">No nodes match these filters.</div> : null}
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {virtualizer.getVirtualItems().map((v) => {
              const r = rows[v.index];
              return (
                <div
                  role="row"
                  key={r.ipv4}
                  data-ip={r.ipv4}
                  aria-rowindex={v.index + 2}
                  className="absolute left-0 grid w-full items-center border-b border-border hover:bg-muted/40"
                  style={{ gridTemplateColumns: GRID, height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
                >
                  <div role="cell" className="px-2">
                    <input type="checkbox" aria-label={`Select ${r.name || r.ipv4}`} checked={selected.has(r.ipv4)} onChange={() => toggle(r.ipv4)} />
                  </div>
                  {/* the name gives way (truncated) so the badge and the remove control always stay visible */}
                  <div role="cell" className="flex min-w-0 items-center gap-1 px-2 font-medium [&>*:not(:first-child)]:shrink-0">
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
                    {r.source === "manual" && onRemove ? (
                      <button type="button" className="text-xs text-muted-foreground hover:text-destructive hover:underline" aria-label={`Remove ${r.name || r.ipv4} from k2ops`} onClick={() => onRemove(r)}>
                        remove
                      </button>
                    ) : null}
                  </div>
                  <div role="cell" className="truncate px-2" title={`${r.region} · ${r.country}`}>
                    {r.region} <span className="text-xs text-muted-foreground">· {r.country}</span>
                  </div>
                  <div role="cell" className="px-2 font-mono text-xs">{r.ipv4}</div>
                  <div role="cell" className="truncate px-2 text-xs" title={`${r.class} · ${r.ipType}`}>
                    {r.class} · {IP_TYPE_SHORT[r.ipType] ?? r.ipType}
                  </div>
                  <div role="cell" className="px-2 text-xs">{r.arch ?? <span className="text-muted-foreground">?</span>}</div>
                  <div role="cell" className="truncate px-2 font-mono text-xs">{r.versionTag ?? ""}</div>
                  <div role="cell" className="px-2 text-xs">{r.activity}</div>
                  <div role="cell" className="truncate px-2 text-xs" data-testid="verification-cell">
                    <StatusCell r={r} />
                  </div>
                  <div role="cell" className="px-2 text-xs">{r.sidecarHealth ?? ""}</div>
                  <div role="cell" className="truncate px-2 text-xs">
                    <QuotaCell r={r} />
                  </div>
                  <div role="cell" className="truncate px-2 text-xs text-muted-foreground">
                    {rollout?.steps[r.ipv4] ? (
                      // a rollout under way says where this node stands in it (as of this page load)
                      <Link href={`/operations?job=${rollout.jobId}`} data-testid="rollout-badge" title="This node's step in the running rollout (open it)">
                        <StepBadge prefix="rollout: " step={rollout.steps[r.ipv4]} />
                      </Link>
                    ) : r.lastOperation ? (
                      `${r.lastOperation} · ${r.lastOperationAt?.slice(0, 16).replace("T", " ")}`
                    ) : (
                      ""
                    )}
                  </div>
                </div>
              );
            })}
          </div>
        </div>
      </div>
      </div>
    </div>
  );
}
