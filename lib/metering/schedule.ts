import crypto from "node:crypto";
import { db } from "@/lib/db";
import { logger } from "@/lib/log";
import { cutoffBytesOf, limitBytesOf } from "./cycle";
import { DEFAULT_LINK_BYTES_PER_SEC } from "./integrity";
import { nodeUsed, type MeterReading } from "./poll";
import { applyRetention, dueNodes, recordPollFailure, recordReading, retentionFromEnv, type RecordResult } from "./store";
import { evaluateDivergenceAlert, evaluateReadingAlerts, type Notifier } from "./alerts";
import { providerRefreshMinutes, pruneProviderSamples, refreshProviderFigures, type Sources } from "./provider";

// The durable scheduled meter poll (issue #13 "Collect"): a tick every minute on
// the job engine (pg-boss; the "stately" queue runs one tick at a time across
// all console processes, at most one more waiting) polls the nodes whose
// MeterNode.nextPollAt has come: every K2OPS_METER_POLL_MINUTES (default 5;
// 0 = off), every minute for a node near its cutoff. The schedule's state is
// the database (nextPollAt), so a tick lost with its process only delays the
// nodes it held to the next tick. Retention runs hourly on its own queue, the
// providers' own figures (provider.ts) every K2OPS_METER_PROVIDER_MINUTES on another.

export const METER_POLL_QUEUE = "k2ops-meter-poll";
export const METER_RETENTION_QUEUE = "k2ops-meter-retention";
/** The providers' own figures (provider.ts), on their own queue so slow provider APIs never hold up the poll. */
export const METER_PROVIDER_QUEUE = "k2ops-meter-provider";
/** Who a scheduled poll acts as (the node-op context's actor). */
export const METER_POLL_ACTOR = "schedule";

const DEFAULT_MINUTES = 5;

/** K2OPS_METER_POLL_MINUTES as minutes: unset/empty = 5, 0 = off; anything not a number >= 0 falls back to 5 (and says so). */
export function meterPollMinutes(raw: string | undefined = process.env.K2OPS_METER_POLL_MINUTES): number {
  if (raw === undefined || raw.trim() === "") return DEFAULT_MINUTES;
  const n = Number(raw);
  if (Number.isFinite(n) && n >= 0) return n;
  logger.warn({ value: raw }, `K2OPS_METER_POLL_MINUTES is not a number of minutes; using ${DEFAULT_MINUTES}`);
  return DEFAULT_MINUTES;
}

/** K2OPS_METER_LINK_GBPS (default 10) as bytes per second: the fastest a node's counters can plausibly move. */
export function linkBytesPerSec(raw: string | undefined = process.env.K2OPS_METER_LINK_GBPS): number {
  const n = Number(raw);
  return raw && Number.isFinite(n) && n > 0 ? (n * 1e9) / 8 : DEFAULT_LINK_BYTES_PER_SEC;
}

/** Within this share of the cutoff line a node counts as near it (polled every minute). */
export const NEAR_CUTOFF_SHARE = 0.9;
/** ... or when at its running rate it reaches the line within this long (ms). */
export const NEAR_CUTOFF_MS = 2 * 3600_000;

/**
 * The time to the node's next poll (ms): `baseMinutes`, or 1 minute while it
 * is near its cutoff: metered with a limit, not cut, and used at >= 90 % of
 * the line or the line within 2 h at `rateBytesPerSec`. Failed polls back off
 * (base × 2^failures, at most an hour).
 */
export function pollIntervalMs(n: { metering: boolean | null; limitGb: number | null; usedBytes: bigint | null; cut: boolean | null; rateBytesPerSec: number; failures?: number }, baseMinutes: number): number {
  const base = Math.max(1, baseMinutes) * 60_000;
  if (n.failures) return Math.min(3600_000, base * 2 ** Math.min(6, n.failures - 1));
  if (!n.metering || !n.limitGb || n.limitGb < 0 || n.usedBytes === null || n.cut) return base;
  const line = cutoffBytesOf(limitBytesOf(n.limitGb))!;
  if (n.usedBytes >= line) return base;
  const left = Number(line - n.usedBytes);
  const near = n.usedBytes * 10n >= line * BigInt(NEAR_CUTOFF_SHARE * 10) || (n.rateBytesPerSec > 0 && (left / n.rateBytesPerSec) * 1000 <= NEAR_CUTOFF_MS);
  return near ? Math.min(base, 60_000) : base;
}

/** Reads one node's meter (ONE SSH round trip); tests replace it. */
export type MeterReader = (ipv4: string) => Promise<{ reading: MeterReading; at: Date }>;

const sshReader: MeterReader = async (ipv4) => {
  const { readMeter } = await import("./poll");
  return readMeter(ipv4, { actor: METER_POLL_ACTOR, requestId: `meter-poll:${crypto.randomBytes(6).toString("hex")}` });
};

export type PollOutcome = { ipv4: string; ok: true; result: RecordResult; nextPollAt: Date } | { ipv4: string; ok: false; error: string; nextPollAt: Date };

/**
 * Polls one node and stores the reading (recordReading), scheduling its next
 * poll per pollIntervalMs; a failure is recorded with a back-off and returned,
 * never thrown.
 */
export async function pollNode(ipv4: string, opts: { reader?: MeterReader; baseMinutes?: number; /** the clock of a failure (tests) */ now?: Date; /** how raised alerts are sent (tests) */ notify?: Notifier } = {}): Promise<PollOutcome> {
  const base = opts.baseMinutes ?? (meterPollMinutes() || DEFAULT_MINUTES);
  try {
    const { reading, at } = await (opts.reader ?? sshReader)(ipv4);
    // the next poll from what this reading says (the used figure as the node states it)
    const next = (prevRate: number) => new Date(at.getTime() + pollIntervalMs({ metering: reading.metering, limitGb: reading.env?.limitGb ?? null, usedBytes: nodeUsed(reading).usedBytes, cut: reading.cut, rateBytesPerSec: prevRate }, base));
    const result = await recordReading(ipv4, reading, at, { linkBytesPerSec: linkBytesPerSec(), nextPollAt: next });
    const nextPollAt = result.node.nextPollAt;
    // warning %, cut, reporter failing: raised once per crossing (alerts.ts)
    if (result.accepted) await evaluateReadingAlerts(ipv4, { notify: opts.notify, stored: result }).catch((err) => logger.warn({ err, ipv4 }, "metering alerts could not be evaluated"));
    return { ipv4, ok: true, result, nextPollAt };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    const failures = ((await db().meterNode.findUnique({ where: { nodeIpv4: ipv4 }, select: { failures: true } }))?.failures ?? 0) + 1;
    const now = opts.now ?? new Date();
    const nextPollAt = new Date(now.getTime() + pollIntervalMs({ metering: null, limitGb: null, usedBytes: null, cut: null, rateBytesPerSec: 0, failures }, base));
    await recordPollFailure(ipv4, error, now, nextPollAt).catch((err) => logger.warn({ err, ipv4 }, "meter poll failure could not be recorded"));
    return { ipv4, ok: false, error, nextPollAt };
  }
}

/**
 * One tick: polls every node due at `now` (at most `limit`), `concurrency` at
 * a time (default K2OPS_METER_POLL_CONCURRENCY or 16). Returns each outcome.
 */
export async function runMeterPollTick(opts: { now?: Date; reader?: MeterReader; concurrency?: number; limit?: number; baseMinutes?: number } = {}): Promise<PollOutcome[]> {
  const due = await dueNodes(opts.now ?? new Date(), opts.limit ?? 2000);
  const conc = Math.max(1, opts.concurrency ?? Number(process.env.K2OPS_METER_POLL_CONCURRENCY ?? 16));
  const out: PollOutcome[] = [];
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(conc, due.length) }, async () => {
      while (i < due.length) {
        const ip = due[i++];
        out.push(await pollNode(ip, { reader: opts.reader, baseMinutes: opts.baseMinutes, now: opts.now }));
      }
    }),
  );
  return out;
}

/**
 * Puts the meter poll on the job engine (pg-boss), as lib/fleet/verify-schedule
 * does: a tick every minute (one at a time across console processes) polling
 * the nodes due, a first tick `firstDelayMs` after start (default 30 s: after
 * the first sync from Center, deduplicated across processes starting
 * together), and retention every hour. Returns false when the poll is off
 * (K2OPS_METER_POLL_MINUTES=0; an earlier schedule is removed).
 */
export async function scheduleMeterPoll(opts: { everyMinutes?: number; firstDelayMs?: number; reader?: MeterReader; onTick?: (o: PollOutcome[]) => void } = {}): Promise<boolean> {
  const { engine } = await import("@/lib/jobs/engine");
  const e = engine();
  if (!e) throw new Error("the job engine is not running in this process");
  const minutes = opts.everyMinutes ?? meterPollMinutes();
  const boss = e.boss;
  for (const q of [METER_POLL_QUEUE, METER_RETENTION_QUEUE, METER_PROVIDER_QUEUE]) {
    if (!(await boss.getQueue(q))) await boss.createQueue(q, { policy: "stately", retryLimit: 0, expireInSeconds: 15 * 60 } as never).catch(async (err) => {
      if (!(await boss.getQueue(q))) throw err;
    });
  }
  if (!minutes) {
    await boss.unschedule(METER_POLL_QUEUE).catch(() => undefined);
    await boss.unschedule(METER_RETENTION_QUEUE).catch(() => undefined);
    await boss.unschedule(METER_PROVIDER_QUEUE).catch(() => undefined);
    return false;
  }
  await boss.work(METER_POLL_QUEUE, { pollingIntervalSeconds: 1 }, async () => {
    try {
      const out = await runMeterPollTick({ reader: opts.reader, baseMinutes: minutes });
      const failed = out.filter((o) => !o.ok).length;
      if (out.length) logger.info({ polled: out.length, failed }, "meter poll tick");
      opts.onTick?.(out);
    } catch (err) {
      logger.warn({ err }, "meter poll tick failed; the nodes stay due for the next tick");
    }
  });
  await boss.work(METER_RETENTION_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
    const deleted = await applyRetention().catch((err) => logger.warn({ err }, "meter retention failed"));
    await pruneProviderSamples(new Date(), retentionFromEnv().dailyDays).catch((err) => logger.warn({ err }, "provider sample retention failed"));
    if (deleted) logger.info({ deleted }, "meter retention applied");
  });
  await boss.schedule(METER_POLL_QUEUE, "* * * * *");
  // the providers' figures: every 5 minutes the queue looks, maybeRefreshProviders reads them when K2OPS_METER_PROVIDER_MINUTES have passed
  await boss.work(METER_PROVIDER_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
    const n = await maybeRefreshProviders(new Date()).catch((err) => logger.warn({ err }, "provider figures could not be refreshed"));
    if (n) logger.info({ nodes: n }, "provider figures read");
  });
  await boss.schedule(METER_RETENTION_QUEUE, "17 * * * *");
  await boss.schedule(METER_PROVIDER_QUEUE, "*/5 * * * *");
  await boss.send(METER_POLL_QUEUE, {}, { startAfter: new Date(Date.now() + (opts.firstDelayMs ?? 30_000)), singletonKey: "first-tick", singletonSeconds: 120 } as never);
  // the providers' figures once soon after start too (after the first poll has stored the nodes' figures to compare with)
  await boss.send(METER_PROVIDER_QUEUE, {}, { startAfter: new Date(Date.now() + (opts.firstDelayMs ?? 30_000) + 30_000), singletonKey: "first-provider", singletonSeconds: 120 } as never);
  logger.info({ everyMinutes: minutes }, "meter poll scheduled");
  return true;
}

/**
 * Reads the providers' figures (provider.ts refreshProviderFigures) when the
 * newest stored one is older than K2OPS_METER_PROVIDER_MINUTES (default 30;
 * 0 = off), and raises/clears each node's divergence alert. Runs on its own
 * stately queue (one at a time across console processes).
 */
export async function maybeRefreshProviders(now: Date, opts: { notify?: Notifier; /** default: from the environment */ sources?: Sources | null; minutes?: number } = {}): Promise<number> {
  const minutes = opts.minutes ?? providerRefreshMinutes();
  if (!minutes) return 0;
  const last = await db().meterProviderSample.findFirst({ orderBy: { at: "desc" }, select: { at: true } });
  if (last && now.getTime() - last.at.getTime() < minutes * 60_000) return 0;
  const out = await refreshProviderFigures({ now, sources: opts.sources });
  for (const o of out) if (o.result) await evaluateDivergenceAlert(o.ipv4, o.result, { notify: opts.notify, now });
  return out.length;
}
