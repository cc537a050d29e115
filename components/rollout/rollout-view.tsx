"use client";

import * as React from "react";
import { Badge, type BadgeProps } from "@/components/ui/badge";
import { CodeBlock } from "@/components/ui/code-block";
import { Progress } from "@/components/ui/progress";
import { Tooltip } from "@/components/ui/tooltip";
import { FINISHED, useJob, type JobItemView, type JobView } from "@/components/jobs/job-progress";
import { elapsed, formatMs, nodeLabel } from "./format";
import { RolloutControls, type RolloutControlActions } from "./rollout-controls";
import { StepBadge } from "./step-badge";
import { STATUS_TONE } from "@/components/jobs/job-status";

// The live view of one rollout job: where it stands (status, phase, why it
// halted), batch by batch with each node's step, the time it takes, what
// failed and the evidence, and the controls its state allows (operators only).

const PHASE_TEXT: Record<string, string> = {
  "": "starting",
  canary: "canary",
  awaiting_promotion: "waiting for promotion",
  batches: "batches",
  done: "done",
};

const BATCH_TONE: Record<string, BadgeProps["variant"]> = { pending: "outline", running: "info", done: "secondary" };

/** Polls the job and shows it; `controls` only for operators. */
export function RolloutLive({ jobId, controls, onFinished }: { jobId: string; controls?: RolloutControlActions; onFinished?: () => void }) {
  const { data, error, dataUpdatedAt } = useJob(jobId, onFinished);
  if (error) return <p className="text-sm text-destructive">{String(error)}</p>;
  if (!data) return <p className="text-sm text-muted-foreground">Loading the rollout…</p>;
  // elapsed times are as of the last poll (once a second while it runs)
  return <RolloutJob job={data} controls={controls} now={dataUpdatedAt} />;
}

function describeParams(p: Record<string, unknown> | null): string {
  if (!p) return "";
  if (p.kind === "update") return `update to ${String(p.targetTag)}${p.pushCompose ? " (with the canonical compose)" : ""}`;
  return String(p.kind ?? "");
}

function describeStrategy(s: Record<string, unknown> | null, kind: unknown): string {
  if (!s) return "";
  const amount = (a: unknown, unit: string) => {
    const x = a as { mode?: string; value?: number } | undefined;
    return x ? (x.mode === "percent" ? `${x.value}%` : `${x.value} ${unit}`) : "?";
  };
  return [
    `canary ${s.canary ?? "?"} (${s.promotion ?? "?"} promotion)`,
    `batches of ${amount(s.batchSize, "nodes")}`,
    s.staggerSeconds ? `${s.staggerSeconds} s apart` : null,
    `healthy for ${s.minHealthySeconds ?? "?"} s within ${s.healthyDeadlineSeconds ?? "?"} s`,
    // only an update has something to go back to
    kind === "update" ? `auto-revert ${s.autoRevert === false ? "off" : "on"}` : null,
  ]
    .filter(Boolean)
    .join(" · ");
}

/** The whole rollout as of the last poll (presentational but for the controls' dialogs). */
export function RolloutJob({ job, controls, now }: { job: JobView; controls?: RolloutControlActions; now: number }) {
  const r = job.rollout;
  if (!r) return null;
  const ended = FINISHED.has(job.status);
  const finishedNodes = r.batches.reduce((n, b) => n + b.nodes.filter((i) => !["queued", "dispatched", "running"].includes(i.status)).length, 0);
  const nextIn = r.nextBatchAt ? Date.parse(r.nextBatchAt) - now : null;
  return (
    <div className="space-y-4 rounded-lg border border-border bg-card p-3 text-sm" data-testid="rollout-view" data-status={job.status} data-phase={r.phase}>
      <div className="flex flex-wrap items-center gap-2">
        <strong>rollout</strong>
        <span data-testid="rollout-what">{describeParams(r.params)}</span>
        <Badge variant={STATUS_TONE[job.status] ?? "outline"} data-testid="rollout-status">
          {job.status}
          {job.cancelRequested && !ended ? " (cancelling)" : ""}
        </Badge>
        <Badge variant={r.phase === "awaiting_promotion" ? "warning" : "outline"} data-testid="rollout-phase">
          phase: {PHASE_TEXT[r.phase] ?? r.phase}
        </Badge>
      </div>

      {r.haltReason && job.status === "halted" ? (
        <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-2" data-testid="rollout-halt-reason">
          Halted: {r.haltReason}. No new node starts. Resume (accepting these failures), retry the failed nodes, or cancel.
        </p>
      ) : null}
      {r.phase === "awaiting_promotion" && !ended ? (
        <p role="status" className="rounded-md border border-warning/50 bg-warning/10 p-2" data-testid="rollout-awaiting">
          The canary is done and healthy. The rollout waits for an operator to promote it before the batches start.
        </p>
      ) : null}

      <div className="space-y-1">
        <Progress
          label="Rollout progress"
          value={finishedNodes}
          max={Math.max(1, r.targeted)}
          showValue={`${finishedNodes}/${r.targeted} nodes finished`}
          variant={r.failures ? "destructive" : job.status === "succeeded" ? "success" : job.status === "cancelled" || job.status === "interrupted" ? "warning" : "default"}
        />
        <dl className="flex flex-wrap gap-x-4 gap-y-0.5 text-xs text-muted-foreground" data-testid="rollout-stats">
          <div>
            <dt className="inline">failures </dt>
            <dd className={`inline tabular-nums ${r.failures ? "font-medium text-destructive" : ""}`} data-testid="rollout-failures">
              {r.failures} (halts at {r.failureLimit})
            </dd>
          </div>
          <div>
            <dt className="inline">threshold: </dt>
            <dd className="inline" data-testid="rollout-threshold">
              {r.threshold}
            </dd>
          </div>
          <div>
            <dt className="inline">per node </dt>
            <dd className="inline tabular-nums" data-testid="rollout-per-node">
              {formatMs(r.perNodeMs)}
            </dd>
          </div>
          {!ended ? (
            <div>
              <dt className="inline">ETA </dt>
              <dd className="inline tabular-nums" data-testid="rollout-eta">
                {r.etaMs === null ? "after the first node" : r.phase === "awaiting_promotion" ? `${formatMs(r.etaMs)} after promotion` : formatMs(r.etaMs)}
              </dd>
            </div>
          ) : null}
          {nextIn !== null && nextIn > 0 && !ended ? (
            <div>
              <dt className="inline">next batch in </dt>
              <dd className="inline tabular-nums">{formatMs(nextIn)}</dd>
            </div>
          ) : null}
        </dl>
        <p className="text-xs text-muted-foreground" data-testid="rollout-strategy">
          {describeStrategy(r.strategy, r.params?.kind)}
        </p>
      </div>

      {controls ? <RolloutControls job={job} actions={controls} /> : null}

      <div className="space-y-3">
        {r.batches.map((b) => (
          <section key={b.index} aria-label={b.index === 0 ? "Canary" : `Batch ${b.index}`} data-testid="rollout-batch" data-batch={b.index} data-status={b.status} className="rounded-md border border-border">
            <h3 className="flex items-center gap-2 border-b border-border bg-muted/40 px-2 py-1 text-xs font-semibold">
              {b.index === 0 ? "Canary" : `Batch ${b.index}`}
              <Badge variant={BATCH_TONE[b.status]}>{b.status}</Badge>
              {b.index === r.currentBatch && !ended && b.status !== "done" ? <span className="font-normal text-muted-foreground">current</span> : null}
            </h3>
            <NodeTable nodes={b.nodes} now={now} />
          </section>
        ))}
      </div>

      {r.skipped.length ? (
        <section aria-label="Skipped nodes" className="rounded-md border border-border">
          <h3 className="border-b border-border bg-muted/40 px-2 py-1 text-xs font-semibold">Skipped ({r.skipped.length}): not changed</h3>
          <ul className="max-h-48 divide-y divide-border overflow-auto text-xs" data-testid="rollout-skipped">
            {r.skipped.map((s) => (
              <li key={s.node} data-node={s.node} className="flex gap-2 px-2 py-1">
                <span className="shrink-0 font-mono">{nodeLabel(s)}</span>
                <span className="text-muted-foreground">{s.summary ?? "skipped"}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

function NodeTable({ nodes, now }: { nodes: JobItemView[]; now: number }) {
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
          <th className="px-2 py-1 font-medium">Node</th>
          <th className="px-2 py-1 font-medium">Step</th>
          <th className="px-2 py-1 font-medium">Elapsed</th>
          <th className="px-2 py-1 font-medium">Attempts</th>
          <th className="px-2 py-1 font-medium">Result</th>
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
                    <Tooltip content="Taken up more than once: resumed after the worker running it stopped (the step re-read the node before going on), or retried after it failed.">
                      <span tabIndex={0} className="text-warning">
                        {i.attempts} (resumed/retried)
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
  return (
    <div>
      <p className="font-medium">
        {title}: {gate.passed ? "passed" : "not passed"} after {gate.checks ?? "?"} check{gate.checks === 1 ? "" : "s"} in {formatMs(gate.elapsedMs)}; last: {gate.last ?? "—"}
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
  const ev = (item.evidence ?? null) as { error?: string; phase?: string; before?: { tag?: string | null; runningTag?: string | null; composeMd5?: string | null }; gate?: Gate; revertGate?: Gate; revert?: string } | null;
  return (
    <details className="rounded border border-border bg-muted/30 px-2 py-1" data-testid="rollout-evidence">
      <summary className="cursor-pointer select-none font-medium">Evidence for {nodeLabel(item)}</summary>
      {ev ? (
        <div className="mt-1 space-y-1">
          {ev.error || item.error ? <p className="text-destructive">Error{ev.phase ? ` (during the ${ev.phase})` : ""}: {ev.error ?? item.error}</p> : null}
          {ev.before ? (
            <p>
              Before: K2_VERSION {ev.before.tag ?? "(none)"}, running {ev.before.runningTag ?? "?"}
              {ev.before.composeMd5 ? `, compose md5 ${ev.before.composeMd5}` : ""}
            </p>
          ) : null}
          {ev.gate ? <GateSummary title="Health gate" gate={ev.gate} /> : null}
          {ev.revert === "failed" ? <p className="text-destructive">The revert failed too.</p> : null}
          {ev.revertGate ? <GateSummary title="Gate after the revert" gate={ev.revertGate} /> : null}
          <details>
            <summary className="cursor-pointer select-none text-muted-foreground">Raw evidence (JSON)</summary>
            <CodeBlock label="Raw evidence" value={JSON.stringify(ev, null, 2)} maxHeight="12rem" />
          </details>
        </div>
      ) : (
        <p className="mt-1 text-muted-foreground">No evidence was recorded (the step ended before its pre-check).</p>
      )}
    </details>
  );
}
