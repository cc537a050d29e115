import Link from "next/link";
import { useTranslations } from "next-intl";
import type { ReportJobRow } from "@/lib/fleet-reports";
import { Badge } from "@/components/ui/badge";
import { STATUS_TONE, useJobStatusText } from "@/components/jobs/job-status";
import { Time } from "@/components/i18n/time";

/** The report jobs, newest first; a row opens its report. For a users-file audit, "failed" nodes are the dirty or unreadable ones. */
export function ReportList({ rows, selected }: { rows: ReportJobRow[]; selected?: string }) {
  const t = useTranslations("reports");
  const status = useJobStatusText();
  return (
    <table className="w-full text-sm" data-testid="report-list">
      <thead>
        <tr className="border-b border-border text-left text-xs text-muted-foreground">
          <th className="py-1.5 pr-3 font-medium">{t("list.report")}</th>
          <th className="py-1.5 pr-3 font-medium">{t("list.status")}</th>
          <th className="py-1.5 pr-3 font-medium">{t("list.nodes")}</th>
          <th className="py-1.5 pr-3 font-medium">{t("list.startedBy")}</th>
          <th className="py-1.5 font-medium">{t("list.created")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} className={`border-b border-border ${selected === r.id ? "bg-muted" : ""}`} data-report={r.id} data-status={r.status}>
            <td className="py-1.5 pr-3">
              <Link href={`/operations/reports?report=${r.id}`} className="font-medium underline-offset-2 hover:underline">
                {t(`kind.${r.kind}`)}
              </Link>
              {r.window ? <span className="text-muted-foreground"> · {r.window}</span> : null} <span className="font-mono text-xs text-muted-foreground">{r.id.slice(-8)}</span>
            </td>
            <td className="py-1.5 pr-3">
              <Badge variant={STATUS_TONE[r.status]}>{status(r.status)}</Badge>
            </td>
            <td className="py-1.5 pr-3 tabular-nums">
              {r.done}/{r.total}
              {r.failed ? <span className="text-destructive">{r.kind === "users-file-audit" ? t("list.dirty", { count: r.failed }) : t("list.unknown", { count: r.failed })}</span> : null}
            </td>
            <td className="py-1.5 pr-3">{r.createdBy}</td>
            <td className="py-1.5 font-mono text-xs">
              <Time value={r.createdAt} format="seconds" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
