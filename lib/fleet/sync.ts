import { centerClientFromEnv } from "@/lib/center/client";
import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { redactText } from "@/lib/redact";
import { syncFleet, type SyncResult } from "./index";

// Pulls every page of Center's /app/nodes and mirrors it. A Center failure
// changes nothing: the table keeps its last known data and says when that was.

export async function syncFleetFromCenter(): Promise<SyncResult> {
  const center = centerClientFromEnv();
  try {
    const walk = await center.listAllNodesChecked();
    const res = await syncFleet(walk.items, walk);
    await db().setting.deleteMany({ where: { key: "fleet.lastSyncError" } });
    return res;
  } catch (e) {
    const message = redactText(e instanceof Error ? e.message : String(e));
    await db()
      .setting.upsert({
        where: { key: "fleet.lastSyncError" },
        create: { key: "fleet.lastSyncError", value: { at: new Date().toISOString(), message } },
        update: { value: { at: new Date().toISOString(), message } },
      })
      .catch(() => undefined);
    throw e;
  }
}

export async function lastSyncError(): Promise<{ at: string; message: string } | null> {
  const s = await db().setting.findUnique({ where: { key: "fleet.lastSyncError" } });
  return (s?.value as { at: string; message: string } | undefined) ?? null;
}

/** The queue of scheduled fleet syncs (one at a time across console processes). */
export const FLEET_SYNC_QUEUE = "k2ops-fleet-sync";

/**
 * Background sync on the job engine's schedule (K2OPS_FLEET_SYNC_SECONDS,
 * default 300, rounded to whole minutes as pg-boss schedules are; 0 = off),
 * plus one sync 2 s after start (deduplicated across processes starting together).
 */
export async function scheduleFleetSync(): Promise<boolean> {
  const seconds = Number(process.env.K2OPS_FLEET_SYNC_SECONDS ?? 300);
  const { engine } = await import("@/lib/jobs/engine");
  const e = engine();
  if (!e) throw new Error("the job engine is not running in this process");
  const boss = e.boss;
  if (!(await boss.getQueue(FLEET_SYNC_QUEUE))) await boss.createQueue(FLEET_SYNC_QUEUE, { policy: "singleton", retryLimit: 0 } as never);
  if (!seconds || !process.env.KAITU_CENTER_URL) {
    await boss.unschedule(FLEET_SYNC_QUEUE).catch(() => undefined);
    return false;
  }
  await boss.work(FLEET_SYNC_QUEUE, { pollingIntervalSeconds: 1 }, async () => {
    await syncFleetFromCenter().catch((err) => logger.warn({ err }, "scheduled fleet sync failed; keeping the last known fleet"));
  });
  const { everyMinutesCron } = await import("./verify-schedule");
  await boss.schedule(FLEET_SYNC_QUEUE, everyMinutesCron(seconds / 60));
  await boss.send(FLEET_SYNC_QUEUE, {}, { startAfter: new Date(Date.now() + 2_000), singletonKey: "first-sync", singletonSeconds: 60 } as never);
  return true;
}
