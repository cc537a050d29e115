import { NextResponse } from "next/server";
import { redactedJson, withRoute } from "@/lib/actions/route";
import { requestLocale } from "@/lib/actions/locale";
import { getJob } from "@/lib/jobs";
import { itemSentences, sayStored } from "@/lib/jobs/sentences";
import { rolloutProgress } from "@/lib/rollout/view";

export const dynamic = "force-dynamic";

// Live progress of a fleet job (polled by the job panel).
export const GET = withRoute({ role: "viewer" }, async (req, { user }) => {
  const id = new URL(req.url).pathname.split("/").pop() ?? "";
  if (!/^[a-z0-9]{10,40}$/i.test(id)) return NextResponse.json({ error: "bad job id" }, { status: 400 });
  const job = await getJob(id);
  if (!job) return NextResponse.json({ error: "no such job" }, { status: 404 });
  // each step's summary and error in the reader's language; a failed or reverted node carries its evidence (gate history, what it ran before), redacted
  const locale = await requestLocale(user);
  const items = job.items.map((i) => ({ node: i.nodeIpv4, name: i.nodeName, status: i.status, step: i.step, batch: i.batch, attempts: i.attempts, ...itemSentences(i, locale), startedAt: i.startedAt, finishedAt: i.finishedAt, evidence: i.status === "failed" || i.status === "reverted" ? i.evidence : undefined }));
  const rollout = job.kind === "rollout" ? { ...rolloutProgress(job, items), phase: job.phase, haltReason: sayStored(job.haltReason, job.haltReasonText, locale), currentBatch: job.currentBatch, nextBatchAt: job.nextBatchAt, params: job.params, strategy: job.strategy } : null;
  return redactedJson({
    id: job.id,
    kind: job.kind,
    status: job.status,
    total: job.total,
    done: job.done,
    failed: job.failed,
    cancelRequested: job.cancelRequested,
    createdBy: job.createdBy,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    items,
    rollout,
  });
});
