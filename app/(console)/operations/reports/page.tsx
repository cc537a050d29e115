import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { listReportJobs, loadFleetReport } from "@/lib/fleet-reports";
import { PageHeader } from "@/components/shell/page-header";
import { CancelReport } from "@/components/reports/cancel-report";
import { LiveRefresh } from "@/components/reports/live-refresh";
import { ReportList } from "@/components/reports/report-list";
import { ReportStartForm } from "@/components/reports/report-start-form";
import { ReportView } from "@/components/reports/report-view";
import { Time } from "@/components/i18n/time";
import { cancelJobAction } from "../../fleet-actions";
import { startAuthRolloutReportAction, startUsersFileAuditAction } from "./report-actions";

export async function generateMetadata() {
  const t = await getTranslations("reports");
  return { title: t("title") };
}
export const dynamic = "force-dynamic";

export default async function ReportsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const param = typeof sp.report === "string" ? sp.report : undefined;
  const reportId = param && /^[a-z0-9]{10,40}$/i.test(param) ? param : undefined;
  const [list, report] = await Promise.all([listReportJobs(), reportId ? loadFleetReport(reportId) : null]);
  const operator = hasRole(user.role, "operator");
  const t = await getTranslations("reports");
  const tRoles = await getTranslations("roles");
  const tStatus = await getTranslations("jobs.status");
  // a status the catalogs do not know is shown as the server sent it
  const statusText = (s: string) => (tStatus.has(s as Parameters<typeof tStatus>[0]) ? tStatus(s as Parameters<typeof tStatus>[0]) : s);
  return (
    <>
      <PageHeader help="reports"
        title={t("title")}
        description={t("description")}
        actions={
          <Link href="/operations" className="text-sm underline underline-offset-2">
            {t("operations")}
          </Link>
        }
      />
      {operator ? (
        <ReportStartForm startUsers={startUsersFileAuditAction} startAuth={startAuthRolloutReportAction} />
      ) : (
        <p className="mb-4 text-sm text-muted-foreground" data-testid="report-readonly">
          {t("readonly", { role: tRoles(user.role) })}
        </p>
      )}
      {reportId ? (
        <section aria-label={t("report")} className="mb-6" data-testid="report">
          {report ? (
            <>
              <div className="mb-2 flex flex-wrap items-center gap-3">
                <h2 className="text-sm font-semibold">
                  {t.rich("heading", {
                    kind: t(`kind.${report.kind}`),
                    window: report.kind === "auth-rollout-report" ? report.fleet.window : "none",
                    user: report.job.createdBy,
                    done: report.job.done,
                    total: report.job.total,
                    time: () => <Time value={report.job.createdAt} format="seconds" />,
                    status: () => <span data-testid="report-job-status">{statusText(report.job.status)}</span>,
                  })}
                </h2>
                <LiveRefresh active={!report.job.ended} />
                <a href={`/api/reports/${report.job.id}/csv`} className="text-sm underline underline-offset-2" data-testid="report-csv" download>
                  {t("exportCsv")}
                </a>
                {operator && !report.job.ended && !report.job.cancelRequested ? <CancelReport jobId={report.job.id} cancel={cancelJobAction} /> : null}
                <Link href="/operations/reports" className="ml-auto text-xs underline">
                  {t("close")}
                </Link>
              </div>
              <ReportView report={report} />
            </>
          ) : (
            <p role="alert" className="text-sm">
              {t("noSuchReport")}
            </p>
          )}
        </section>
      ) : null}
      {list.length ? (
        <ReportList rows={list} selected={reportId} />
      ) : (
        <p className="rounded-lg border border-dashed border-border p-6 text-sm text-muted-foreground">{operator ? t("emptyOperator") : t("empty")}</p>
      )}
    </>
  );
}
