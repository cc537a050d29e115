import { db } from "@/lib/db";
import { abortLocalSteps, advance, JOB_CONCURRENCY, setLocalRunner, type ItemResult, type ItemRunner } from "./engine";
import type { Prisma } from "@/lib/db/generated/client";
import { JOB_FIRST_DIR, type JobSort, type JobSortDir } from "./sort";
import { itemSentenceColumns } from "./sentences";
import type { Text } from "@/lib/text";

// Fleet-wide jobs (verify all, rollouts, ...): one Job row with one JobItem per
// node, run as durable node steps by the job engine (lib/jobs/engine.ts, on
// pg-boss) in whichever console process has a free worker. Progress is
// persisted as it happens, so a page (or a restart) always sees a known state;
// a job that was running when its process died resumes in another (or the
// restarted) process, its in-flight steps re-checked, never blindly repeated.
//
// Cancel: queued steps are not started; in-flight steps of read-only kinds
// (verify) are aborted (their SSH commands get the abort as ambient signal,
// lib/ssh/scope); changing kinds (rollouts) let in-flight steps finish.

export type { ItemResult, ItemRunner };

/** the widest a fleet job may ask for: the SSH engine's handshakes at once (lib/ssh/pool.ts) */
export const MAX_CONCURRENCY = 256;
/** a fleet job's width unless it asks for another (K2OPS_JOB_CONCURRENCY, else 256; see JOB_CONCURRENCY) */
export const DEFAULT_CONCURRENCY = Math.min(JOB_CONCURRENCY, MAX_CONCURRENCY);

export type CreateJobOptions = {
  kind: string;
  createdBy: string;
  auditId?: string;
  params?: Record<string, unknown>;
  /** node IPv4s; with `items`, the rollout form: each with its batch, or skipped with the reason */
  nodes?: string[];
  items?: { nodeIpv4: string; batch?: number; skipped?: string | Text }[];
  concurrency?: number;
  strategy?: Record<string, unknown>;
  phase?: string;
  /** create only; `startJob` hands it to the engine (default: started at once) */
  start?: boolean;
};

/**
 * Creates a job with one item per node (duplicates dropped) and, unless
 * `start: false`, hands it to the engine. Returns the job id.
 */
export async function createJob(opts: CreateJobOptions): Promise<string> {
  const given: { nodeIpv4: string; batch?: number; skipped?: string | Text }[] = opts.items ?? (opts.nodes ?? []).map((nodeIpv4) => ({ nodeIpv4 }));
  const seen = new Set<string>();
  const items = given.filter((i) => !seen.has(i.nodeIpv4) && seen.add(i.nodeIpv4));
  const concurrency = Math.max(1, Math.min(MAX_CONCURRENCY, Math.floor(opts.concurrency ?? DEFAULT_CONCURRENCY)));
  const job = await db().job.create({
    data: {
      kind: opts.kind,
      createdBy: opts.createdBy,
      auditId: opts.auditId,
      params: (opts.params ?? {}) as object,
      strategy: opts.strategy as object | undefined,
      phase: opts.phase ?? "",
      total: items.length,
      done: items.filter((i) => i.skipped).length,
      concurrency,
      items: {
        create: items.map((i) =>
          i.skipped
            ? { nodeIpv4: i.nodeIpv4, batch: i.batch ?? 0, status: "skipped", step: "skipped", ...itemSentenceColumns({ summary: i.skipped }), finishedAt: new Date() }
            : { nodeIpv4: i.nodeIpv4, batch: i.batch ?? 0 },
        ),
      },
    },
    select: { id: true },
  });
  if (opts.start !== false) await advance(job.id);
  return job.id;
}

/** Hands a created job to the engine (its policy dispatches the first steps). */
export async function startJob(jobId: string): Promise<void> {
  await advance(jobId);
}

const FINAL = ["succeeded", "failed", "cancelled", "interrupted"];
/** A job in one of these statuses has not finished (it may still take or run steps). */
export const UNFINISHED_JOB_STATUSES = ["queued", "running", "paused", "halted"] as const;
/** Whether a job in `status` has not finished yet (see UNFINISHED_JOB_STATUSES). */
export const isUnfinishedJob = (status: string): boolean => (UNFINISHED_JOB_STATUSES as readonly string[]).includes(status);

/** Resolves when the job has finished (polls its row every `everyMs`); rejects after `timeoutMs`. */
export async function waitForJob(jobId: string, opts: { timeoutMs?: number; everyMs?: number } = {}): Promise<string> {
  const until = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  for (;;) {
    const j = await db().job.findUnique({ where: { id: jobId }, select: { status: true } });
    if (!j) throw new Error(`job ${jobId} does not exist`);
    if (FINAL.includes(j.status)) return j.status;
    if (Date.now() > until) throw new Error(`job ${jobId} did not finish in time (status ${j.status})`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}

/**
 * Runs a created job's steps with an in-process runner (this process's workers
 * use it instead of the kind's) and resolves when the job has finished. The
 * engine must be running in this process.
 */
export async function runJob(jobId: string, runner: ItemRunner): Promise<void> {
  setLocalRunner(jobId, runner);
  await advance(jobId);
  await waitForJob(jobId);
}

/**
 * Requests cancellation: queued steps are not started, and in-flight steps of
 * kinds that allow it are aborted (killed on the node). Returns false when the
 * job had already finished.
 */
export async function cancelJob(jobId: string): Promise<boolean> {
  const res = await db().job.updateMany({ where: { id: jobId, status: { in: [...UNFINISHED_JOB_STATUSES] } }, data: { cancelRequested: true } });
  if (!res.count) return false;
  abortLocalSteps(jobId);
  await advance(jobId);
  return true;
}

/** A job with its items, each with its node's name (as the fleet table knows it; the IPv4 when it has none). */
export async function getJob(jobId: string) {
  const job = await db().job.findUnique({ where: { id: jobId }, include: { items: { orderBy: [{ status: "asc" }, { nodeIpv4: "asc" }] } } });
  if (!job) return null;
  const nodes = await db().node.findMany({ where: { ipv4: { in: job.items.map((i) => i.nodeIpv4) } }, select: { ipv4: true, name: true } });
  const names = new Map(nodes.map((n) => [n.ipv4, n.name || n.ipv4]));
  return { ...job, items: job.items.map((i) => ({ ...i, nodeName: names.get(i.nodeIpv4) ?? i.nodeIpv4 })) };
}

export const JOB_STATUSES = ["queued", "running", "paused", "halted", "succeeded", "failed", "cancelled", "interrupted"] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];

function jobOrder(sort: JobSort, dir: JobSortDir = JOB_FIRST_DIR[sort]): Prisma.JobOrderByWithRelationInput[] {
  const by: Record<JobSort, Prisma.JobOrderByWithRelationInput[]> = { created: [], kind: [{ kind: dir }], status: [{ status: dir }], startedBy: [{ createdBy: dir }] };
  const time = sort === "created" ? dir : "desc";
  return [...by[sort], { createdAt: time }, { id: time }];
}

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

/**
 * The Operations page's list: optionally one status, in the chosen order (lib/jobs/sort: default
 * newest first; ties newest first), paginated (pageSize 1–200, default 25).
 */
export async function listJobs(opts: { status?: JobStatusName; page?: number; pageSize?: number; sort?: JobSort; dir?: JobSortDir } = {}): Promise<{ rows: JobListRow[]; total: number; page: number; pageCount: number }> {
  const pageSize = Math.max(1, Math.min(200, opts.pageSize ?? 25));
  const where = opts.status ? { status: opts.status } : {};
  const total = await db().job.count({ where });
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(1, Math.floor(opts.page ?? 1)), pageCount);
  const rows = await db().job.findMany({
    where,
    orderBy: jobOrder(opts.sort ?? "created", opts.dir),
    skip: (page - 1) * pageSize,
    take: pageSize,
    select: { id: true, kind: true, status: true, createdBy: true, createdAt: true, startedAt: true, finishedAt: true, total: true, done: true, failed: true, cancelRequested: true },
  });
  return { rows: rows as JobListRow[], total, page, pageCount };
}
