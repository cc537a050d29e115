import os from "node:os";
import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { INTERRUPTED_MESSAGE } from "./index";
import { consoleProcessId } from "./process-id";

export { consoleProcessId } from "./process-id";

// Which console process wrote an audit intent, and whether it still lives
// (README "Several console processes"). Each process (replica or worker)
// registers in ConsoleProcess and beats every HEARTBEAT_MS; a pending intent
// becomes `interrupted` only when the process that wrote it has stopped beating
// for DEAD_AFTER_MS (or, for a row written before processes were recorded, when
// it predates this process's start). So a replica starting, or sweeping every
// minute, never takes a live replica's running operation for a dead one's, and
// a replica that dies has its intents closed by any other within about a minute.

/** Heartbeat period (ms). */
export const HEARTBEAT_MS = Number(process.env.K2OPS_PROCESS_HEARTBEAT_SECONDS ?? 10) * 1000;
/** A process whose last heartbeat is older than this (ms) is dead. */
export const DEAD_AFTER_MS = 3 * HEARTBEAT_MS;

const g = globalThis as unknown as { k2opsProcessBeat?: NodeJS.Timeout };

/** Records a heartbeat of `id` (now, by the database's clock). */
export async function beat(id = consoleProcessId()): Promise<void> {
  await db().$executeRaw`INSERT INTO "ConsoleProcess" (id, host, pid, "startedAt", "lastSeen") VALUES (${id}, ${os.hostname()}, ${process.pid}, now(), now())
    ON CONFLICT (id) DO UPDATE SET "lastSeen" = now()`;
}

/**
 * Completes as `interrupted` every pending intent whose process is dead: its
 * heartbeat older than `deadAfterMs`, or never recorded; rows with no process
 * (written before processes were recorded) only when older than `startedBefore`.
 * Node steps of durable jobs are left to the job engine. Returns the count.
 */
export async function sweepInterrupted(opts: { startedBefore: Date; me?: string; deadAfterMs?: number }): Promise<number> {
  const me = opts.me ?? consoleProcessId();
  const dead = `${Math.max(1, Math.round((opts.deadAfterMs ?? DEAD_AFTER_MS) / 1000))} seconds`;
  return db().$executeRaw`UPDATE "AuditEvent" a SET status = 'interrupted', "finishedAt" = now(), error = ${INTERRUPTED_MESSAGE}
    WHERE a.status = 'pending' AND a."userAgent" NOT LIKE 'k2ops job engine%'
      AND (
        (a.process IS NULL AND a.at < ${opts.startedBefore})
        OR (a.process IS NOT NULL AND a.process <> ${me}
            AND NOT EXISTS (SELECT 1 FROM "ConsoleProcess" p WHERE p.id = a.process AND p."lastSeen" > now() - ${dead}::interval))
      )`;
}

/**
 * Registers this process, sweeps once, then beats every HEARTBEAT_MS and sweeps
 * every 6th beat; processes silent for a day are forgotten. Idempotent; the timer
 * does not keep the process alive. Returns the first sweep's count.
 */
export async function startProcessHeartbeat(startedAt: Date): Promise<number> {
  await beat();
  const first = await sweepInterrupted({ startedBefore: startedAt });
  if (g.k2opsProcessBeat) return first;
  let n = 0;
  g.k2opsProcessBeat = setInterval(() => {
    n++;
    void (async () => {
      await beat();
      if (n % 6 !== 0) return;
      const closed = await sweepInterrupted({ startedBefore: startedAt });
      if (closed) logger.warn({ intents: closed }, "marked audit intents of a console process that stopped as interrupted");
      await db().$executeRaw`DELETE FROM "ConsoleProcess" WHERE "lastSeen" < now() - interval '1 day'`;
    })().catch((err) => logger.warn({ err }, "console process heartbeat failed"));
  }, HEARTBEAT_MS);
  g.k2opsProcessBeat.unref();
  return first;
}
