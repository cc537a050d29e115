import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { provisionRuns } from "@/lib/provisioning/claim";
import { abortWorkItemAction, claimWorkItemAction } from "./actions";
import { listWorkItems } from "@/lib/provisioning";
import { workItemFilterSchema } from "@/lib/provisioning/filters";
import { PageHeader } from "@/components/shell/page-header";
import { LiveRefresh } from "@/components/reports/live-refresh";
import { WorkItemsTable } from "@/components/provisioning/work-items-table";

export const metadata = { title: "Provisioning" };
export const dynamic = "force-dynamic";

export default async function ProvisioningPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const filter = workItemFilterSchema.parse({ action: sp.action, status: sp.status });
  const now = new Date();
  const list = await listWorkItems(filter, { now });
  const runs = Object.fromEntries(
    [...(await provisionRuns(list.items.map((i) => i.id))).values()].map((r) => [r.operationId, { status: r.status, action: r.action, step: r.step, claimedBy: r.claimedBy, claimedAt: r.claimedAt?.toISOString() ?? null, lastError: r.lastError, claimHeld: r.claimHeld }]),
  );
  const canOperate = hasRole(user.role, "operator");
  return (
    <>
      <PageHeader help="provisioning" title="Provisioning" description="Center's work items for private nodes (provision, change IP, stop, destroy), newest first, with what each asks for and Center's own deadline." />
      <div className="mb-3 flex flex-wrap items-center gap-3 text-sm" data-testid="work-items-summary">
        {list.configured ? (
          <span>
            <strong>{list.total}</strong> work item{list.total === 1 ? "" : "s"}
            {list.queued ? (
              <>
                {" "}
                · <strong className="text-warning">{list.queued} queued</strong> waiting for an operator
              </>
            ) : null}
            {list.truncated ? ` · the newest ${list.items.length} shown` : ""}
          </span>
        ) : (
          <span className="text-muted-foreground">No Center is configured (KAITU_CENTER_URL): there are no work items to show.</span>
        )}
        <span className="ml-auto">
          <LiveRefresh active={list.configured} everyMs={15_000} label="live: refreshed every 15 s" />
        </span>
      </div>
      {list.error ? (
        <p role="alert" className="mb-3 rounded-md border border-destructive/50 bg-destructive/10 p-2 text-sm" data-testid="work-items-error">
          {list.error}
        </p>
      ) : null}
      <WorkItemsTable items={list.items} nowMs={now.getTime()} runs={runs} actions={canOperate ? { claim: claimWorkItemAction, abort: abortWorkItemAction } : undefined} />
      <p className="mt-3 text-xs text-muted-foreground">Claim and abort work here; the rest of the provisioning wizard (choose the plan, create the VPS, prepare, deploy, wait for self-registration, verify) is not built yet.</p>
    </>
  );
}
