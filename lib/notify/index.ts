import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { redactText } from "@/lib/redact";
import { envTargets, targetsFor, type NotifyCategory, type NotifyTarget } from "./targets";

// Notifications to the operators' channels when a job needs a human or has
// ended (a rollout halted, finished, or waits for its canary to be promoted), a
// metering alert is raised, or a work item is queued. Targets: lib/notify/targets
// (the environment's K2OPS_NOTIFY_WEBHOOK / K2OPS_NOTIFY_SLACK_WEBHOOK, and those
// the admins configured, each with its categories). A message carries no secret:
// job kind, id, counts, a reason and the console's link, redacted once more here.
// Delivery retries 3 times (1 s, 4 s backoff); every delivery is one row of the
// delivery log (NotifyDelivery) with its attempts and last error, and a failed one
// can be sent again from Settings → Notifications.

export { NOTIFY_CATEGORIES, type NotifyCategory, type NotifyTarget } from "./targets";

/** The environment's targets (none = no channel from the environment). */
export function notifyTargets(env: Record<string, string | undefined> = process.env): NotifyTarget[] {
  return envTargets(env);
}

export type JobNotice = { event: string; jobId: string; kind: string; status: string; total: number; done: number; failed: number; text: string; link: string | null };

export type DeliveryResult = { target: string; ok: boolean; attempts: number; deliveryId: string | null };

/** The JSON body a target receives for `notice` (Slack: its `text` format). */
export function bodyFor(kind: NotifyTarget["kind"], notice: JobNotice): unknown {
  return kind === "slack" ? { text: `k2ops: ${notice.text}${notice.link ? ` <${notice.link}|open>` : ""}` } : notice;
}

// the delivery log is best effort: a database fault never stops a notice
async function logStart(t: NotifyTarget, category: string, notice: JobNotice, retryOf?: string): Promise<string | null> {
  try {
    const row = await db().notifyDelivery.create({ data: { targetId: t.id, targetName: t.name, targetKind: t.kind, category, event: notice.event, status: "delivering", notice, retryOf: retryOf ?? null }, select: { id: true } });
    return row.id;
  } catch (err) {
    logger.warn({ err: redactText(String(err)), target: t.name }, "notification delivery log not written");
    return null;
  }
}
async function logEnd(id: string | null, data: { status: string; attempts: number; lastError: string | null }): Promise<void> {
  if (!id) return;
  await db()
    .notifyDelivery.update({ where: { id }, data: { ...data, finishedAt: new Date() } })
    .catch((err) => logger.warn({ err: redactText(String(err)), id }, "notification delivery log not completed"));
}

/**
 * Sends one notice to every target; resolves when all were tried (never rejects).
 * Returns per target whether it was delivered, after how many attempts, and its
 * delivery-log row. `category` is recorded with each delivery; `retryOf` links a
 * re-send to the delivery it repeats.
 */
export async function deliver(notice: JobNotice, targets: NotifyTarget[], opts: { delaysMs?: number[]; category?: NotifyCategory | "test"; retryOf?: string } = {}): Promise<DeliveryResult[]> {
  const safe: JobNotice = { ...notice, text: redactText(notice.text), link: notice.link ? redactText(notice.link) : null };
  return Promise.all(
    targets.map(async (t) => {
      const delays = opts.delaysMs ?? [1000, 4000];
      const deliveryId = await logStart(t, opts.category ?? "rollout", safe, opts.retryOf);
      let lastError: string | null = null;
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bodyFor(t.kind, safe)), signal: AbortSignal.timeout(10_000), redirect: "manual" });
          if (r.ok) {
            logger.info({ target: t.name, event: notice.event, jobId: notice.jobId, attempt }, "notification delivered");
            await logEnd(deliveryId, { status: "delivered", attempts: attempt, lastError: null });
            return { target: t.name, ok: true, attempts: attempt, deliveryId };
          }
          lastError = `HTTP ${r.status}`;
          logger.warn({ target: t.name, event: notice.event, jobId: notice.jobId, attempt, status: r.status }, "notification attempt refused");
        } catch (e) {
          lastError = redactText(e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ""}` : String(e));
          logger.warn({ target: t.name, event: notice.event, jobId: notice.jobId, attempt, err: lastError }, "notification attempt failed");
        }
        if (attempt > delays.length) {
          await logEnd(deliveryId, { status: "failed", attempts: attempt, lastError });
          return { target: t.name, ok: false, attempts: attempt, deliveryId };
        }
        await new Promise((r) => setTimeout(r, delays[attempt - 1]));
      }
    }),
  );
}

/**
 * Sends `notice` to every enabled target of `category` (nothing when none).
 * A stored target whose URL cannot be opened is logged and skipped.
 */
export async function notify(category: NotifyCategory, notice: JobNotice, opts: { delaysMs?: number[] } = {}): Promise<DeliveryResult[]> {
  const { targets, unopened } = await targetsFor(category);
  if (unopened.length) logger.warn({ targets: unopened }, "notification targets whose URL does not open under this console's key were skipped");
  if (!targets.length) return [];
  return deliver(notice, targets, { ...opts, category });
}

/** Whether any enabled target receives `category` now. */
export async function hasTargets(category: NotifyCategory): Promise<boolean> {
  if (envTargets().length) return true;
  return (await db().notifyTarget.count({ where: { enabled: true, events: { has: category } } })) > 0;
}

/** The console's link to `path`, when K2OPS_PUBLIC_URL (or AUTH_URL) says where it is. */
export function consoleLink(path: string): string | null {
  const base = process.env.K2OPS_PUBLIC_URL ?? process.env.AUTH_URL ?? null;
  return base ? `${base.replace(/\/$/, "")}${path}` : null;
}

/** Called by the job engine after a decision: the kind's events, and the job's end when it finished. */
export async function notifyJobEvents(jobId: string, events: { event: string; text: string }[], finished?: string): Promise<void> {
  const job = await db().job.findUnique({ where: { id: jobId }, select: { kind: true, status: true, total: true, done: true, failed: true, haltReason: true } });
  if (!job) return;
  const category: NotifyCategory = job.kind === "provision" || job.kind === "change-ip" ? "provisioning" : "rollout";
  if (!(await hasTargets(category))) return;
  // only kinds an operator waits on announce their end (a scheduled verify every 30 min would be noise)
  const all = [...events];
  if (finished && job.kind.startsWith("rollout")) all.push({ event: "finished", text: `rollout ${jobId} ended ${finished}: ${job.done}/${job.total} nodes done, ${job.failed} failed` });
  for (const e of all) {
    await notify(category, { event: e.event, jobId, kind: job.kind, status: job.status, total: job.total, done: job.done, failed: job.failed, text: e.text, link: consoleLink(`/operations?job=${jobId}`) });
  }
}
