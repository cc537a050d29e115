"use client";

import { useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { FleetRow } from "@/lib/fleet";
import { FleetTable, type SaveFleetColumns } from "./fleet-table";
import type { FleetColumnId } from "@/lib/fleet/column-ids";
import { JobProgress } from "@/components/jobs/job-progress";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { AddNodeDialog } from "./add-node-dialog";

type Res<T> = { ok: true; data: T } | { ok: false; error: { message: string } };

export function FleetView(props: {
  rows: FleetRow[];
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
  const router = useRouter();
  const [jobId, setJobId] = useState<string | null>(props.runningJob?.id ?? null);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<FleetRow | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [confirmAll, setConfirmAll] = useState(false);
  const activeCount = props.rows.filter((r) => r.activity !== "decommissioned").length;
  const filtered = Object.keys(props.filters ?? {}).some((k) => k !== "sort" && k !== "dir");

  async function verifyAll() {
    if (!props.verifyAll) return;
    const res = await props.verifyAll({ filters: props.filters ?? {}, expectedCount: activeCount });
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
      if (res.data.complete) toast.success(`Synced ${res.data.total} nodes from Center (${res.data.added} new, ${res.data.gone} no longer listed)`);
      else
        toast.warning(`Incomplete sync: ${res.data.total} nodes read (${res.data.added} new); no node was marked gone`, {
          description: `${res.data.incompleteReason ?? "Center's list changed while it was read"}. Sync again to complete it.`,
          duration: 15_000,
        });
      const bad = res.data.rejected;
      if (bad.length) {
        toast.warning(`${bad.length} Center row(s) refused and not stored`, {
          description: bad.slice(0, 5).map((r) => `#${r.id} ${r.ipv4}: ${r.reason}`).join("\n") + (bad.length > 5 ? `\n… and ${bad.length - 5} more` : ""),
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
      toast.success(`${res.data.ipv4} removed from k2ops`);
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
            {syncing ? "Syncing…" : "Sync from Center"}
          </button>
          {props.verifyAll ? (
            <button type="button" onClick={() => setConfirmAll(true)} disabled={activeCount === 0} className="h-8 rounded-md border border-border px-3 text-sm hover:bg-muted disabled:opacity-50">
              {filtered ? `Verify all matching (${activeCount})` : `Verify all (${activeCount})`}
            </button>
          ) : null}
          {/* the rollout form, prefilled with the table's filter (its URL parameters, order included: the first row is the canary) */}
          <Link
            href={`/operations/rollout/new?${new URLSearchParams({ target: "filter", ...(props.filters ?? {}) })}`}
            className="inline-flex h-8 items-center rounded-md border border-border px-3 text-sm hover:bg-muted"
          >
            {filtered ? "Roll out to this filter" : "Roll out to the fleet"}
          </Link>
          {props.addNode ? (
            <button type="button" onClick={() => setAdding(true)} className="h-8 rounded-md border border-border px-3 text-sm hover:bg-muted">
              Add node by IP
            </button>
          ) : null}
          {props.addNode ? <AddNodeDialog open={adding} onOpenChange={setAdding} add={props.addNode} onAdded={() => router.refresh()} /> : null}
          <ConfirmDialog
            open={removing !== null}
            onOpenChange={(open) => !open && setRemoving(null)}
            title={`Remove ${removing?.name || removing?.ipv4} from k2ops?`}
            description="The node was added by hand (Center does not list it). k2ops forgets it: its pinned host keys and verification history go; the audit log keeps the record. Nothing on the machine changes."
            confirmLabel="Remove from k2ops"
            onConfirm={removeNode}
          />
          <ConfirmDialog
            open={confirmAll}
            onOpenChange={setConfirmAll}
            destructive={false}
            title={`Verify ${activeCount} node${activeCount === 1 ? "" : "s"}?`}
            description={`Runs the post-deploy checklist on every active node ${filtered ? "matching the current filters" : "in the fleet"} (decommissioned nodes are skipped), a bounded number at a time. It reads only; nothing on the nodes changes.`}
            confirmLabel={`Verify ${activeCount} nodes`}
            onConfirm={verifyAll}
          />
        </div>
      ) : null}
      {jobId && jobId === props.runningJob?.id && props.runningJob.createdBy === "schedule" ? (
        <p className="text-sm text-muted-foreground" data-testid="scheduled-verify">
          Scheduled verification of the fleet is running; the table updates when it finishes.
        </p>
      ) : null}
      {jobId ? (
        <JobProgress
          jobId={jobId}
          onCancel={props.canOperate && props.cancelJob ? (id) => props.cancelJob!({ jobId: id }) : undefined}
          onFinished={() => router.refresh()}
        />
      ) : null}
      <FleetTable
        rows={props.rows}
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
