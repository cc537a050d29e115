import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { msg } from "@/lib/text";
import { consoleLink, deliver, type DeliveryResult, type JobNotice } from "./index";
import { envTargets, openTarget, type NotifyCategory, type NotifyTarget } from "./targets";

// Settings → Notifications' delivery log, its "send test" and its "send again".

export type DeliveryView = {
  id: string;
  at: string;
  targetName: string;
  targetKind: string;
  category: string;
  event: string;
  status: "delivering" | "delivered" | "failed";
  attempts: number;
  lastError: string | null;
  finishedAt: string | null;
  text: string;
  retryOf: string | null;
  /** a stored target still exists (or the environment's still is set): it can be sent again */
  canResend: boolean;
};

/** The newest deliveries first (`limit` ≤ 200, default 50), with `total` rows in the log. */
export async function listDeliveries(opts: { limit?: number; status?: "delivered" | "failed" | "delivering" } = {}): Promise<{ rows: DeliveryView[]; total: number }> {
  const where = opts.status ? { status: opts.status } : {};
  const [rows, total, targets] = await Promise.all([
    db().notifyDelivery.findMany({ where, orderBy: { at: "desc" }, take: Math.min(200, Math.max(1, opts.limit ?? 50)) }),
    db().notifyDelivery.count({ where }),
    db().notifyTarget.findMany({ select: { id: true } }),
  ]);
  const live = new Set(targets.map((t) => t.id));
  const envNames = new Set(envTargets().map((t) => t.name));
  return {
    total,
    rows: rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      targetName: r.targetName,
      targetKind: r.targetKind,
      category: r.category,
      event: r.event,
      status: r.status as DeliveryView["status"],
      attempts: r.attempts,
      lastError: r.lastError,
      finishedAt: r.finishedAt?.toISOString() ?? null,
      text: (r.notice as JobNotice).text,
      retryOf: r.retryOf,
      canResend: r.status === "failed" && (r.targetId ? live.has(r.targetId) : envNames.has(r.targetName)),
    })),
  };
}

async function targetOf(row: { targetId: string | null; targetName: string }): Promise<NotifyTarget> {
  if (row.targetId) return openTarget(row.targetId);
  const t = envTargets().find((e) => e.name === row.targetName);
  if (!t) throw new ActionFailure("not_found", msg`${row.targetName} is no longer set in this console's environment.`);
  return t;
}

/**
 * Sends a failed delivery's notice again to the same target (a new log row linked
 * by `retryOf`). Throws ActionFailure: not_found (no such delivery, or its target
 * is gone), conflict (it did not fail).
 */
export async function resendDelivery(id: string, opts: { delaysMs?: number[] } = {}): Promise<DeliveryResult> {
  const row = await db().notifyDelivery.findUnique({ where: { id } });
  if (!row) throw new ActionFailure("not_found", "No such delivery.");
  if (row.status !== "failed") throw new ActionFailure("conflict", row.status === "delivered" ? msg`That delivery was delivered; only a failed one is sent again.` : msg`That delivery is still being tried; only a failed one is sent again.`);
  const target = await targetOf(row);
  const [r] = await deliver(row.notice as JobNotice, [target], { ...opts, category: row.category as NotifyCategory, retryOf: row.id });
  return r;
}

/**
 * Sends a test notice to one target: a stored one by id, or an environment one by
 * its variable's name. Resolves with the outcome (delivered or not, attempts);
 * throws ActionFailure("not_found") for an unknown target.
 */
export async function sendTest(target: { id: string } | { envName: string }, by: string, opts: { delaysMs?: number[] } = {}): Promise<DeliveryResult> {
  const t = "id" in target ? await openTarget(target.id) : envTargets().find((e) => e.name === target.envName);
  if (!t) throw new ActionFailure("not_found", "No such target.");
  const notice: JobNotice = { event: "test", jobId: "test", kind: "test", status: "test", total: 0, done: 0, failed: 0, text: `test notice from k2ops, sent by ${by} to ${t.name}`, link: consoleLink("/settings/notifications") };
  const [r] = await deliver(notice, [t], { ...opts, category: "test" });
  return r;
}
