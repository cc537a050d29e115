"use client";

import { useEffect, useMemo, useState } from "react";
import { useQueryState } from "nuqs";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import type { FleetRow } from "@/lib/fleet";
import { FleetTable, type SaveFleetColumns } from "./fleet-table";
import type { FleetColumnId } from "@/lib/fleet/column-ids";
import { JobProgress } from "@/components/jobs/job-progress";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { AddNodeDialog } from "./add-node-dialog";
import { fleetTextParam } from "./fleet-text-param";
import { fleetTextQuery, matchesFleetText } from "@/lib/fleet/text-filter";

type Res<T> = { ok: true; data: T } | { ok: false; error: { message: string } };

export function FleetView(props: {
  /**
   * The rows matching every filter but the text one, which is applied here as the
   * operator types. A large fleet's page carries only its first rows (those matching
   * the URL's text): then `rowCount` is larger and the rest is fetched after paint.
   */
  rows: FleetRow[];
  /** how many rows match every filter but the text one (default: rows.length) */
  rowCount?: number;
  canOperate: boolean;
  syncFleet: (input: unknown) => Promise<Res<{ total: number; added: number; updated: number; gone: number; rejected: { id: string; ipv4: string; reason: string }[]; complete: boolean; incompleteReason?: string }>>;
  verifyNodes?: (input: unknown) => Promise<Res<{ jobId: string }>>;
  verifyAll?: (input: unknown) => Promise<Res<{ jobId: string; nodes: number }>>;
  /** the table's filters as in the URL: "verify all" sends these, never a node list */
  filters?: Record<string, string>;
  cancelJob?: (input: unknown) => Promise<Res<unknown>>;
  /** add a node Center does not list, by IPv4 (operators) */
  addNode?: (input: unknown) => Promise<Res<{ ipv4: string; name: string; converted: boolean }>>;
  /** remove a node that was added by hand (operators) */
  removeNode?: (input: unknown) => Promise<Res<{ ipv4: string; name: string }>>;
  /** a verify job already under way when the page was served (e.g. the schedule's): its progress is shown */
  runningJob?: { id: string; createdBy: string } | null;
  /** the newest unfinished rollout and each node's step in it (the table shows it per row) */
  rollout?: { jobId: string; steps: Record<string, string> } | null;
  /** the columns this user hides (their saved choice, else the default) */
  hiddenColumns?: FleetColumnId[];
  /** saves this user's column choice (any role) */
  saveColumns?: SaveFleetColumns;
}) {
  const t = useTranslations("fleet.actions");
  const router = useRouter();
  const [jobId, setJobId] = useState<string | null>(props.runningJob?.id ?? null);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<FleetRow | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [confirmAll, setConfirmAll] = useState(false);
  // the text filter: the same rule as the server's (lib/fleet/text-filter), over the rows already here
  const [q] = useQueryState("q", fleetTextParam);
  const text = fleetTextQuery(q);
  // a large fleet: every row, fetched once the first ones are on screen (again after each server render)
  const partial = (props.rowCount ?? props.rows.length) > props.rows.length;
  const [full, setFull] = useState<{ of: FleetRow[]; rows: FleetRow[] } | null>(null);
  const [loadError, setLoadError] = useState<{ of: FleetRow[]; message: string } | null>(null);
  useEffect(() => {
    if (!partial) return;
    const ctl = new AbortController();
    const params = new URLSearchParams(props.filters ?? {});
    params.delete("q");
    fetch(`/api/fleet/rows?${params}`, { signal: ctl.signal, cache: "no-store" })
      .then(async (res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const data = (await res.json()) as { rows: FleetRow[] };
        setFull({ of: props.rows, rows: data.rows });
      })
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) setLoadError({ of: props.rows, message: err instanceof Error ? err.message : String(err) });
      });
    return () => ctl.abort();
  }, [partial, props.rows, props.filters]);
  const loaded = !partial || full?.of === props.rows;
  const base = full?.of === props.rows ? full.rows : props.rows;
  const rows = useMemo(() => (text === null ? base : base.filter((r) => matchesFleetText(r, text))), [base, text]);
  // what "verify all" and the rollout link send: the URL's filters with the text as typed now
  const filters = useMemo(() => {
    const f: Record<string, string> = { ...(props.filters ?? {}) };
    delete f.q;
    if (q.trim()) f.q = q.trim();
    return f;
  }, [props.filters, q]);
  const activeCount = rows.filter((r) => r.activity !== "decommissioned").length;
  const filtered = Object.keys(filters).some((k) => k !== "sort" && k !== "dir");

  async function verifyAll() {
    if (!props.verifyAll) return;
    const res = await props.verifyAll({ filters, expectedCount: activeCount });
    if (res.ok) {
      setJobId(res.data.jobId);
      setConfirmAll(false);
    } else {
      toast.error(res.error.message);
      throw new Error(res.error.message); // keeps the dialog open
    }
  }

  async function sync() {
    setSyncing(true);
    const res = await props.syncFleet({});
    setSyncing(false);
    if (res.ok) {
      if (res.data.complete) toast.success(t("synced", { total: res.data.total, added: res.data.added, gone: res.data.gone }));
      else
        toast.warning(t("syncIncomplete", { total: res.data.total, added: res.data.added }), {
          // the reason is lib/fleet's (as Center's walk reported it)
          description: t("syncIncompleteDetail", { reason: res.data.incompleteReason ?? t("centerListChanged") }),
          duration: 15_000,
        });
      const bad = res.data.rejected;
      if (bad.length) {
        // each refused row: Center's id and address, and the validator's reason (data, as stored in the audit)
        toast.warning(t("rejected", { count: bad.length }), {
          description: bad.slice(0, 5).map((r) => `#${r.id} ${r.ipv4}: ${r.reason}`).join("\n") + (bad.length > 5 ? `\n${t("rejectedMore", { count: bad.length - 5 })}` : ""),
          duration: 15_000,
        });
      }
      router.refresh();
    } else toast.error(res.error.message);
  }

  async function removeNode() {
    if (!props.removeNode || !removing) return;
    const res = await props.removeNode({ ipv4: removing.ipv4 });
    if (res.ok) {
      toast.success(t("removed", { ip: res.data.ipv4 }));
      router.refresh();
    } else {
      toast.error(res.error.message);
      throw new Error(res.error.message); // keeps the dialog open
    }
  }

  async function verify(ips: string[]) {
    if (!props.verifyNodes) return;
    const res = await props.verifyNodes({ nodes: ips });
    if (res.ok) setJobId(res.data.jobId);
    else toast.error(res.error.message);
  }

  return (
    <div className="space-y-3">
      {props.canOperate ? (
        <div className="flex flex-wrap gap-2">
          <button type="button" onClick={sync} disabled={syncing} className="h-8 rounded-md border border-border px-3 text-sm hover:bg-muted disabled:opacity-50">
            {syncing ? t("syncing") : t("sync")}
          </button>
          {props.verifyAll ? (
            <button type="button" onClick={() => setConfirmAll(true)} disabled={activeCount === 0 || !loaded} className="h-8 rounded-md border border-border px-3 text-sm hover:bg-muted disabled:opacity-50">
              {filtered ? t("verifyAllMatching", { count: activeCount }) : t("verifyAll", { count: activeCount })}
            </button>
          ) : null}
          {/* the rollout form, prefilled with the table's filter (its URL parameters, order included: the first row is the canary) */}
          <Link
            href={`/operations/rollout/new?${new URLSearchParams({ target: "filter", ...filters })}`}
            className="inline-flex h-8 items-center rounded-md border border-border px-3 text-sm hover:bg-muted"
          >
            {filtered ? t("rolloutFilter") : t("rolloutFleet")}
          </Link>
          {props.addNode ? (
            <button type="button" onClick={() => setAdding(true)} className="h-8 rounded-md border border-border px-3 text-sm hover:bg-muted">
              {t("addNode")}
            </button>
          ) : null}
          {props.addNode ? <AddNodeDialog open={adding} onOpenChange={setAdding} add={props.addNode} onAdded={() => router.refresh()} /> : null}
          <ConfirmDialog
            open={removing !== null}
            onOpenChange={(open) => !open && setRemoving(null)}
            title={t("removeTitle", { node: removing?.name || removing?.ipv4 || "" })}
            description={t("removeDescription")}
            confirmLabel={t("removeConfirm")}
            cancelLabel={t("cancel")}
            onConfirm={removeNode}
          />
          <ConfirmDialog
            open={confirmAll}
            onOpenChange={setConfirmAll}
            destructive={false}
            title={t("verifyAllTitle", { count: activeCount })}
            description={filtered ? t("verifyAllDescriptionFiltered") : t("verifyAllDescriptionFleet")}
            confirmLabel={t("verifyAllConfirm", { count: activeCount })}
            cancelLabel={t("cancel")}
            onConfirm={verifyAll}
          />
        </div>
      ) : null}
      {jobId && jobId === props.runningJob?.id && props.runningJob.createdBy === "schedule" ? (
        <p className="text-sm text-muted-foreground" data-testid="scheduled-verify">
          {t("scheduled")}
        </p>
      ) : null}
      {jobId ? (
        <JobProgress
          jobId={jobId}
          onCancel={props.canOperate && props.cancelJob ? (id) => props.cancelJob!({ jobId: id }) : undefined}
          onFinished={() => router.refresh()}
        />
      ) : null}
      {!loaded ? (
        <p className="text-sm text-muted-foreground" role="status" data-testid="fleet-loading">
          {loadError?.of === props.rows ? t("loadRowsFailed", { message: loadError.message }) : t("loadingRows", { count: props.rowCount ?? 0 })}
        </p>
      ) : null}
      <FleetTable
        rows={rows}
        canVerify={props.canOperate && !!props.verifyNodes}
        onVerify={verify}
        onRemove={props.canOperate && props.removeNode ? setRemoving : undefined}
        canRollout={props.canOperate}
        rollout={props.rollout}
        hiddenColumns={props.hiddenColumns}
        saveColumns={props.saveColumns}
      />
    </div>
  );
}
