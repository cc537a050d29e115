"use client";

import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import type { RolloutProgress } from "@/lib/rollout/view";
import { FINISHED, useJobStatusText } from "./job-status";

export type JobView = {
  id: string;
  kind: string;
  status: string;
  total: number;
  done: number;
  failed: number;
  cancelRequested: boolean;
  createdBy?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  items: JobItemView[];
  /** rollouts only: batches, phase, threshold, timing (lib/rollout/view.ts + the job's rollout fields) */
  rollout?: RolloutJobView | null;
};

export type JobItemView = {
  node: string;
  name?: string;
  status: string;
  summary: string | null;
  error: string | null;
  startedAt?: string | null;
  finishedAt?: string | null;
  /** rollouts: the live step, the batch (0 = canary), how many times a worker took it up */
  step?: string;
  batch?: number;
  attempts?: number;
  /** failed or reverted rollout nodes: gate history, what it ran before, the error (redacted) */
  evidence?: unknown;
};

export type RolloutJobView = RolloutProgress<JobItemView> & {
  phase: string;
  haltReason: string | null;
  currentBatch: number;
  nextBatchAt: string | null;
  params: Record<string, unknown> | null;
  strategy: Record<string, unknown> | null;
};

function duration(a?: string | null, b?: string | null): string {
  if (!a) return "";
  const ms = (b ? Date.parse(b) : Date.now()) - Date.parse(a);
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export { FINISHED };
// waiting on an operator (paused, halted): polled, but less often
const WAITING = new Set(["paused", "halted"]);

/** One job, polled while it has not ended (the query is shared by every view of the job). */
export function useJob(jobId: string, onFinished?: () => void) {
  const t = useTranslations("jobs.progress");
  return useQuery<JobView>({
    queryKey: ["job", jobId],
    queryFn: async () => {
      const res = await fetch(`/api/jobs/${jobId}`, { cache: "no-store" });
      if (!res.ok) throw new Error(t("loadFailed", { status: res.status }));
      const j = (await res.json()) as JobView;
      if (FINISHED.has(j.status)) onFinished?.();
      return j;
    },
    refetchInterval: (q) => (q.state.data && FINISHED.has(q.state.data.status) ? false : q.state.data && WAITING.has(q.state.data.status) ? 3000 : 1000),
  });
}

// Live progress of one fleet job: done/total, failures as they happen, cancel.
export function JobProgress({ jobId, onCancel, onFinished, detailed = false }: { jobId: string; onCancel?: (id: string) => Promise<unknown>; onFinished?: () => void; detailed?: boolean }) {
  const { data, error } = useJob(jobId, onFinished);
  const t = useTranslations("jobs.progress");
  // a known status in the page's language; anything else as the server said it
  const status = useJobStatusText();
  if (error) return <p className="text-sm text-destructive">{error instanceof Error ? error.message : String(error)}</p>;
  if (!data) return <p className="text-sm text-muted-foreground">{t("starting")}</p>;
  const pct = data.total ? Math.round((data.done / data.total) * 100) : 100;
  const failures = data.items.filter((i) => i.status === "failed");
  return (
    <div className="space-y-2 rounded-lg border border-border bg-card p-3 text-sm" data-testid="job-progress" data-status={data.status}>
      <div className="flex items-center gap-3">
        <strong>{data.kind}</strong>
        <span data-testid="job-counts">
          {t("counts", { done: data.done, total: data.total, failed: data.failed })}
        </span>
        <span className="rounded bg-muted px-2 py-0.5 text-xs" data-testid="job-status">
          {data.cancelRequested && !FINISHED.has(data.status) ? t("cancelling", { status: status(data.status) }) : status(data.status)}
        </span>
        {!FINISHED.has(data.status) && onCancel ? (
          <button type="button" className="ml-auto rounded-md border border-border px-2 py-1 text-xs hover:bg-muted" onClick={() => onCancel(data.id)}>
            {t("cancel")}
          </button>
        ) : null}
      </div>
      <div className="h-2 w-full overflow-hidden rounded bg-muted" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
        {/* the bar says how it went, not only how far: red with failures, amber when cut short, green when all passed */}
        <div
          className={`h-full transition-all ${data.failed > 0 ? "bg-destructive" : data.status === "cancelled" || data.status === "interrupted" ? "bg-warning" : data.status === "succeeded" ? "bg-success" : "bg-primary"}`}
          data-testid="job-bar"
          style={{ width: `${pct}%` }}
        />
      </div>
      {detailed ? (
        <table className="w-full text-xs" data-testid="job-items">
          <thead>
            <tr className="text-left text-muted-foreground">
              <th className="py-1 pr-3 font-medium">{t("columns.node")}</th>
              <th className="py-1 pr-3 font-medium">{t("columns.status")}</th>
              <th className="py-1 pr-3 font-medium">{t("columns.duration")}</th>
              <th className="py-1 font-medium">{t("columns.result")}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((i) => (
              <tr key={i.node} className="border-t border-border" data-node={i.node} data-status={i.status}>
                <td className="py-1 pr-3 font-mono">
                  <a href={`/nodes/${i.node}`} className="underline underline-offset-2">
                    {i.name && i.name !== i.node ? `${i.name} (${i.node})` : i.node}
                  </a>
                </td>
                <td className={`py-1 pr-3 ${i.status === "failed" ? "text-destructive" : i.status === "succeeded" ? "text-success" : ""}`}>{status(i.status)}</td>
                <td className="py-1 pr-3 tabular-nums">{duration(i.startedAt, i.finishedAt)}</td>
                <td className="py-1 break-all">{i.summary ?? i.error ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {!detailed && failures.length ? (
        <ul className="max-h-40 space-y-0.5 overflow-auto font-mono text-xs text-destructive" data-testid="job-failures">
          {failures.map((f) => (
            <li key={f.node}>
              <a href={`/nodes/${f.node}`} className="underline">
                {f.name && f.name !== f.node ? `${f.name} (${f.node})` : f.node}
              </a>
              : {f.summary ?? f.error}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
