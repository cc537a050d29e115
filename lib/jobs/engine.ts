import crypto from "node:crypto";
import os from "node:os";
import { PgBoss } from "pg-boss";
import { db } from "@/lib/db";
import { recordIntent, recordOutcome, type AuditOutcome } from "@/lib/audit";
import { isEmbeddedUrl, pgConnectionString } from "@/lib/db/adapter";
import { logger } from "@/lib/log";
import { redactValue } from "@/lib/redact";
import { withCancelSignal } from "@/lib/ssh/scope";
import { errorSentence } from "@/lib/errors";
import { msg, textOf } from "@/lib/text";
import { haltColumns, itemSentenceColumns } from "./sentences";
import { countByStatus, jobKind, poolAdvance, TERMINAL_ITEM, type AdvanceDecision, type ItemCounts, type ItemView, type JobView, type StepResult } from "./kinds";

// The durable job engine (issue #12): Job + JobItem rows are the record of a
// fleet-wide job and each of its node steps; pg-boss (a PostgreSQL queue, here
// on the same database) hands node steps to workers in any console process.
//
// - A node step is claimed by a conditional update (the status and attempt count
//   it read must still hold): a duplicate delivery of a step that already ended,
//   or that another worker claimed from the same read, does nothing; a step found
//   "running" was taken by a worker that died (pg-boss fails its claim when
//   heartbeats stop and retries it), so it runs again with `resumed: true` and
//   the kind re-checks the node first.
// - One pg-boss job per item at a time (singleton key = item id, "stately"
//   queue), and one step per node across all jobs (group = node, concurrency 1).
// - What runs next is decided under the job's row lock by the kind's `advance`
//   (default: a pool of `concurrency`), right after a step ends (steps ending
//   while an advance runs share the next one), on timed wake-ups (stagger), and
//   by a sweep every minute that also re-sends steps whose hand-off to the queue
//   was lost with a process.

export const NODE_STEP_QUEUE = "k2ops-node-step";
export const ADVANCE_QUEUE = "k2ops-job-advance";
export const SWEEP_QUEUE = "k2ops-job-sweep";

/**
 * Node steps one process runs at once, and the default width of a fleet job: K2OPS_JOB_CONCURRENCY,
 * else 256. A step mostly waits on a node 50-300 ms away (a cold verification is about 9.5 round
 * trips): at 64, 200 nodes took 4 waves, 4× one node's time (bench:verify --model). The console's
 * CPU per step (4 ms of SSH, about 20 ms of database work: bench:scale --cpu-profile) is the next
 * bound. The simulated fleet's launcher sets 16: its nodes run on the console's own cores.
 */
export const JOB_CONCURRENCY = Number(process.env.K2OPS_JOB_CONCURRENCY ?? 256);
/**
 * Polls per second of all of a process's idle node-step workers together (each polls every
 * workers / STEP_POLLS_PER_SECOND s, at least every STEP_POLL_SECONDS): steps handed off in this
 * process wake workers at once, and PostgreSQL's LISTEN/NOTIFY wakes them for steps from other
 * processes, so the poll only catches retries and lost wake-ups, and its cost must not grow with
 * the width. (At 0.5 s each, 64 workers on the embedded database cost the idle console about
 * 0.3 s of CPU every second.)
 */
const STEP_POLLS_PER_SECOND = 32;
const STEP_POLL_SECONDS = 2;

/** A heartbeat-less claim fails after this many seconds and the step is retried (resumed) by another worker. */
const HEARTBEAT_SECONDS = Number(process.env.K2OPS_JOB_HEARTBEAT_SECONDS ?? 10);

export type ItemResult = { ok: boolean; summary?: string; error?: string };
/** An in-process runner for one job (tests, and jobs whose steps are closures): used before the kind's `run`. */
export type ItemRunner = (nodeIpv4: string, signal: AbortSignal) => Promise<ItemResult>;

type Engine = {
  boss: PgBoss;
  instanceId: string;
  stopping: boolean;
  /** steps running in this process: item id → its abort controller and job id */
  local: Map<string, { jobId: string; abort: AbortController; abortOnCancel: boolean }>;
  cancelPoll: NodeJS.Timeout;
  extraStop: (() => Promise<void> | void)[];
  /** this process's node-step workers, one pg-boss worker each, woken at once after a local hand-off */
  stepWorkers: string[];
  /** the next of them to wake (round robin) */
  nextWake: number;
};

const g = globalThis as unknown as { k2opsJobEngine?: Engine; k2opsLocalRunners?: Map<string, ItemRunner> };
const localRunners: Map<string, ItemRunner> = (g.k2opsLocalRunners ??= new Map<string, ItemRunner>());

/** Registers an in-process runner for one job's steps (used instead of the kind's `run` by this process's workers). */
export function setLocalRunner(jobId: string, runner: ItemRunner): void {
  localRunners.set(jobId, runner);
}

export function engine(): Engine | undefined {
  return g.k2opsJobEngine;
}

export type StartEngineOptions = {
  /** default DATABASE_URL */
  databaseUrl?: string;
  /** steps this process runs at once (default JOB_CONCURRENCY: K2OPS_JOB_CONCURRENCY or 256) */
  localConcurrency?: number;
  /** run the recurring schedules (fleet sync, verification, sweep) from this process too (default true) */
  schedules?: boolean;
  /** seconds between queue polls (default 0.5) */
  pollingIntervalSeconds?: number;
  /** default K2OPS_INSTANCE_ID, else host:pid:random */
  instanceId?: string;
  /** take node steps in this process (default true; false = only create and hand off jobs) */
  workers?: boolean;
};

/**
 * Starts the engine in this process (idempotent): connects pg-boss to the
 * database (creating its `pgboss` schema on first use), creates the queues and
 * starts workers. Jobs created before (by any process) are picked up.
 */
export async function startJobEngine(opts: StartEngineOptions = {}): Promise<Engine> {
  if (g.k2opsJobEngine) return g.k2opsJobEngine;
  const url = opts.databaseUrl ?? process.env.DATABASE_URL;
  if (!url) throw new Error("the job engine needs DATABASE_URL");
  const embedded = isEmbeddedUrl(url);
  const boss = new PgBoss({
    connectionString: pgConnectionString(url),
    // the embedded database is one session: one connection, its backend profile
    ...(embedded ? { max: 1, backend: "pglite" as const } : { max: Number(process.env.K2OPS_JOB_POOL_SIZE ?? 4), useListenNotify: true }),
    schema: "pgboss",
    schedule: opts.schedules !== false,
    supervise: true,
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
  } as ConstructorParameters<typeof PgBoss>[0]);
  boss.on("error", (e: unknown) => logger.warn({ err: e }, "job queue error"));
  await boss.start();
  await ensureQueue(boss, NODE_STEP_QUEUE, { notify: true, policy: "stately", heartbeatSeconds: HEARTBEAT_SECONDS, retryLimit: 1000, retryDelay: 1, expireInSeconds: 4 * 3600 });
  await ensureQueue(boss, ADVANCE_QUEUE, { notify: true, retryLimit: 5, retryDelay: 2 });
  await ensureQueue(boss, SWEEP_QUEUE, { policy: "singleton", retryLimit: 0 });
  const e: Engine = {
    boss,
    instanceId: opts.instanceId ?? process.env.K2OPS_INSTANCE_ID ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString("hex")}`,
    stopping: false,
    local: new Map(),
    cancelPoll: setInterval(() => void pollCancels(), 1000),
    extraStop: [],
    stepWorkers: [],
    nextWake: 0,
  };
  e.cancelPoll.unref();
  g.k2opsJobEngine = e;
  const poll = opts.pollingIntervalSeconds ?? 0.5;
  const conc = Math.max(1, Math.floor(opts.localConcurrency ?? JOB_CONCURRENCY));
  if (opts.workers === false) {
    logger.info({ instance: e.instanceId }, "job engine started (no workers in this process)");
    return e;
  }
  // one pg-boss worker per slot, each with its own id: a hand-off of k steps wakes k of them (with
  // localConcurrency only the first worker's id is known, and the others waited for their poll)
  const stepPoll = Math.max(poll, STEP_POLL_SECONDS, conc / STEP_POLLS_PER_SECOND);
  for (let i = 0; i < conc; i++) {
    const id = await boss.work<{ itemId: string }>(NODE_STEP_QUEUE, { pollingIntervalSeconds: stepPoll, groupConcurrency: 1 } as never, async ([job]) => {
      await runNodeStep(job.data.itemId);
    });
    e.stepWorkers.push(id);
  }
  await boss.work<{ jobId: string }>(ADVANCE_QUEUE, { pollingIntervalSeconds: poll } as never, async ([job]) => {
    await advance(job.data.jobId);
  });
  await boss.work(SWEEP_QUEUE, { pollingIntervalSeconds: 2 }, async () => {
    await sweep();
  });
  if (opts.schedules !== false) await boss.schedule(SWEEP_QUEUE, "* * * * *");
  // what a previous process left (steps handed off but never sent, jobs never advanced)
  void sweep().catch((err) => logger.warn({ err }, "job sweep at start failed"));
  logger.info({ instance: e.instanceId, embedded }, "job engine started");
  return e;
}

async function ensureQueue(boss: PgBoss, name: string, options: Record<string, unknown>): Promise<void> {
  // processes starting together race to create it: whoever loses updates the one the other created
  if (!(await boss.getQueue(name))) {
    try {
      await boss.createQueue(name, options as never);
      return;
    } catch (e) {
      if (!(await boss.getQueue(name))) throw e instanceof Error ? e : new Error(`creating queue ${name}: ${JSON.stringify(e)}`);
    }
  }
  // a queue's policy is fixed at creation; the rest follows this version's settings
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { policy, ...rest } = options;
  await boss.updateQueue(name, rest as never);
}

/** Registers a stop hook run by stopJobEngine (schedules' workers). */
export function onEngineStop(fn: () => Promise<void> | void): void {
  g.k2opsJobEngine?.extraStop.push(fn);
}

/** Stops this process's workers: steps running here finish first (up to `timeoutMs`), then pg-boss disconnects. */
export async function stopJobEngine(opts: { timeoutMs?: number } = {}): Promise<void> {
  const e = g.k2opsJobEngine;
  if (!e) return;
  e.stopping = true;
  clearInterval(e.cancelPoll);
  for (const fn of e.extraStop) await fn();
  await e.boss.stop({ graceful: true, timeout: opts.timeoutMs ?? 30_000, wait: true } as never).catch(() => undefined);
  g.k2opsJobEngine = undefined;
}

/** Hands items to the queue (after their status became `dispatched`). A duplicate send is refused by the queue. */
async function send(items: { id: string; nodeIpv4: string }[]): Promise<void> {
  const e = g.k2opsJobEngine;
  if (!e || !items.length) return;
  // one statement for all of them (the queue's defaults apply as with send; a duplicate row is skipped)
  await e.boss.insert(NODE_STEP_QUEUE, items.map((i) => ({ data: { itemId: i.id }, singletonKey: i.id, group: { id: i.nodeIpv4 } })));
  // as many of this process's workers fetch now (other processes: LISTEN/NOTIFY or their poll); a busy one fetches when it is done
  const n = Math.min(items.length, e.stepWorkers.length);
  for (let k = 0; k < n; k++) e.boss.notifyWorker(e.stepWorkers[e.nextWake++ % e.stepWorkers.length]);
}

/** Asks for `advance(jobId)` at `at` (or at once). */
export async function wakeAt(jobId: string, at?: Date): Promise<void> {
  await g.k2opsJobEngine?.boss.send(ADVANCE_QUEUE, { jobId }, at && at.getTime() > Date.now() ? { startAfter: at } : {});
}

function jobView(j: {
  id: string; kind: string; status: string; concurrency: number; cancelRequested: boolean; phase: string; currentBatch: number; nextBatchAt: Date | null; strategy: unknown; params: unknown;
}): JobView {
  return { ...j, strategy: (j.strategy as Record<string, unknown> | null) ?? null, params: (j.params as Record<string, unknown>) ?? {} };
}

/** per job, in this process: the advance running, and the one that will run after it (callers meanwhile share it) */
const advancing = new Map<string, { running: Promise<void>; queued: Promise<void> | null }>();

/**
 * Decides and applies what runs next for one job, under its row lock: cancels
 * queued steps after a cancel request, dispatches what the kind's policy allows,
 * finishes the job when every step has ended. Safe to call any number of times.
 * Resolves once an advance that started after this call has run. Calls made while
 * one runs share a single follow-up: steps ending together cost one transaction,
 * not one each (a 200-wide job ends steps faster than a database answers them).
 */
export function advance(jobId: string): Promise<void> {
  const a = advancing.get(jobId);
  if (a) {
    return (a.queued ??= a.running.then(noop, noop).then(() => {
      a.queued = null;
      return (a.running = runAdvance(jobId, a));
    }));
  }
  const entry = { running: Promise.resolve(), queued: null };
  advancing.set(jobId, entry);
  return (entry.running = runAdvance(jobId, entry));
}

function noop(): void {}

async function runAdvance(jobId: string, a: { queued: Promise<void> | null }): Promise<void> {
  try {
    await advanceOnce(jobId);
  } finally {
    if (!a.queued) advancing.delete(jobId);
  }
}

async function advanceOnce(jobId: string): Promise<void> {
  const out = await db().$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Job" WHERE id = ${jobId} FOR UPDATE`;
    if (!locked.length) return null;
    const job = await tx.job.findUniqueOrThrow({ where: { id: jobId } });
    if (["succeeded", "failed", "cancelled", "interrupted"].includes(job.status)) return null;
    if (job.cancelRequested) {
      await tx.jobItem.updateMany({ where: { jobId, status: "queued" }, data: { status: "cancelled", finishedAt: new Date(), step: "cancelled" } });
    }
    const kind = jobKind(job.kind);
    const view = jobView(job);
    // A kind with its own policy (rollouts: batches, canary) reads every item; the
    // default pool needs only the status counts and the next queued items, so a
    // 5,000-node job does not re-read 5,000 rows after each step (issue #17).
    let d: AdvanceDecision;
    let counts: ItemCounts;
    // queued items this decision may dispatch: id → node
    let queued: Map<string, string>;
    if (kind?.advance) {
      const items = await tx.jobItem.findMany({ where: { jobId }, select: { id: true, nodeIpv4: true, status: true, batch: true }, orderBy: [{ batch: "asc" }, { nodeIpv4: "asc" }] });
      d = kind.advance(view, items as ItemView[]);
      counts = countByStatus(items);
      queued = new Map(items.filter((i) => i.status === "queued").map((i) => [i.id, i.nodeIpv4]));
    } else {
      const groups = await tx.jobItem.groupBy({ by: ["status"], where: { jobId }, _count: { _all: true } });
      counts = Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
      const next = await tx.jobItem.findMany({ where: { jobId, status: "queued" }, select: { id: true, nodeIpv4: true }, orderBy: [{ batch: "asc" }, { nodeIpv4: "asc" }], take: Math.max(0, job.concurrency) });
      queued = new Map(next.map((i) => [i.id, i.nodeIpv4]));
      d = poolAdvance(view, counts, [...queued.keys()]);
    }
    const dispatch = (d.dispatch ?? []).filter((id) => queued.has(id));
    if (dispatch.length) await tx.jobItem.updateMany({ where: { id: { in: dispatch }, status: "queued" }, data: { status: "dispatched", step: "queued" } });
    const after = { ...counts, queued: (counts.queued ?? 0) - dispatch.length, dispatched: (counts.dispatched ?? 0) + dispatch.length };
    const totals = jobTotals(after);
    if (d.finish) {
      await tx.job.update({ where: { id: jobId }, data: { status: d.finish, finishedAt: new Date(), phase: "done", nextBatchAt: null, ...totals } });
    } else {
      const { haltReason, ...rest } = d.job ?? {};
      const data: Record<string, unknown> = { ...totals, ...rest, ...(haltReason !== undefined ? haltColumns(haltReason) : {}) };
      if ((d.job?.status === "running" || dispatch.length) && job.status === "queued") {
        data.status = d.job?.status ?? "running";
        data.startedAt = job.startedAt ?? new Date();
      }
      await tx.job.update({ where: { id: jobId }, data });
    }
    return { dispatch: dispatch.map((id) => ({ id, nodeIpv4: queued.get(id)! })), wakeAt: d.wakeAt, notify: d.notify ?? [], finished: d.finish, kind: job.kind };
  });
  if (!out) return;
  await send(out.dispatch);
  if (out.wakeAt) await wakeAt(jobId, out.wakeAt);
  if (out.notify.length || out.finished) {
    const { notifyJobEvents } = await import("@/lib/notify");
    await notifyJobEvents(jobId, out.notify, out.finished).catch((err) => logger.warn({ err, jobId }, "job notification failed"));
  }
}

/** `failed` counts the steps whose change did not take: failed, and reverted (back on what it ran before). */
function jobTotals(counts: ItemCounts): { done: number; failed: number } {
  let done = 0;
  for (const [status, n] of Object.entries(counts)) if (TERMINAL_ITEM.has(status)) done += n ?? 0;
  return { done, failed: (counts.failed ?? 0) + (counts.reverted ?? 0) };
}

/** One node step, as a queue worker takes it (see the file comment for claim and resume rules). */
export async function runNodeStep(itemId: string): Promise<void> {
  const e = g.k2opsJobEngine;
  const claim = await claimStep(itemId, e?.instanceId ?? "local");
  if (!claim) return;
  if (claim.cancelledBeforeStart) {
    await advance(claim.item.jobId);
    return;
  }
  const { item, resumed } = claim;
  const job = item.job;
  const kind = jobKind(job.kind);
  const audit = kind?.auditAction ? await auditStepStart(kind.auditAction(jobView(job)), item, job, !!resumed, e?.instanceId ?? "local") : null;
  const local = localRunners.get(job.id);
  const abort = new AbortController();
  e?.local.set(itemId, { jobId: job.id, abort, abortOnCancel: kind?.abortInFlightOnCancel ?? true });
  let res: StepResult;
  try {
    if (local) {
      const r = await withCancelSignal(abort.signal, () => local(item.nodeIpv4, abort.signal));
      res = { status: r.ok ? "succeeded" : "failed", summary: r.summary, error: r.error };
    } else if (!kind) {
      res = { status: "failed", error: msg`no worker for jobs of kind "${job.kind}" in this console` };
    } else {
      res = await withCancelSignal(abort.signal, () =>
        kind.run({
          jobId: job.id,
          itemId,
          nodeIpv4: item.nodeIpv4,
          params: (job.params as Record<string, unknown>) ?? {},
          strategy: (job.strategy as Record<string, unknown> | null) ?? null,
          createdBy: job.createdBy,
          auditId: job.auditId,
          attempt: item.attempts,
          resumed: !!resumed,
          before: item.before ?? null,
          signal: abort.signal,
          progress: async (step) => {
            await db().jobItem.update({ where: { id: itemId }, data: { step } });
          },
          recordBefore: async (before) => {
            await db().jobItem.update({ where: { id: itemId }, data: { before: redactValue(before) as object } });
          },
        }),
      );
    }
  } catch (err) {
    res = { status: "failed", error: errorSentence(err) };
  } finally {
    e?.local.delete(itemId);
  }
  // cut short by a cancel: neither a success nor a node failure
  if (res.status === "failed" && abort.signal.aborted) res = { ...res, status: "cancelled" };
  if (audit) await auditStepEnd(audit, res).catch((err) => logger.error({ err, itemId }, "audit outcome of a node step could not be written"));
  await db().jobItem.update({
    where: { id: itemId },
    data: {
      status: res.status,
      step: res.status,
      finishedAt: new Date(),
      owner: null,
      ...itemSentenceColumns(res),
      ...(res.evidence !== undefined ? { evidence: redactValue(res.evidence) as object } : {}),
    },
  });
  localRunnersCleanup(job.id);
  await advance(job.id);
}

/**
 * Claims a dispatched step (or one found running: its worker died) for this worker with one read
 * and one conditional update, no transaction (a 256-wide job claims 256 steps together): the update
 * holds only while the status and attempt count read are still the row's, so of two claims one wins.
 * A step of a job whose cancel was asked before it started is marked cancelled instead. Returns null
 * when the step has ended, was never dispatched, or was claimed meanwhile.
 */
async function claimStep(itemId: string, owner: string) {
  const item = await db().jobItem.findUnique({ where: { id: itemId }, include: { job: true } });
  if (!item || TERMINAL_ITEM.has(item.status) || item.status === "queued") return null;
  const seen = { id: itemId, status: item.status, attempts: item.attempts };
  if (item.job.cancelRequested && item.status === "dispatched") {
    const { count } = await db().jobItem.updateMany({ where: seen, data: { status: "cancelled", step: "cancelled", finishedAt: new Date() } });
    return count ? { cancelledBeforeStart: true as const, item } : null;
  }
  const resumed = item.status === "running";
  const { count } = await db().jobItem.updateMany({
    where: seen,
    data: { status: "running", attempts: { increment: 1 }, owner, startedAt: item.startedAt ?? new Date(), step: resumed ? "re-checking" : (jobKind(item.job.kind)?.firstStep ?? "starting") },
  });
  return count ? { cancelledBeforeStart: false as const, item: { ...item, attempts: item.attempts + 1 }, resumed } : null;
}

/**
 * The audit intent of a node step of a changing kind (actor: who started the
 * job; request id `<item>:<attempt>`). A resumed step first closes its dead
 * attempt's intent as interrupted, so no row stays pending.
 */
async function auditStepStart(
  action: string,
  item: { id: string; nodeIpv4: string; attempts: number; jobId: string },
  job: { createdBy: string; auditId: string | null },
  resumed: boolean,
  instance: string,
): Promise<{ id: string; t0: number }> {
  if (resumed) {
    await db().auditEvent.updateMany({
      where: { requestId: { startsWith: `${item.id}:` }, status: "pending" },
      data: { status: "interrupted", finishedAt: new Date(), error: "interrupted: the process running this node step stopped; the step was taken up again and re-checked the node" },
    });
  }
  const user = await db().user.findUnique({ where: { email: job.createdBy }, select: { id: true, role: true } }).catch(() => null);
  const id = await recordIntent(
    { requestId: `${item.id}:${item.attempts}`, actor: { id: user?.id ?? null, email: job.createdBy, role: user?.role ?? "" }, ip: "", userAgent: `k2ops job engine (${instance})` },
    { action, target: { type: "node", id: item.nodeIpv4 }, params: { jobId: item.jobId, jobAuditId: job.auditId, attempt: item.attempts, resumed } },
  );
  return { id, t0: performance.now() };
}

async function auditStepEnd(a: { id: string; t0: number }, res: StepResult): Promise<void> {
  // reverted: the change failed its gate (the node is back, healthy): the operation did not do its job
  const status: AuditOutcome = res.status === "succeeded" || res.status === "skipped" ? "succeeded" : "failed";
  await recordOutcome(a.id, { status, startedAt: a.t0, result: { step: res.status, summary: res.summary && textOf(res.summary).text }, error: (res.error && textOf(res.error).text) ?? (res.status === "reverted" ? "reverted to what the node ran before" : res.status === "cancelled" ? "cancelled" : undefined) });
}

function localRunnersCleanup(jobId: string): void {
  // dropped once the job has no step left to run here (checked lazily at the next sweep as well)
  if (!localRunners.has(jobId)) return;
  void db()
    .job.findUnique({ where: { id: jobId }, select: { status: true } })
    .then((j) => {
      if (j && ["succeeded", "failed", "cancelled"].includes(j.status)) localRunners.delete(jobId);
    })
    .catch(() => undefined);
}

/** Aborts this process's in-flight steps of cancelled jobs (kinds that abort on cancel). */
async function pollCancels(): Promise<void> {
  const e = g.k2opsJobEngine;
  if (!e?.local.size) return;
  const ids = [...new Set([...e.local.values()].filter((l) => l.abortOnCancel && !l.abort.signal.aborted).map((l) => l.jobId))];
  if (!ids.length) return;
  const cancelled = await db().job.findMany({ where: { id: { in: ids }, cancelRequested: true }, select: { id: true } }).catch(() => []);
  const set = new Set(cancelled.map((j) => j.id));
  for (const l of e.local.values()) if (set.has(l.jobId) && l.abortOnCancel) l.abort.abort();
}

/**
 * Every minute (and at start): for each unfinished job, re-send steps marked
 * dispatched or running (the queue refuses duplicates of live ones; a step whose
 * hand-off died with its process is sent again), then advance it.
 */
export async function sweep(): Promise<void> {
  const jobs = await db().job.findMany({ where: { status: { in: ["queued", "running", "paused", "halted"] } }, select: { id: true } });
  for (const j of jobs) {
    const stuck = await db().jobItem.findMany({ where: { jobId: j.id, status: { in: ["dispatched", "running"] } }, select: { id: true, nodeIpv4: true } });
    await send(stuck);
    await advance(j.id);
  }
}

/** Cancels steps this process runs for `jobId` at once (the poll would within a second). */
export function abortLocalSteps(jobId: string): void {
  for (const l of g.k2opsJobEngine?.local.values() ?? new Map<string, { jobId: string; abort: AbortController; abortOnCancel: boolean }>().values()) if (l.jobId === jobId && l.abortOnCancel) l.abort.abort();
}
