import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { droppedFleetParams, fleetTable, lastSync, parseFleetQuery } from "@/lib/fleet";
import { fleetTextQuery, matchesFleetText } from "@/lib/fleet/text-filter";
import { PageHeader } from "@/components/shell/page-header";
import { Time } from "@/components/i18n/time";
import { FleetSummaryBar } from "@/components/fleet/fleet-summary";
import { FleetFilters } from "@/components/fleet/fleet-filters";
import { FleetView } from "@/components/fleet/fleet-view";
import { addManualNodeAction, cancelJobAction, removeManualNodeAction, syncFleetAction, verifyAllAction, verifyNodesAction } from "./fleet-actions";
import { lastSyncError } from "@/lib/fleet/sync";
import { runningVerifyJob } from "@/lib/fleet/verify-schedule";
import { activeRollout } from "@/lib/rollout";
import { userFleetColumns } from "@/lib/fleet/columns";
import { saveFleetColumnsAction } from "./fleet-columns-action";

export const dynamic = "force-dynamic";

/**
 * Rows sent with the page's HTML; a larger fleet's other rows are fetched by the
 * table after it paints (/api/fleet/rows), so the first render does not carry
 * thousands of rows (issue #17). K2OPS_FLEET_FIRST_ROWS overrides it (tests).
 */
const FIRST_ROWS = Math.max(1, Number(process.env.K2OPS_FLEET_FIRST_ROWS) || 200);

export async function generateMetadata() {
  const t = await getTranslations("fleet");
  return { title: t("title") };
}

export default async function FleetPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const params = await searchParams;
  const query = parseFleetQuery(params);
  const dropped = droppedFleetParams(params);
  const filters = Object.fromEntries(Object.entries(params).flatMap(([k, v]) => (typeof v === "string" && v ? [[k, v]] : [])));
  // every filter but the text one: the table applies that as the operator types (same rule, lib/fleet/text-filter)
  const [{ rows, summary, facets }, sync, syncError, running, rollout, columns] = await Promise.all([
    fleetTable({ ...query, q: undefined }),
    lastSync(),
    lastSyncError(),
    runningVerifyJob(),
    activeRollout(),
    userFleetColumns(user.id),
  ]);
  const operator = hasRole(user.role, "operator");
  // a small fleet comes whole; a large one: the first rows matching the URL's text, the rest fetched by the table
  const text = fleetTextQuery(query.q);
  const firstRows = rows.length <= FIRST_ROWS ? rows : rows.filter((r) => matchesFleetText(r, text)).slice(0, FIRST_ROWS);
  const t = await getTranslations("fleet");
  // lib/fleet says why a parameter was dropped in one of two (English) phrases: too long, or not a value it knows
  const why = (reason: string) => (/longer/.test(reason) ? t("dropped.tooLong") : t("dropped.unknownValue"));
  const droppedText = dropped
    .map((d) => (d.key === "q" ? t("dropped.search", { reason: why(d.reason) }) : t("dropped.filter", { filter: d.key, reason: why(d.reason) })))
    .join(t("dropped.separator"));
  return (
    <>
      <PageHeader help="fleet" title={t("title")} description={t("description")} />
      <FleetSummaryBar summary={summary} lastSync={sync} />
      {syncError ? (
        <p role="alert" className="mb-3 rounded-md border border-warning/50 bg-warning/10 p-2 text-sm">
          {t.rich("syncFailed", { time: () => <Time value={syncError.at} format="seconds" />, message: syncError.message })}
        </p>
      ) : null}
      {dropped.length ? (
        <p role="alert" className="mb-3 rounded-md border border-warning/50 bg-warning/10 p-2 text-sm" data-testid="fleet-dropped-filters">
          {t("dropped.notice", { list: droppedText })}
        </p>
      ) : null}
      <FleetFilters {...facets} />
      <FleetView
        rows={firstRows}
        rowCount={rows.length}
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
