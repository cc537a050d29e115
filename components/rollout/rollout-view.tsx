"use client";

import * as React from "react";
import { useTranslations } from "next-intl";
import { Badge, type BadgeProps } from "@/components/ui/badge";
import { CodeBlock } from "@/components/ui/code-block";
import { Progress } from "@/components/ui/progress";
import { Tooltip } from "@/components/ui/tooltip";
import { FINISHED, useJob, type JobItemView, type JobView } from "@/components/jobs/job-progress";
import { elapsed, formatMs, nodeLabel } from "./format";
import { RolloutControls, type RolloutControlActions } from "./rollout-controls";
import { StepBadge } from "./step-badge";
import { STATUS_TONE, useJobStatusText } from "@/components/jobs/job-status";

// The live view of one rollout job: where it stands (status, phase, why it
// halted), batch by batch with each node's step, the time it takes, what
// failed and the evidence, and the controls its state allows (operators only).

// the phases the catalogs name (rollout.view.phase); a job that has not begun has the phase ""
const PHASES = ["starting", "canary", "awaiting_promotion", "batches", "done"] as const;
const isPhase = (p: string): p is (typeof PHASES)[number] => (PHASES as readonly string[]).includes(p);
const BATCH_STATUSES = ["pending", "running", "done"] as const;
const isBatchStatus = (s: string): s is (typeof BATCH_STATUSES)[number] => (BATCH_STATUSES as readonly string[]).includes(s);

type T = ReturnType<typeof useTranslations<"rollout.view">>;

const BATCH_TONE: Record<string, BadgeProps["variant"]> = { pending: "outline", running: "info", done: "secondary" };

/** Polls the job and shows it; `controls` only for operators. */
export function RolloutLive({ jobId, controls, onFinished }: { jobId: string; controls?: RolloutControlActions; onFinished?: () => void }) {
  const { data, error, dataUpdatedAt } = useJob(jobId, onFinished);
  const t = useTranslations("rollout.view");
  if (error) return <p className="text-sm text-destructive">{String(error)}</p>;
  if (!data) return <p className="text-sm text-muted-foreground">{t("loading")}</p>;
  // elapsed times are as of the last poll (once a second while it runs)
  return <RolloutJob job={data} controls={controls} now={dataUpdatedAt} />;
}

function describeParams(t: T, p: Record<string, unknown> | null): string {
  if (!p) return "";
  if (p.kind === "update") return t("updateTo", { tag: String(p.targetTag) }) + (p.pushCompose ? t("withCompose") : "");
  return String(p.kind ?? "");
}

function describeStrategy(t: T, s: Record<string, unknown> | null, kind: unknown): string {
  if (!s) return "";
  const amount = (a: unknown) => {
    const x = a as { mode?: string; value?: number } | undefined;
    return x ? (x.mode === "percent" ? `${x.value}%` : t("strategy.nodes", { value: String(x.value) })) : "?";
  };
  const q = (v: unknown) => String(v ?? "?");
  return [
    t("strategy.canary", { canary: q(s.canary), promotion: q(s.promotion) }),
    t("strategy.batchesOf", { amount: amount(s.batchSize) }),
    s.staggerSeconds ? t("strategy.apart", { seconds: q(s.staggerSeconds) }) : null,
    t("strategy.healthy", { min: q(s.minHealthySeconds), deadline: q(s.healthyDeadlineSeconds) }),
    // only an update has something to go back to
    kind === "update" ? t("strategy.autoRevert", { state: s.autoRevert === false ? t("strategy.off") : t("strategy.on") }) : null,
  ]
    .filter(Boolean)
    .join(" · ");
}

/** The whole rollout as of the last poll (presentational but for the controls' dialogs). */
export function RolloutJob({ job, controls, now }: { job: JobView; controls?: RolloutControlActions; now: number }) {
  const t = useTranslations("rollout.view");
  const status = useJobStatusText();
  const r = job.rollout;
  if (!r) return null;
  const phase = r.phase || "starting";
  const ended = FINISHED.has(job.status);
  const finishedNodes = r.batches.reduce((n, b) => n + b.nodes.filter((i) => !["queued", "dispatched", "running"].includes(i.status)).length, 0);
  const nextIn = r.nextBatchAt ? Date.parse(r.nextBatchAt) - now : null;
  return (
    <div className="space-y-4 rounded-lg border border-border bg-card p-3 text-sm" data-testid="rollout-view" data-status={job.status} data-phase={r.phase}>
      <div className="flex flex-wrap items-center gap-2">
        <strong>{t("rollout")}</strong>
        <span data-testid="rollout-what">{describeParams(t, r.params)}</span>
        <Badge variant={STATUS_TONE[job.status] ?? "outline"} data-testid="rollout-status">
          {status(job.status)}
          {job.cancelRequested && !ended ? t("cancelling") : ""}
        </Badge>
        <Badge variant={r.phase === "awaiting_promotion" ? "warning" : "outline"} data-testid="rollout-phase">
          {t("phaseLabel", { phase: isPhase(phase) ? t(`phase.${phase}`) : phase })}
        </Badge>
      </div>

      {r.haltReason && job.status === "halted" ? (
        <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-2" data-testid="rollout-halt-reason">
          {t("halted", { reason: r.haltReason })}
        </p>
      ) : null}
      {r.phase === "awaiting_promotion" && !ended ? (
        <p role="status" className="rounded-md border border-warning/50 bg-warning/10 p-2" data-testid="rollout-awaiting">
          {t("awaiting")}
        </p>
      ) : null}

      <div className="space-y-1">
        <Progress
          label={t("progress")}
          value={finishedNodes}
          max={Math.max(1, r.targeted)}
          showValue={t("finished", { done: finishedNodes, total: r.targeted })}
          variant={r.failures ? "destructive" : job.status === "succeeded" ? "success" : job.status === "cancelled" || job.status === "interrupted" ? "warning" : "default"}
        />
        <dl className="flex flex-wrap gap-x-4 gap-y-0.5 text-xs text-muted-foreground" data-testid="rollout-stats">
          <div>
            <dt className="inline">{t("failures")}</dt>
            <dd className={`inline tabular-nums ${r.failures ? "font-medium text-destructive" : ""}`} data-testid="rollout-failures">
              {t("haltsAt", { failures: r.failures, limit: r.failureLimit })}
            </dd>
          </div>
          <div>
            <dt className="inline">{t("threshold")}</dt>
            <dd className="inline" data-testid="rollout-threshold">
              {r.threshold}
            </dd>
          </div>
          <div>
            <dt className="inline">{t("perNode")}</dt>
            <dd className="inline tabular-nums" data-testid="rollout-per-node">
              {formatMs(r.perNodeMs)}
            </dd>
          </div>
          {!ended ? (
            <div>
              <dt className="inline">{t("eta")}</dt>
              <dd className="inline tabular-nums" data-testid="rollout-eta">
                {r.etaMs === null ? t("afterFirstNode") : r.phase === "awaiting_promotion" ? t("afterPromotion", { eta: formatMs(r.etaMs) }) : formatMs(r.etaMs)}
              </dd>
            </div>
          ) : null}
          {nextIn !== null && nextIn > 0 && !ended ? (
            <div>
              <dt className="inline">{t("nextBatchIn")}</dt>
              <dd className="inline tabular-nums">{formatMs(nextIn)}</dd>
            </div>
          ) : null}
        </dl>
        <p className="text-xs text-muted-foreground" data-testid="rollout-strategy">
          {describeStrategy(t, r.strategy, r.params?.kind)}
        </p>
      </div>

      {controls ? <RolloutControls job={job} actions={controls} /> : null}

      <div className="space-y-3">
        {r.batches.map((b) => (
          <section key={b.index} aria-label={b.index === 0 ? t("canary") : t("batch", { n: b.index })} data-testid="rollout-batch" data-batch={b.index} data-status={b.status} className="rounded-md border border-border">
            <h3 className="flex items-center gap-2 border-b border-border bg-muted/40 px-2 py-1 text-xs font-semibold">
              {b.index === 0 ? t("canary") : t("batch", { n: b.index })}
              <Badge variant={BATCH_TONE[b.status]}>{isBatchStatus(b.status) ? t(`batchStatus.${b.status}`) : b.status}</Badge>
              {b.index === r.currentBatch && !ended && b.status !== "done" ? <span className="font-normal text-muted-foreground">{t("current")}</span> : null}
            </h3>
            <NodeTable nodes={b.nodes} now={now} />
          </section>
        ))}
      </div>

      {r.skipped.length ? (
        <section aria-label={t("skippedNodes")} className="rounded-md border border-border">
          <h3 className="border-b border-border bg-muted/40 px-2 py-1 text-xs font-semibold">{t("skippedHeading", { count: r.skipped.length })}</h3>
          <ul className="max-h-48 divide-y divide-border overflow-auto text-xs" data-testid="rollout-skipped">
            {r.skipped.map((s) => (
              <li key={s.node} data-node={s.node} className="flex gap-2 px-2 py-1">
                <span className="shrink-0 font-mono">{nodeLabel(s)}</span>
                <span className="text-muted-foreground">{s.summary ?? status("skipped")}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

function NodeTable({ nodes, now }: { nodes: JobItemView[]; now: number }) {
  const t = useTranslations("rollout.view");
  const tCol = useTranslations("jobs.progress.columns");
  return (
    // fixed columns: every batch's table lines up with the others
    <table className="w-full table-fixed text-xs">
      <colgroup>
        <col className="w-[30%]" />
        <col className="w-[16%]" />
        <col className="w-[10%]" />
        <col className="w-[10%]" />
        <col />
      </colgroup>
      <thead>
        <tr className="text-left text-muted-foreground">
          <th className="px-2 py-1 font-medium">{tCol("node")}</th>
          <th className="px-2 py-1 font-medium">{t("columns.step")}</th>
          <th className="px-2 py-1 font-medium">{t("columns.elapsed")}</th>
          <th className="px-2 py-1 font-medium">{t("columns.attempts")}</th>
          <th className="px-2 py-1 font-medium">{tCol("result")}</th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((i) => {
          const failed = i.status === "failed" || i.status === "reverted";
          const step = i.step || (i.status === "queued" ? "queued" : i.status);
          return (
            <React.Fragment key={i.node}>
              <tr className="border-t border-border align-top" data-node={i.node} data-status={i.status} data-step={step}>
                <td className="truncate px-2 py-1 font-mono">
                  <a href={`/nodes/${i.node}`} className="underline underline-offset-2" title={nodeLabel(i)}>
                    {nodeLabel(i)}
                  </a>
                </td>
                <td className="px-2 py-1">
                  <StepBadge step={step} />
                </td>
                <td className="px-2 py-1 tabular-nums">{formatMs(elapsed(i.startedAt, i.finishedAt, now))}</td>
                <td className="px-2 py-1 tabular-nums">
                  {(i.attempts ?? 0) > 1 ? (
                    <Tooltip content={t("attemptsHelp")}>
                      <span tabIndex={0} className="text-warning">
                        {t("attempts", { n: i.attempts ?? 0 })}
                      </span>
                    </Tooltip>
                  ) : (
                    (i.attempts ?? 0)
                  )}
                </td>
                <td className={`break-all px-2 py-1 ${i.status === "failed" ? "text-destructive" : ""}`}>{i.summary ?? i.error ?? ""}</td>
              </tr>
              {failed ? (
                <tr data-evidence-for={i.node}>
                  <td colSpan={5} className="px-2 pb-2">
                    <Evidence item={i} />
                  </td>
                </tr>
              ) : null}
            </React.Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

type Gate = { passed?: boolean; checks?: number; elapsedMs?: number; last?: string; history?: { at: string; status: string; detail: string }[] };

function GateSummary({ title, gate }: { title: string; gate: Gate }) {
  const tGate = useTranslations("rollout.view.gate");
  return (
    <div>
      <p className="font-medium">
        {tGate("summary", {
          title,
          state: gate.passed ? tGate("passed") : tGate("notPassed"),
          checks: gate.checks === undefined ? tGate("checksUnknown") : tGate("checks", { count: gate.checks }),
          time: formatMs(gate.elapsedMs),
          last: gate.last ?? "—",
        })}
      </p>
      {gate.history?.length ? (
        <ol className="ml-4 list-decimal">
          {gate.history.map((h, k) => (
            <li key={k}>
              <span className="font-mono">{h.at.slice(11, 19)}</span> {h.detail.startsWith(h.status) ? h.detail : `${h.status}: ${h.detail}`}
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}

/** A failed or reverted node's evidence: the error, what it ran before, the gate's history; the raw record last. */
function Evidence({ item }: { item: JobItemView }) {
  const tEv = useTranslations("rollout.view.evidence");
  const ev = (item.evidence ?? null) as { error?: string; phase?: string; before?: { tag?: string | null; runningTag?: string | null; composeMd5?: string | null }; gate?: Gate; revertGate?: Gate; revert?: string } | null;
  return (
    <details className="rounded border border-border bg-muted/30 px-2 py-1" data-testid="rollout-evidence">
      <summary className="cursor-pointer select-none font-medium">{tEv("for", { node: nodeLabel(item) })}</summary>
      {ev ? (
        <div className="mt-1 space-y-1">
          {item.error || ev.error ? <p className="text-destructive">{ev.phase ? tEv("errorDuring", { phase: ev.phase, error: item.error ?? ev.error ?? "" }) : tEv("error", { error: item.error ?? ev.error ?? "" })}</p> : null}
          {ev.before ? (
            <p>
              {tEv("before", { tag: ev.before.tag ?? tEv("none"), running: ev.before.runningTag ?? "?" })}
              {ev.before.composeMd5 ? tEv("composeMd5", { md5: ev.before.composeMd5 }) : ""}
            </p>
          ) : null}
          {ev.gate ? <GateSummary title={tEv("healthGate")} gate={ev.gate} /> : null}
          {ev.revert === "failed" ? <p className="text-destructive">{tEv("revertFailed")}</p> : null}
          {ev.revertGate ? <GateSummary title={tEv("gateAfterRevert")} gate={ev.revertGate} /> : null}
          <details>
            <summary className="cursor-pointer select-none text-muted-foreground">{tEv("rawSummary")}</summary>
            <CodeBlock label={tEv("rawLabel")} value={JSON.stringify(ev, null, 2)} maxHeight="12rem" />
          </details>
        </div>
      ) : (
        <p className="mt-1 text-muted-foreground">{tEv("none_recorded")}</p>
      )}
    </details>
  );
}
