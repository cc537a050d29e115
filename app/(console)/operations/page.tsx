import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { getJob, JOB_STATUSES, listJobs, type JobStatusName } from "@/lib/jobs";
import { JOB_FIRST_DIR, parseJobSort } from "@/lib/jobs/sort";
import { userColumns } from "@/lib/table-columns";
import { REPORT_KINDS } from "@/lib/fleet-reports/schema";
import { PageHeader } from "@/components/shell/page-header";
import { JobList } from "@/components/jobs/job-list";
import { JobDetail } from "@/components/jobs/job-detail";
import { Pagination } from "@/components/ui/pagination";
import { Time } from "@/components/i18n/time";
import { cancelJobAction } from "../fleet-actions";
import { saveTableColumnsAction } from "../table-columns-action";
import { cancelRolloutAction, pauseRolloutAction, promoteCanaryAction, resumeRolloutAction, retryFailedAction } from "./rollout-actions";

export async function generateMetadata() {
  const t = await getTranslations("operations");
  return { title: t("title") };
}
export const dynamic = "force-dynamic";

export default async function OperationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const one = (k: string) => (typeof sp[k] === "string" ? (sp[k] as string) : undefined);
  const status = (JOB_STATUSES as readonly string[]).includes(one("status") ?? "") ? (one("status") as JobStatusName) : undefined;
  const page = Number(one("page") ?? 1) || 1;
  const jobParam = one("job");
  const jobId = jobParam && /^[a-z0-9]{10,40}$/i.test(jobParam) ? jobParam : undefined;
  const order = parseJobSort(one("sort"), one("dir"));
  const [list, job, columns] = await Promise.all([listJobs({ status, page, ...order }), jobId ? getJob(jobId) : null, userColumns("jobs", user.id)]);
  const operator = hasRole(user.role, "operator");
  const t = await getTranslations("operations");
  const tStatus = await getTranslations("jobs.status");
  const href = (p: Record<string, string | undefined>) => {
    // the list's order stays as the URL has it (the defaults stay out of it)
    const sort = order.sort === "created" ? undefined : order.sort;
    const dir = order.dir === JOB_FIRST_DIR[order.sort] ? undefined : order.dir;
    const q = new URLSearchParams(Object.entries({ status, sort, dir, ...p }).filter(([, v]) => v) as [string, string][]);
    return `/operations${q.size ? `?${q}` : ""}`;
  };
  return (
    <>
      <PageHeader help="operations"
        title={t("title")}
        description={t("description")}
        actions={
          <>
            <Link href="/operations/reports" className="inline-flex h-8 items-center rounded-md border border-border px-3 text-sm font-medium hover:bg-muted" data-testid="fleet-reports-link">
              {t("fleetReports")}
            </Link>
            {operator ? (
              <Link href="/operations/rollout/new" className="inline-flex h-8 items-center rounded-md bg-primary px-3 text-sm font-medium text-primary-foreground hover:bg-primary/90">
                {t("newRollout")}
              </Link>
            ) : null}
          </>
        }
      />
      <nav aria-label={t("statusNav")} className="mb-3 flex flex-wrap gap-1 text-sm">
        {[undefined, ...JOB_STATUSES].map((s) => (
          <Link key={s ?? "all"} href={href({ status: s, page: undefined })} aria-current={s === status ? "page" : undefined} className={`rounded-md border px-2 py-0.5 ${s === status ? "border-primary bg-primary/10" : "border-border hover:bg-muted"}`}>
            {s ? tStatus(s) : t("all")}
          </Link>
        ))}
      </nav>
      {jobId ? (
        <section aria-label={t("detail")} className="mb-6">
          {job ? (
            <>
              <h2 className="mb-2 text-sm font-semibold">
                {t.rich("heading", { kind: job.kind, user: job.createdBy, time: () => <Time value={job.createdAt} format="seconds" /> })}{" "}
                {(REPORT_KINDS as readonly string[]).includes(job.kind) ? (
                  <Link href={`/operations/reports?report=${job.id}`} className="ml-2 text-xs font-normal underline">
                    {t("openReport")}
                  </Link>
                ) : null}
                <Link href={href({ job: undefined })} className="ml-2 text-xs font-normal underline">
                  {t("close")}
                </Link>
              </h2>
              <JobDetail
                jobId={job.id}
                kind={job.kind}
                cancel={operator ? cancelJobAction : undefined}
                rolloutControls={operator ? { pause: pauseRolloutAction, resume: resumeRolloutAction, promote: promoteCanaryAction, retryFailed: retryFailedAction, cancel: cancelRolloutAction } : undefined}
              />
            </>
          ) : (
            <p role="alert" className="text-sm">{t("noSuchJob")}</p>
          )}
        </section>
      ) : null}
      {list.rows.length ? (
        <>
          <JobList
            rows={list.rows}
            selected={jobId}
            hiddenColumns={columns.hidden}
            saveColumns={async (input) => {
              "use server";
              return saveTableColumnsAction({ table: "jobs", hidden: input.hidden });
            }}
          />
          <Pagination className="mt-3" page={list.page} pageCount={list.pageCount} total={list.total} label={t("pages")} hrefFor={(p) => href({ page: String(p), job: jobId })} />
        </>
      ) : (
        <p className="rounded-lg border border-dashed border-border p-6 text-sm text-muted-foreground">
          {status ? t("emptyStatus", { status: tStatus(status) }) : t("empty")}
        </p>
      )}
    </>
  );
}
