import type { CenterClient } from "@/lib/center/client";
import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { consoleLink, hasTargets, notify } from "@/lib/notify";
import { workItemView } from "./work-items";

// New queued work items announced to the operators' channels (issue #14: "new
// queued items are obvious, and notified"): Center has no push, so a schedule
// on the job engine (one run a minute across all console processes) reads the
// queue and announces each item once. Which items were announced is kept in the
// database (Setting "provisioning.announced"), so a restart or a second console
// never announces an item twice. Messages carry what the item asks for, never a
// token (a queued item has none).

const SETTING = "provisioning.announced";
export const WORK_ITEM_WATCH_QUEUE = "k2ops-work-item-watch";

/**
 * Reads Center's queued work items and announces the ones not announced yet.
 * Returns the ids announced now. The announced set keeps only items still
 * queued (bounded). Nothing is recorded when no channel is configured, so
 * configuring one later announces what is waiting then.
 */
export async function announceNewWorkItems(client: CenterClient, opts: { now?: Date } = {}): Promise<number[]> {
  if (!(await hasTargets("provisioning"))) return [];
  const r = await client.listNodeOperations({ status: "queued", pageSize: 100 }, { timeoutMs: 15_000 });
  const queued = r.items.map((op) => workItemView(op, opts.now ?? new Date()));
  const fresh = await db().$transaction(async (tx) => {
    // one writer at a time: two consoles reading the same queue announce each item once
    await tx.$executeRaw`INSERT INTO "Setting" (key, value, "updatedAt", "updatedBy") VALUES (${SETTING}, '[]'::jsonb, now(), 'work-item watch') ON CONFLICT (key) DO NOTHING`;
    await tx.$queryRaw`SELECT key FROM "Setting" WHERE key = ${SETTING} FOR UPDATE`;
    const row = await tx.setting.findUnique({ where: { key: SETTING } });
    const seen = new Set(Array.isArray(row?.value) ? (row.value as number[]) : []);
    const fresh = queued.filter((w) => !seen.has(w.id));
    const keep = queued.map((w) => w.id);
    await tx.setting.update({ where: { key: SETTING }, data: { value: keep, updatedBy: "work-item watch" } });
    return fresh;
  });
  for (const w of fresh) {
    await notify(
      "provisioning",
      {
        event: "work-item-queued",
        jobId: `work-item:${w.id}`,
        kind: "provisioning",
        status: "queued",
        total: 0,
        done: 0,
        failed: 0,
        text: `new ${w.action} work item ${w.id} queued at Center: ${w.asks}${w.deadline ? `; ${w.deadline.text}` : ""}`,
        link: consoleLink("/provisioning?status=queued"),
      },
    );
  }
  return fresh.map((w) => w.id);
}

/** Puts the watch on the job engine: every minute, one run across the console processes. False (nothing scheduled) without a Center. */
export async function scheduleWorkItemWatch(): Promise<boolean> {
  // scheduled even with no channel yet: an admin may add one on Settings → Notifications at any time (a run without one reads nothing from Center)
  if (!process.env.KAITU_CENTER_URL) return false;
  const { engine } = await import("@/lib/jobs/engine");
  const e = engine();
  if (!e) throw new Error("the job engine is not running in this process");
  const boss = e.boss;
  if (!(await boss.getQueue(WORK_ITEM_WATCH_QUEUE))) await boss.createQueue(WORK_ITEM_WATCH_QUEUE, { policy: "singleton", retryLimit: 0 } as never);
  await boss.work<object>(WORK_ITEM_WATCH_QUEUE, { pollingIntervalSeconds: 5 } as never, async () => {
    try {
      const { centerClientFromEnv } = await import("@/lib/center/client");
      const ids = await announceNewWorkItems(centerClientFromEnv());
      if (ids.length) logger.info({ ids }, "new work items announced");
    } catch (err) {
      logger.warn({ err }, "the work-item watch could not read Center; trying again in a minute");
    }
  });
  await boss.schedule(WORK_ITEM_WATCH_QUEUE, "* * * * *");
  return true;
}
