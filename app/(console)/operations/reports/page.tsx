import Link from "next/link";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { listReportJobs, loadFleetReport } from "@/lib/fleet-reports";
import { PageHeader } from "@/components/shell/page-header";
import { CancelReport } from "@/components/reports/cancel-report";
import { LiveRefresh } from "@/components/reports/live-refresh";
import { ReportList } from "@/components/reports/report-list";
import { ReportStartForm } from "@/components/reports/report-start-form";
import { ReportView } from "@/components/reports/report-view";
import { cancelJobAction } from "../../fleet-actions";
import { startAuthRolloutReportAction, startUsersFileAuditAction } from "./report-actions";

export const metadata = { title: "Fleet reports" };
export const dynamic = "force-dynamic";

const TITLE: Record<string, string> = { "users-file-audit": "Users-file audit", "auth-rollout-report": "Auth-rollout report" };

export default async function ReportsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const param = typeof sp.report === "string" ? sp.report : undefined;
  const reportId = param && /^[a-z0-9]{10,40}$/i.test(param) ? param : undefined;
  const [list, report] = await Promise.all([listReportJobs(), reportId ? loadFleetReport(reportId) : null]);
  const operator = hasRole(user.role, "operator");
  return (
    <>
      <PageHeader help="reports"
        title="Fleet reports"
        description="Before enabling K2_ENFORCE_AUTH: the users-file audit (runbook §6.5) and the auth-rollout report (§6.6), each a job over the fleet with a CSV export."
        actions={
          <Link href="/operations" className="text-sm underline underline-offset-2">
            Operations
          </Link>
        }
      />
      {operator ? (
        <ReportStartForm startUsers={startUsersFileAuditAction} startAuth={startAuthRolloutReportAction} />
      ) : (
        <p className="mb-4 text-sm text-muted-foreground" data-testid="report-readonly">
          Starting a report needs the operator role; you are {user.role}. You can read every report below.
        </p>
      )}
      {reportId ? (
        <section aria-label="Report" className="mb-6" data-testid="report">
          {report ? (
            <>
              <div className="mb-2 flex flex-wrap items-center gap-3">
                <h2 className="text-sm font-semibold">
                  {TITLE[report.kind]}
                  {report.kind === "auth-rollout-report" ? ` · last ${report.fleet.window}` : ""} · started by {report.job.createdBy} · {report.job.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC ·{" "}
                  <span data-testid="report-job-status">{report.job.status}</span> ({report.job.done}/{report.job.total})
                </h2>
                <LiveRefresh active={!report.job.ended} />
                <a href={`/api/reports/${report.job.id}/csv`} className="text-sm underline underline-offset-2" data-testid="report-csv" download>
                  Export CSV
                </a>
                {operator && !report.job.ended && !report.job.cancelRequested ? <CancelReport jobId={report.job.id} cancel={cancelJobAction} /> : null}
                <Link href="/operations/reports" className="ml-auto text-xs underline">
                  close
                </Link>
              </div>
              <ReportView report={report} />
            </>
          ) : (
            <p role="alert" className="text-sm">
              No such report.
            </p>
          )}
        </section>
      ) : null}
      {list.length ? (
        <ReportList rows={list} selected={reportId} />
      ) : (
        <p className="rounded-lg border border-dashed border-border p-6 text-sm text-muted-foreground">No report yet.{operator ? " Start one above." : ""}</p>
      )}
    </>
  );
}
