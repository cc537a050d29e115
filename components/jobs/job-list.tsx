import Link from "next/link";
import { useTranslations } from "next-intl";
import type { JobListRow } from "@/lib/jobs";
import { Badge } from "@/components/ui/badge";
import { STATUS_TONE, useJobStatusText } from "./job-status";

function when(d: Date | null): string {
  return d ? d.toISOString().replace("T", " ").slice(0, 19) : "—";
}

function took(a: Date | null, b: Date | null): string {
  if (!a) return "—";
  const s = Math.round(((b ?? new Date()).getTime() - a.getTime()) / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Fleet jobs, newest first; a row opens the job's detail (per-node results, live while it runs). */
export function JobList({ rows, selected }: { rows: JobListRow[]; selected?: string }) {
  const t = useTranslations("jobs.list");
  const tProgress = useTranslations("jobs.progress");
  const status = useJobStatusText();
  return (
    <table className="w-full text-sm" data-testid="job-list">
      <thead>
        <tr className="border-b border-border text-left text-xs text-muted-foreground">
          <th className="py-1.5 pr-3 font-medium">{t("job")}</th>
          <th className="py-1.5 pr-3 font-medium">{t("status")}</th>
          <th className="py-1.5 pr-3 font-medium">{t("progress")}</th>
          <th className="py-1.5 pr-3 font-medium">{t("startedBy")}</th>
          <th className="py-1.5 pr-3 font-medium">{t("created")}</th>
          <th className="py-1.5 font-medium">{t("took")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((j) => (
          <tr key={j.id} className={`border-b border-border ${selected === j.id ? "bg-muted" : ""}`} data-job={j.id} data-status={j.status}>
            <td className="py-1.5 pr-3">
              <Link href={`/operations?job=${j.id}`} className="font-medium underline-offset-2 hover:underline">
                {j.kind}
              </Link>{" "}
              <span className="font-mono text-xs text-muted-foreground">{j.id.slice(-8)}</span>
            </td>
            <td className="py-1.5 pr-3">
              <Badge variant={STATUS_TONE[j.status]}>{j.cancelRequested && ["running", "queued", "paused", "halted"].includes(j.status) ? tProgress("cancelling", { status: status(j.status) }) : status(j.status)}</Badge>
            </td>
            <td className="py-1.5 pr-3 tabular-nums">
              {j.done}/{j.total}
              {j.failed ? <span className="text-destructive">{t("failed", { failed: j.failed })}</span> : null}
            </td>
            <td className="py-1.5 pr-3">{j.createdBy}</td>
            <td className="py-1.5 pr-3 font-mono text-xs">{when(j.createdAt)}</td>
            <td className="py-1.5 tabular-nums">{took(j.startedAt, j.finishedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
