import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { redactText } from "@/lib/redact";
import { withCancelSignal } from "@/lib/ssh/scope";

// Fleet-wide jobs (verify all, rollouts): one Job row with one JobItem per
// node, run in this process with bounded concurrency. Progress is persisted
// as it happens, so a page (or a restart) always sees a known state; a job
// that was running when the process died is marked `interrupted`, never
// silently resumed.
//
// Cancel reaches running items too: the runner gets the job's AbortSignal, and
// every SSH command it starts has it as its ambient signal (lib/ssh/scope), so
// an in-flight command is killed on its node (confirmed, or the node stays
// locked as "state unknown"). An item that failed because of the cancel is
// recorded as `cancelled`.

export type ItemResult = { ok: boolean; summary?: string; error?: string };
/** Runs one item; `signal` aborts when the job is cancelled (pass it on, or rely on the ambient signal for SSH). */
export type ItemRunner = (nodeIpv4: string, signal: AbortSignal) => Promise<ItemResult>;

export const DEFAULT_CONCURRENCY = Number(process.env.K2OPS_JOB_CONCURRENCY ?? 16);
export const MAX_CONCURRENCY = 64;

const running = new Map<string, { abort: AbortController; done: Promise<void> }>();

export async function createJob(opts: {
  kind: string;
  createdBy: string;
  auditId?: string;
  params?: Record<string, unknown>;
  nodes: string[];
  concurrency?: number;
}): Promise<string> {
  const nodes = [...new Set(opts.nodes)];
  const concurrency = Math.max(1, Math.min(MAX_CONCURRENCY, Math.floor(opts.concurrency ?? DEFAULT_CONCURRENCY)));
  const job = await db().job.create({
    data: {
      kind: opts.kind,
      createdBy: opts.createdBy,
      auditId: opts.auditId,
      params: (opts.params ?? {}) as object,
      total: nodes.length,
      concurrency,
      items: { create: nodes.map((nodeIpv4) => ({ nodeIpv4 })) },
    },
    select: { id: true },
  });
  return job.id;
}

/** Starts running a created job in the background; resolves when it has finished. */
export function runJob(jobId: string, runner: ItemRunner): Promise<void> {
  const abort = new AbortController();
  const done = execute(jobId, runner, abort).finally(() => running.delete(jobId));
  running.set(jobId, { abort, done });
  return done;
}

async function execute(jobId: string, runner: ItemRunner, abort: AbortController): Promise<void> {
  const job = await db().job.update({ where: { id: jobId }, data: { status: "running", startedAt: new Date() } });
  const items = await db().jobItem.findMany({ where: { jobId, status: "queued" }, orderBy: { nodeIpv4: "asc" } });
  let next = 0;
  let failed = 0;
  let done = 0;

  // the cancel flag is also read from the database, so a cancel from another
  // process (or a page served by another instance) is honoured
  const poll = setInterval(async () => {
    const j = await db().job.findUnique({ where: { id: jobId }, select: { cancelRequested: true } }).catch(() => null);
    if (j?.cancelRequested) abort.abort();
  }, 500);

  let cancelledItems = 0;
  async function worker() {
    while (!abort.signal.aborted) {
      const item = items[next++];
      if (!item) return;
      await db().jobItem.update({ where: { id: item.id }, data: { status: "running", startedAt: new Date() } });
      let res: ItemResult;
      try {
        res = await withCancelSignal(abort.signal, () => runner(item.nodeIpv4, abort.signal));
      } catch (e) {
        res = { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
      done++;
      // cut short by the cancel: neither a success nor a node failure
      const cancelledItem = !res.ok && abort.signal.aborted;
      if (!res.ok && !cancelledItem) failed++;
      if (cancelledItem) cancelledItems++;
      await db().$transaction([
        db().jobItem.update({
          where: { id: item.id },
          data: {
            status: res.ok ? "succeeded" : cancelledItem ? "cancelled" : "failed",
            finishedAt: new Date(),
            summary: res.summary ? redactText(res.summary).slice(0, 1000) : null,
            error: res.error ? redactText(res.error).slice(0, 2000) : null,
          },
        }),
        db().job.update({ where: { id: jobId }, data: { done, failed } }),
      ]);
    }
  }

  try {
    await Promise.all(Array.from({ length: Math.min(job.concurrency, items.length) }, worker));
  } catch (e) {
    logger.error({ err: e, jobId }, "job runner failed");
  } finally {
    clearInterval(poll);
  }
  if (abort.signal.aborted) {
    const r = await db().jobItem.updateMany({ where: { jobId, status: "queued" }, data: { status: "cancelled", finishedAt: new Date() } });
    cancelledItems += r.count;
  }
  // a cancel that arrived after every node ran cancelled nothing: the job says what really happened
  const cancelled = cancelledItems > 0;
  await db().job.update({
    where: { id: jobId },
    data: { status: cancelled ? "cancelled" : failed > 0 ? "failed" : "succeeded", finishedAt: new Date(), done, failed },
  });
}

/**
 * Requests cancellation: queued items are not started, and running items'
 * in-flight SSH commands are aborted (killed on the node). Returns false when
 * the job had already finished.
 */
export async function cancelJob(jobId: string): Promise<boolean> {
  const res = await db().job.updateMany({ where: { id: jobId, status: { in: ["queued", "running"] } }, data: { cancelRequested: true } });
  running.get(jobId)?.abort.abort();
  return res.count > 0;
}

/** A job with its items, each with its node's name (as the fleet table knows it; the IPv4 when it has none). */
export async function getJob(jobId: string) {
  const job = await db().job.findUnique({ where: { id: jobId }, include: { items: { orderBy: [{ status: "asc" }, { nodeIpv4: "asc" }] } } });
  if (!job) return null;
  const nodes = await db().node.findMany({ where: { ipv4: { in: job.items.map((i) => i.nodeIpv4) } }, select: { ipv4: true, name: true } });
  const names = new Map(nodes.map((n) => [n.ipv4, n.name || n.ipv4]));
  return { ...job, items: job.items.map((i) => ({ ...i, nodeName: names.get(i.nodeIpv4) ?? i.nodeIpv4 })) };
}

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled", "interrupted"] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];

export type JobListRow = {
  id: string;
  kind: string;
  status: JobStatusName;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  total: number;
  done: number;
  failed: number;
  cancelRequested: boolean;
};

/** The Operations page's list: newest first, optionally one status, paginated. */
export async function listJobs(opts: { status?: JobStatusName; page?: number; pageSize?: number } = {}): Promise<{ rows: JobListRow[]; total: number; page: number; pageCount: number }> {
  const pageSize = Math.max(1, Math.min(200, opts.pageSize ?? 25));
  const where = opts.status ? { status: opts.status } : {};
  const total = await db().job.count({ where });
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(1, Math.floor(opts.page ?? 1)), pageCount);
  const rows = await db().job.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: (page - 1) * pageSize,
    take: pageSize,
    select: { id: true, kind: true, status: true, createdBy: true, createdAt: true, startedAt: true, finishedAt: true, total: true, done: true, failed: true, cancelRequested: true },
  });
  return { rows: rows as JobListRow[], total, page, pageCount };
}

/** At start-up: whatever was running when the process died is marked interrupted. */
export async function markInterruptedJobs(): Promise<number> {
  const stale = await db().job.findMany({ where: { status: { in: ["queued", "running"] } }, select: { id: true } });
  const ids = stale.filter((j) => !running.has(j.id)).map((j) => j.id);
  if (!ids.length) return 0;
  await db().$transaction([
    db().jobItem.updateMany({
      where: { jobId: { in: ids }, status: { in: ["queued", "running"] } },
      data: { status: "failed", error: "interrupted: the console restarted while this ran; the node's state is shown as last verified", finishedAt: new Date() },
    }),
    db().job.updateMany({ where: { id: { in: ids } }, data: { status: "interrupted", finishedAt: new Date() } }),
  ]);
  return ids.length;
}
