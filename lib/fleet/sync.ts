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

let timer: NodeJS.Timeout | null = null;

/** Background sync on a schedule (K2OPS_FLEET_SYNC_SECONDS, default 300; 0 = off). */
export function scheduleFleetSync(): void {
  const every = Number(process.env.K2OPS_FLEET_SYNC_SECONDS ?? 300);
  if (timer || !every || !process.env.KAITU_CENTER_URL) return;
  const tick = () =>
    syncFleetFromCenter().catch((e) => logger.warn({ err: e }, "scheduled fleet sync failed; keeping the last known fleet"));
  setTimeout(tick, 2_000).unref();
  timer = setInterval(tick, every * 1000);
  timer.unref();
}
