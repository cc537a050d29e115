import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { redactText } from "@/lib/redact";

// Notifications to the operators' channels when a job needs a human or has
// ended (a rollout halted, finished, or waits for its canary to be promoted).
// Targets come from the environment: K2OPS_NOTIFY_WEBHOOK (a generic JSON
// POST) and K2OPS_NOTIFY_SLACK_WEBHOOK (a Slack incoming webhook). Both names
// end in WEBHOOK, so their values (which are credentials) are redacted
// wherever they could appear. A message carries no secret: job kind, id,
// counts, a reason and the console's link. Delivery retries 3 times
// (1 s, 4 s backoff) and every attempt's result is logged.

export type NotifyTarget = { kind: "webhook" | "slack"; url: string };

/** The configured targets (none = notifications off). */
export function notifyTargets(env: Record<string, string | undefined> = process.env): NotifyTarget[] {
  const t: NotifyTarget[] = [];
  if (env.K2OPS_NOTIFY_WEBHOOK) t.push({ kind: "webhook", url: env.K2OPS_NOTIFY_WEBHOOK });
  if (env.K2OPS_NOTIFY_SLACK_WEBHOOK) t.push({ kind: "slack", url: env.K2OPS_NOTIFY_SLACK_WEBHOOK });
  return t;
}

export type JobNotice = { event: string; jobId: string; kind: string; status: string; total: number; done: number; failed: number; text: string; link: string | null };

/** Sends one notice to every target; resolves when all were tried (never rejects). Returns per target whether it was delivered. */
export async function deliver(notice: JobNotice, targets = notifyTargets(), opts: { delaysMs?: number[] } = {}): Promise<{ target: string; ok: boolean; attempts: number }[]> {
  const text = redactText(notice.text);
  const body = (t: NotifyTarget) =>
    t.kind === "slack" ? { text: `k2ops: ${text}${notice.link ? ` <${notice.link}|open>` : ""}` } : { ...notice, text };
  return Promise.all(
    targets.map(async (t) => {
      const delays = opts.delaysMs ?? [1000, 4000];
      for (let attempt = 1; ; attempt++) {
        let status = 0;
        try {
          const r = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body(t)), signal: AbortSignal.timeout(10_000) });
          status = r.status;
          if (r.ok) {
            logger.info({ target: t.kind, event: notice.event, jobId: notice.jobId, attempt }, "notification delivered");
            return { target: t.kind, ok: true, attempts: attempt };
          }
        } catch (e) {
          logger.warn({ target: t.kind, event: notice.event, jobId: notice.jobId, attempt, err: redactText(e instanceof Error ? e.message : String(e)) }, "notification attempt failed");
        }
        if (status) logger.warn({ target: t.kind, event: notice.event, jobId: notice.jobId, attempt, status }, "notification attempt refused");
        if (attempt > delays.length) return { target: t.kind, ok: false, attempts: attempt };
        await new Promise((r) => setTimeout(r, delays[attempt - 1]));
      }
    }),
  );
}

/** Called by the job engine after a decision: the kind's events, and the job's end when it finished. */
export async function notifyJobEvents(jobId: string, events: { event: string; text: string }[], finished?: string): Promise<void> {
  const targets = notifyTargets();
  if (!targets.length) return;
  const job = await db().job.findUnique({ where: { id: jobId }, select: { kind: true, status: true, total: true, done: true, failed: true, haltReason: true } });
  if (!job) return;
  // only kinds an operator waits on announce their end (a scheduled verify every 30 min would be noise)
  const all = [...events];
  if (finished && job.kind.startsWith("rollout")) all.push({ event: "finished", text: `rollout ${jobId} ended ${finished}: ${job.done}/${job.total} nodes done, ${job.failed} failed` });
  const base = process.env.K2OPS_PUBLIC_URL ?? process.env.AUTH_URL ?? null;
  for (const e of all) {
    await deliver({ event: e.event, jobId, kind: job.kind, status: job.status, total: job.total, done: job.done, failed: job.failed, text: e.text, link: base ? `${base.replace(/\/$/, "")}/operations?job=${jobId}` : null }, targets);
  }
}
