import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { provisionRuns } from "@/lib/provisioning/claim";
import { abortWorkItemAction, claimWorkItemAction } from "./actions";
import { listWorkItems } from "@/lib/provisioning";
import { workItemFilterSchema } from "@/lib/provisioning/filters";
import { PageHeader } from "@/components/shell/page-header";
import { LiveRefresh } from "@/components/reports/live-refresh";
import { WorkItemsTable } from "@/components/provisioning/work-items-table";

export async function generateMetadata() {
  const t = await getTranslations("provisioning");
  return { title: t("title") };
}
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
  const t = await getTranslations("provisioning");
  const b = (c: React.ReactNode) => <strong>{c}</strong>;
  return (
    <>
      <PageHeader help="provisioning" title={t("title")} description={t("description")} />
      <div className="mb-3 flex flex-wrap items-center gap-3 text-sm" data-testid="work-items-summary">
        {list.configured ? (
          <span>
            {/* counts as plain strings: the English shows them ungrouped, as before */}
            {t.rich(list.total === 1 ? "summary.totalOne" : "summary.totalOther", { total: String(list.total), b })}
            {list.queued ? (
              <>
                {" "}
                {t.rich("summary.queued", { count: String(list.queued), b: (c) => <strong className="text-warning">{c}</strong> })}
              </>
            ) : null}
            {list.truncated ? t("summary.truncated", { count: String(list.items.length) }) : ""}
          </span>
        ) : (
          <span className="text-muted-foreground">{t("summary.noCenter")}</span>
        )}
        <span className="ml-auto">
          <LiveRefresh active={list.configured} everyMs={15_000} label={t("summary.live")} />
        </span>
      </div>
      {list.error ? (
        <p role="alert" className="mb-3 rounded-md border border-destructive/50 bg-destructive/10 p-2 text-sm" data-testid="work-items-error">
          {list.errorPhrase ? t(list.errorPhrase.code, list.errorPhrase.values) : list.error}
        </p>
      ) : null}
      <WorkItemsTable items={list.items} nowMs={now.getTime()} runs={runs} actions={canOperate ? { claim: claimWorkItemAction, abort: abortWorkItemAction } : undefined} />
      <p className="mt-3 text-xs text-muted-foreground">{t("notBuilt")}</p>
    </>
  );
}
