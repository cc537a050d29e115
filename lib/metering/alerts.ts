import { db } from "@/lib/db";
import type { MeterNode } from "@/lib/db/generated/client";
import { logger } from "@/lib/log";
import { consoleLink, notify } from "@/lib/notify";
import { gaugeOf, gibOf, limitBytesOf } from "./cycle";
import { meterWarnPercent } from "./gauge-row";
import type { ProviderSampleResult } from "./provider";

// Metering alerts through lib/notify (issue #13 "Operate"): a node crossing
// the warning %, a node cut, a reporter failing, a meter/provider divergence
// beyond the threshold. Each is raised ONCE per crossing: a MeterAlert row per
// node and kind is active while the condition holds; the transition from
// inactive to active (an atomic conditional upsert, so two console processes
// never both notify) sends the notice, and the alert clears when the condition
// is gone (the warning with 2 points of hysteresis, so a node hovering at the
// threshold does not notify every poll). Called from the poll path
// (schedule.pollNode after store.recordReading) and after each quota operation.

export const ALERT_KINDS = ["warning", "cut", "reporter-failing", "divergence"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
/** The warning clears only below warn% − this, so hovering at the threshold raises it once. */
export const WARN_HYSTERESIS_POINTS = 2;

export type AlertChange = { kind: AlertKind; change: "raised" | "cleared"; text: string };
/** How a raised alert is sent (tests replace it); default: lib/notify deliver() to the configured targets. */
export type Notifier = (n: { ipv4: string; kind: AlertKind; text: string }) => Promise<void>;

const defaultNotifier: Notifier = async ({ ipv4, kind, text }) => {
  await notify("metering", { event: `meter.${kind}`, jobId: `meter:${ipv4}`, kind: "meter", status: kind, total: 1, done: 0, failed: 0, text, link: consoleLink(`/nodes/${ipv4}`) });
};

/** Sets the alert's condition; returns "raised" on the inactive → active transition (exactly once across processes), "cleared" on active → inactive. */
export async function setAlert(ipv4: string, kind: AlertKind, active: boolean, text: string, at: Date): Promise<"raised" | "cleared" | null> {
  if (active) {
    const rows = await db().$queryRaw<{ nodeIpv4: string }[]>`
      INSERT INTO "MeterAlert" ("nodeIpv4", "kind", "active", "raisedAt", "detail", "updatedAt") VALUES (${ipv4}, ${kind}, true, ${at}, ${JSON.stringify({ text })}::jsonb, now())
      ON CONFLICT ("nodeIpv4", "kind") DO UPDATE SET "active" = true, "raisedAt" = EXCLUDED."raisedAt", "detail" = EXCLUDED."detail", "updatedAt" = now()
      WHERE NOT "MeterAlert"."active"
      RETURNING "nodeIpv4"`;
    return rows.length ? "raised" : null;
  }
  const n = await db().$executeRaw`UPDATE "MeterAlert" SET "active" = false, "clearedAt" = ${at}, "updatedAt" = now() WHERE "nodeIpv4" = ${ipv4} AND "kind" = ${kind} AND "active"`;
  return n ? "cleared" : null;
}

/**
 * `textOf(who)`: the notice about `who` (the node's name is read only for a notice that is sent).
 * `known`: the alert's state as last read (skips the write when it already is `active`). The
 * write itself stays the atomic conditional one, so two processes never both notify; a
 * transition another process made since the read is put right by the node's next poll.
 */
async function apply(ipv4: string, kind: AlertKind, active: boolean | null, textOf: (who: string) => string, at: Date, notify: Notifier, known?: boolean): Promise<AlertChange | null> {
  if (active === null) return null; // unknown: the alert keeps its state
  if (known === active) return null;
  const change = await setAlert(ipv4, kind, active, textOf(ipv4), at);
  if (!change) return null;
  let text = textOf(ipv4);
  if (change === "raised") {
    const node = await db().node.findUnique({ where: { ipv4 }, select: { name: true } });
    text = textOf(`${node?.name || ipv4} (${ipv4})`);
    logger.warn({ ipv4, kind, text }, "metering alert raised");
    try {
      await notify({ ipv4, kind, text });
      await db().meterAlert.update({ where: { nodeIpv4_kind: { nodeIpv4: ipv4, kind } }, data: { notifiedAt: new Date() } });
    } catch (err) {
      logger.warn({ err, ipv4, kind }, "metering alert could not be delivered");
    }
  } else logger.info({ ipv4, kind }, "metering alert cleared");
  return { kind, change, text };
}

/**
 * The warning, cut and reporter-failing alerts of one node from its latest
 * stored reading (MeterNode). Returns the transitions (raised/cleared). A node
 * whose metering is off or unlimited has none active.
 */
export async function evaluateReadingAlerts(ipv4: string, opts: { notify?: Notifier; warnPercent?: number; now?: Date; /** the node's row and its active alert kinds as just stored (recordReading returns both): not read again */ stored?: { node: MeterNode; activeAlerts: string[] } } = {}): Promise<AlertChange[]> {
  const [n, active] = opts.stored
    ? [opts.stored.node, opts.stored.activeAlerts]
    : await Promise.all([
        db().meterNode.findUnique({ where: { nodeIpv4: ipv4 } }),
        db().meterAlert.findMany({ where: { nodeIpv4: ipv4, active: true }, select: { kind: true } }).then((r) => r.map((x) => x.kind)),
      ]);
  if (!n || !n.at) return [];
  // a kind never raised reads as inactive
  const known = (k: AlertKind) => active.includes(k);
  const warn = opts.warnPercent ?? meterWarnPercent();
  const at = opts.now ?? n.at;
  const notify = opts.notify ?? defaultNotifier;
  const limitBytes = n.limitGb !== null && n.limitGb > 0 ? limitBytesOf(n.limitGb) : 0n;
  const g = gaugeOf({ metering: !!n.metering, limitBytes, usedBytes: n.used, cutObserved: !!n.cut || (!!n.metering && !!n.k2sPaused), warnPercent: warn });
  const pct = g.percentUsed;
  const used = n.used === null ? "?" : gibOf(n.used).toFixed(1);
  const bounded = g.state !== "metering-off" && g.state !== "unlimited";
  // at or over warn% → active; below warn − hysteresis (or no limit) → clear; in between → unchanged
  const warning = !bounded ? false : pct === null ? null : pct >= warn ? true : pct < warn - WARN_HYSTERESIS_POINTS ? false : null;
  const failing = !!n.reportFailAt && (!n.reportAt || n.reportFailAt > n.reportAt);
  const out: (AlertChange | null)[] = [
    await apply(ipv4, "warning", warning, (who) => `${who} crossed ${warn} % of its quota: ${used} of ${n.limitGb} GB used (${pct?.toFixed(1)} %)`, at, notify, known("warning")),
    await apply(ipv4, "cut", bounded ? g.state === "cut" : false, (who) => `${who} is CUT: the enforcer paused k2s at ${used} of ${n.limitGb} GB (limit − 500 MiB); clients cannot connect until the cycle ends (${n.cycleEndAt?.toISOString().slice(0, 10) ?? "?"}) or the limit is raised`, at, notify, known("cut")),
    await apply(ipv4, "reporter-failing", n.metering ? failing : false, (who) => `${who}: the usage reporter is failing (Center gets no usage from it): ${n.reportFailError ?? "see the sidecar log"}`, at, notify, known("reporter-failing")),
  ];
  return out.filter((x): x is AlertChange => !!x);
}

/** The divergence alert of one node from a provider comparison (null divergence: not comparable, state kept). */
export async function evaluateDivergenceAlert(ipv4: string, r: ProviderSampleResult, opts: { notify?: Notifier; now?: Date } = {}): Promise<AlertChange | null> {
  const text = (who: string) => `${who}: the meter and ${r.figure.provider}'s own figure diverge — ${r.divergence?.text ?? ""}`;
  return apply(ipv4, "divergence", r.divergence ? r.divergence.flagged : null, text, opts.now ?? new Date(), opts.notify ?? defaultNotifier);
}

/** The active alerts (all nodes, or one), newest first. */
export async function activeAlerts(ipv4?: string) {
  return db().meterAlert.findMany({ where: { active: true, ...(ipv4 ? { nodeIpv4: ipv4 } : {}) }, orderBy: { raisedAt: "desc" } });
}
