import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { droppedFleetParams, fleetFacets, fleetTable, lastSync, parseFleetQuery } from "@/lib/fleet";
import { PageHeader } from "@/components/shell/page-header";
import { FleetSummaryBar } from "@/components/fleet/fleet-summary";
import { FleetFilters } from "@/components/fleet/fleet-filters";
import { FleetView } from "@/components/fleet/fleet-view";
import { addManualNodeAction, cancelJobAction, removeManualNodeAction, syncFleetAction, verifyAllAction, verifyNodesAction } from "./fleet-actions";
import { lastSyncError } from "@/lib/fleet/sync";
import { runningVerifyJob } from "@/lib/fleet/verify-schedule";
import { activeRollout } from "@/lib/rollout";
import { userFleetColumns } from "@/lib/fleet/columns";
import { saveFleetColumnsAction } from "./fleet-columns-action";

export const metadata = { title: "Fleet" };
export const dynamic = "force-dynamic";

export default async function FleetPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const params = await searchParams;
  const query = parseFleetQuery(params);
  const dropped = droppedFleetParams(params);
  const filters = Object.fromEntries(Object.entries(params).flatMap(([k, v]) => (typeof v === "string" && v ? [[k, v]] : [])));
  const [{ rows, summary }, facets, sync, syncError, running, rollout, columns] = await Promise.all([
    fleetTable(query),
    fleetFacets(),
    lastSync(),
    lastSyncError(),
    runningVerifyJob(),
    activeRollout(),
    userFleetColumns(user.id),
  ]);
  const operator = hasRole(user.role, "operator");
  return (
    <>
      <PageHeader title="Fleet" description="Every k2s node: Center's list merged with what k2ops learned itself over SSH." />
      <FleetSummaryBar summary={summary} lastSync={sync} />
      {syncError ? (
        <p role="alert" className="mb-3 rounded-md border border-warning/50 bg-warning/10 p-2 text-sm">
          Last sync with Center failed at {syncError.at.replace("T", " ").slice(0, 19)} UTC: {syncError.message}. Showing the last known fleet.
        </p>
      ) : null}
      {dropped.length ? (
        <p role="alert" className="mb-3 rounded-md border border-warning/50 bg-warning/10 p-2 text-sm" data-testid="fleet-dropped-filters">
          Not applied: {dropped.map((d) => `${d.key === "q" ? "the search" : `the ${d.key} filter`} ${d.reason}`).join("; ")}. The table shows the fleet without it.
        </p>
      ) : null}
      <FleetFilters {...facets} />
      <FleetView
        rows={rows}
        canOperate={operator}
        syncFleet={syncFleetAction}
        verifyNodes={verifyNodesAction}
        verifyAll={verifyAllAction}
        filters={filters}
        cancelJob={cancelJobAction}
        addNode={addManualNodeAction}
        removeNode={removeManualNodeAction}
        runningJob={running}
        rollout={rollout ? { jobId: rollout.jobId, steps: Object.fromEntries(rollout.steps) } : null}
        hiddenColumns={columns.hidden}
        saveColumns={saveFleetColumnsAction}
      />
    </>
  );
}
