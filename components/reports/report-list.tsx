import Link from "next/link";
import type { ReportJobRow } from "@/lib/fleet-reports";
import { Badge } from "@/components/ui/badge";
import { STATUS_TONE } from "@/components/jobs/job-status";

const KIND_LABEL: Record<string, string> = { "users-file-audit": "Users-file audit", "auth-rollout-report": "Auth-rollout report" };

/** The report jobs, newest first; a row opens its report. For a users-file audit, "failed" nodes are the dirty or unreadable ones. */
export function ReportList({ rows, selected }: { rows: ReportJobRow[]; selected?: string }) {
  return (
    <table className="w-full text-sm" data-testid="report-list">
      <thead>
        <tr className="border-b border-border text-left text-xs text-muted-foreground">
          <th className="py-1.5 pr-3 font-medium">Report</th>
          <th className="py-1.5 pr-3 font-medium">Status</th>
          <th className="py-1.5 pr-3 font-medium">Nodes</th>
          <th className="py-1.5 pr-3 font-medium">Started by</th>
          <th className="py-1.5 font-medium">Created (UTC)</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} className={`border-b border-border ${selected === r.id ? "bg-muted" : ""}`} data-report={r.id} data-status={r.status}>
            <td className="py-1.5 pr-3">
              <Link href={`/operations/reports?report=${r.id}`} className="font-medium underline-offset-2 hover:underline">
                {KIND_LABEL[r.kind] ?? r.kind}
              </Link>
              {r.window ? <span className="text-muted-foreground"> · {r.window}</span> : null} <span className="font-mono text-xs text-muted-foreground">{r.id.slice(-8)}</span>
            </td>
            <td className="py-1.5 pr-3">
              <Badge variant={STATUS_TONE[r.status]}>{r.status}</Badge>
            </td>
            <td className="py-1.5 pr-3 tabular-nums">
              {r.done}/{r.total}
              {r.failed ? <span className="text-destructive"> · {r.failed} {r.kind === "users-file-audit" ? "dirty/unreadable" : "unknown"}</span> : null}
            </td>
            <td className="py-1.5 pr-3">{r.createdBy}</td>
            <td className="py-1.5 font-mono text-xs">{r.createdAt.toISOString().replace("T", " ").slice(0, 19)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
