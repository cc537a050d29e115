import crypto from "node:crypto";
import { ActionFailure } from "@/lib/errors";
import { Arg, cmd, deployDir } from "@/lib/guardrails/command";
import { check, dirOf, onNode, planOnNode, raw, type Ctx, type OpResult } from "@/lib/node-ops/ops";
import { sshEngine } from "@/lib/node-ops/engine";
import { envApplyScript } from "@/lib/node-ops/env-apply";
import { describeChanges } from "@/lib/node-ops/env-file";
import type { SshTarget } from "@/lib/ssh/engine";
import { msg, type Text } from "@/lib/text";
import { BYTES_PER_GIB, cycleOfEnd, enforcerCuts, gaugeOf, gibOf, limitBytesOf, type BillingMode, type GaugeState } from "./cycle";
import { meterPollScript, nodeUsed, parseMeterPoll, type MeterReading } from "./poll";
import { prorateCreationMonth } from "./proration";
import { recordReading } from "./store";

// The quota operations on one node (issue #13 "Operate"; metering.md Parts
// C and E; node-behavior.md §4.5, §4.8): each under the node's lock (onNode),
// called by audited server actions (app/(console)/nodes/[ip]/quota-actions.ts),
// and each VERIFIED by fresh meter reads (the poll's one-round-trip script)
// until the running sidecar shows the effect or the verification times out:
//   setUsage        `docker exec k2-sidecar k2-sidecar -c … set-usage <GB>`, then
//                   `docker compose restart k2-sidecar` (Part C: the running process
//                   loads the new traffic.state; the .env is unchanged so restart is
//                   right here), verified: the state holds the seed, the sidecar
//                   restarted and reports it;
//   configureQuota  billing date / limit / mode in .env (the node-ops .env planner:
//                   same validation as the .env editor), applied with
//                   `docker compose up -d k2-sidecar` — NEVER restart, which keeps the
//                   old environment (Part E, guardrails) — verified: the recreated
//                   sidecar reports the new limit, its cycle follows the day, the
//                   enforcer agrees; optionally a seed (set-usage) after, as a new
//                   billing day re-anchors the cycle (usage back to 0, §4.4);
//   applyProrationSeed  Part C method B: the full limit + set-usage of the month's
//                   phantom part plus what is used (recomputed from a fresh read);
//   recoverCut      Part E: a higher limit (up -d k2-sidecar), verified: k2s unpaused
//                   and cutoff.state {"cut":false}.
// The final reading is stored like a poll's (store.recordReading).

/** The codes of the checks' labels (metering.ops.checks.<code>). */
export type CheckCode =
  | "stateHoldsSeed"
  | "sidecarRestarted"
  | "reportsSeed"
  | "countsSeed"
  | "envHasQuota"
  | "sidecarRecreated"
  | "sidecarRuns"
  | "usesNewLimit"
  | "cycleFollowsDay"
  | "enforcerKeepsPaused"
  | "k2sRuns";
/**
 * A verification step's result: `label` in English (summaries, the audit log), `code` the
 * same label as a code (the page's); `detail` is the node's readout (English, technical).
 */
export type Check = { label: string; code: CheckCode; ok: boolean; detail: string };
export type QuotaOpParsed = {
  /** every check passed within the verification window */
  verified: boolean;
  checks: Check[];
  /** meter reads it took */
  polls: number;
  gauge: { state: GaugeState; usedGib: number | null; limitGb: number | null; percentUsed: number | null; k2sPaused: boolean | null };
  changes: { key: string; from: string; to: string }[];
  warnings: string[];
  /** the seed written with set-usage, GB */
  seedGb: number | null;
};

type Read = { reading: MeterReading; at: Date };

/** K2OPS_METER_VERIFY_TIMEOUT_MS (default 90 s) and _INTERVAL_MS (default 3 s): how long and how often a quota operation re-reads the meter. */
export function verifyTiming(env: Record<string, string | undefined> = process.env): { timeoutMs: number; intervalMs: number } {
  const n = (v: string | undefined, d: number) => (v && Number(v) > 0 ? Number(v) : d);
  return { timeoutMs: n(env.K2OPS_METER_VERIFY_TIMEOUT_MS, 90_000), intervalMs: n(env.K2OPS_METER_VERIFY_INTERVAL_MS, 3_000) };
}

async function readOn(t: SshTarget): Promise<Read> {
  const token = crypto.randomBytes(12).toString("hex");
  const r = await sshEngine().runScript(t, meterPollScript(token), { timeoutMs: 20_000, maxStdout: 256 * 1024 });
  check(r, "Reading the meter");
  return { reading: parseMeterPoll(r.stdout, token), at: new Date() };
}

/** Re-reads the meter until every check passes or the window ends; returns the last read and its checks. */
async function waitFor(t: SshTarget, judge: (r: Read) => Check[]): Promise<{ last: Read; checks: Check[]; ok: boolean; polls: number }> {
  const { timeoutMs, intervalMs } = verifyTiming();
  const until = Date.now() + timeoutMs;
  let polls = 0;
  for (;;) {
    const last = await readOn(t);
    polls++;
    const checks = judge(last);
    const ok = checks.every((c) => c.ok);
    if (ok || Date.now() + intervalMs > until) return { last, checks, ok, polls };
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const g1 = (b: bigint | null | undefined) => (b === null || b === undefined ? "?" : gibOf(b).toFixed(1));
const later = (a: Date | null | undefined, b: Date | null | undefined) => !!a && (!b || a.getTime() > b.getTime());

/** The checks of a set-usage of `gb` after `before`: the state holds it, the sidecar restarted and the running process counts it. */
export function setUsageChecks(before: MeterReading, r: MeterReading, gb: number): Check[] {
  const seed = BigInt(gb) * BYTES_PER_GIB;
  const st = r.trafficState;
  const started = r.sidecar?.startedAt ?? null;
  const ok = r.reporter.ok;
  const used = nodeUsed(r).usedBytes;
  return [
    { label: "traffic.state holds the seed", code: "stateHoldsSeed", ok: st?.priorUsedBytes === seed, detail: `prior_used_bytes ${st ? st.priorUsedBytes : "unreadable"} (expected ${seed})` },
    { label: "the sidecar restarted and runs", code: "sidecarRestarted", ok: r.sidecar?.status === "running" && later(started, before.sidecar?.startedAt), detail: `k2-sidecar ${r.sidecar?.status ?? "missing"} since ${started?.toISOString() ?? "?"}` },
    {
      label: "the running sidecar reports the seeded usage",
      code: "reportsSeed",
      ok: !!ok && !!started && ok.at.getTime() >= started.getTime() && ok.cumulativeBytes >= seed && (!st || ok.epochUnix === st.cycleEndUnix),
      detail: ok ? `latest usage report ${ok.at.toISOString()}: cumulative ${g1(ok.cumulativeBytes)} GiB (seed ${gb} GiB)` : "no usage report yet",
    },
    { label: "the node counts at least the seed", code: "countsSeed", ok: used !== null && used >= seed, detail: `used ${g1(used)} GiB` },
  ];
}

/** The checks after an .env change applied with up -d k2-sidecar: the .env, a recreated sidecar with the new limit, a cycle of the day, an enforcer that agrees. */
export function configureChecks(before: MeterReading, r: MeterReading, want: { billingDay: number; limitGb: number; mode: BillingMode }, changed: boolean, requireUnpaused = false): Check[] {
  const env = r.env;
  const started = r.sidecar?.startedAt ?? null;
  const ok = r.reporter.ok;
  const st = r.trafficState;
  const used = nodeUsed(r).usedBytes;
  const limitBytes = limitBytesOf(want.limitGb);
  const shouldCut = used !== null && enforcerCuts(used, limitBytes);
  const out: Check[] = [
    { label: ".env has the new quota", code: "envHasQuota", ok: env?.billingDay === want.billingDay && env?.limitGb === want.limitGb && env?.mode === want.mode, detail: env ? `billing date ${env.billingDate ?? "unset"}, limit ${env.limitGb ?? "unset"} GB, mode ${env.mode}` : ".env unreadable" },
    { label: changed ? "the sidecar was recreated (up -d) and runs" : "the sidecar runs", code: changed ? "sidecarRecreated" : "sidecarRuns", ok: r.sidecar?.status === "running" && (!changed || later(started, before.sidecar?.startedAt)), detail: `k2-sidecar ${r.sidecar?.status ?? "missing"} since ${started?.toISOString() ?? "?"}` },
    {
      label: "the running sidecar uses the new limit",
      code: "usesNewLimit",
      ok: !!ok && !!started && ok.at.getTime() >= started.getTime() && ok.quotaTotalBytes === limitBytes,
      detail: ok ? `latest usage report ${ok.at.toISOString()}: quotaTotal ${g1(ok.quotaTotalBytes)} GiB` : "no usage report yet",
    },
    { label: "the cycle follows the billing day", code: "cycleFollowsDay", ok: !!st && cycleOfEnd(want.billingDay, new Date(st.cycleEndUnix * 1000)).matchesDay, detail: st ? `cycle ends ${new Date(st.cycleEndUnix * 1000).toISOString()}` : "traffic.state unreadable" },
    { label: shouldCut ? "the enforcer keeps k2s paused (used over the line)" : "k2s runs (not cut)", code: shouldCut ? "enforcerKeepsPaused" : "k2sRuns", ok: r.k2s !== null && r.k2s.paused === shouldCut && (!requireUnpaused || r.cut !== true), detail: `k2s ${r.k2s ? (r.k2s.paused ? "paused" : r.k2s.status) : "missing"}, cutoff.state ${r.cut === null ? "absent" : r.cut ? "cut" : "not cut"}, used ${g1(used)} GiB, line ${g1(limitBytes - 524_288_000n)} GiB` },
  ];
  return out;
}

function gaugeView(r: MeterReading): QuotaOpParsed["gauge"] {
  const used = nodeUsed(r).usedBytes;
  const limitGb = r.env?.limitGb ?? null;
  const g = gaugeOf({ metering: !!r.metering, limitBytes: limitGb && limitGb > 0 ? limitBytesOf(limitGb) : 0n, usedBytes: used, cutObserved: r.cut === true || (!!r.metering && !!r.k2s?.paused) });
  return { state: g.state, usedGib: used === null ? null : gibOf(used), limitGb, percentUsed: g.percentUsed, k2sPaused: r.k2s?.paused ?? null };
}

/** K2_NODE_BILLING_START_DATE for billing day `day`: the current date when its day is already `day`, else `<year>-01-<day>` (January has every day). */
export function billingDateFor(day: number, current: string | null, now = new Date()): string {
  if (current && /^\d{4}-\d{2}-\d{2}$/.test(current) && Number(current.slice(8, 10)) === day) return current;
  return `${now.getUTCFullYear()}-01-${String(day).padStart(2, "0")}`;
}

type Node = Parameters<Parameters<typeof onNode>[2]>[1];

/** Writes .env settings (validated by the .env planner) and applies them with up -d k2-sidecar (never restart). */
async function writeAndUp(t: SshTarget, node: Node, set: Record<string, string>, isAdmin: boolean): Promise<{ changes: QuotaOpParsed["changes"]; warnings: string[]; raw: string }> {
  const { dir, plan } = await planOnNode(t, node, { set, unset: [], secrets: {} }, isAdmin);
  if (plan.problems.length) throw new ActionFailure("failed", msg`Nothing was changed: ${plan.problems.map((p) => `${p.key}: ${p.message}`).join("; ")}`);
  const warnings = plan.warnings.map((w) => `${w.key}: ${w.message}`);
  if (!plan.changes.length) return { changes: [], warnings, raw: "" };
  const w = await sshEngine().runScript(t, envApplyScript(dir, plan.changes.map((c) => ({ key: c.key, value: c.to }))), { sudo: true, timeoutMs: 30_000 });
  check(w, "Writing the .env");
  // Compose re-reads .env only when it recreates the container: up -d, never restart
  const up = await sshEngine().exec(t, cmd`cd ${deployDir(dir)} && sudo docker compose up -d k2-sidecar`, { timeoutMs: 5 * 60_000 });
  check(up, "up -d k2-sidecar after the .env change");
  return { changes: describeChanges(plan.changes), warnings, raw: raw(w) + "\n" + raw(up) };
}

/**
 * set-usage + restart, verified; once more when the restarted sidecar did not load the seed because
 * the old process persisted its own baseline between the two (node-behavior.md §4.8, the race the
 * runbook warns of: traffic.state holds another floor although the sidecar restarted).
 */
async function setUsageVerified(t: SshTarget, node: Node, before: Read, gb: number): Promise<{ v: Awaited<ReturnType<typeof waitFor>>; raw: string; attempts: number }> {
  let raw = await runSetUsage(t, node, gb);
  let v = await waitFor(t, (r) => setUsageChecks(before.reading, r.reading, gb));
  const overwritten = (x: typeof v) => !x.ok && !x.checks[0].ok && x.checks[1].ok;
  if (!overwritten(v)) return { v, raw, attempts: 1 };
  const again = v.last;
  raw += "\n" + (await runSetUsage(t, node, gb));
  v = await waitFor(t, (r) => setUsageChecks(again.reading, r.reading, gb));
  return { v, raw, attempts: 2 };
}

/** set-usage <gb> then the restart that loads it (Part C), in one command so the running sidecar's once-a-minute persist has the least chance to come between. */
async function runSetUsage(t: SshTarget, node: Node, gb: number): Promise<string> {
  const r = await sshEngine().exec(t, cmd`sudo docker exec k2-sidecar k2-sidecar -c /tmp/sidecar-config.yaml set-usage ${Arg.of(String(gb))} && cd ${deployDir(dirOf(node))} && sudo docker compose restart k2-sidecar`, { timeoutMs: 3 * 60_000 });
  check(r, "set-usage + restart of k2-sidecar");
  return raw(r);
}

function requireMetering(r: MeterReading, what: string | Text): void {
  if (r.env === null) throw new ActionFailure("failed", "The node's .env could not be read: nothing was changed.");
  if (!r.metering) throw new ActionFailure("conflict", msg`${what} needs metering on (K2_NODE_BILLING_START_DATE): configure the quota first. Nothing was changed.`);
  if (r.sidecar?.status !== "running") throw new ActionFailure("conflict", msg`k2-sidecar is ${r.sidecar?.status ?? "missing"}: ${what} needs the running sidecar. Nothing was changed.`);
}

async function finish(ipv4: string, last: Read): Promise<void> {
  await recordReading(ipv4, last.reading, last.at);
  const { evaluateReadingAlerts } = await import("./alerts");
  await evaluateReadingAlerts(ipv4).catch(() => undefined);
}

const summaryOf = (what: Text, v: { ok: boolean; checks: Check[] }): Text =>
  v.ok ? msg`${what}; verified on the node` : msg`${what}; NOT verified: ${v.checks.filter((c) => !c.ok).map((c) => `${c.label} (${c.detail})`).join("; ")}`;

/** set-usage <gb> (Part C), verified. Throws ActionFailure when metering is off or the sidecar is not running (nothing changed). */
export async function setUsage(ipv4: string, gb: number, ctx: Ctx): Promise<OpResult<QuotaOpParsed>> {
  const out = await onNode(ipv4, { name: "node.meter.set-usage", mutating: true, ctx }, async (t, node) => {
    const before = await readOn(t);
    requireMetering(before.reading, "set-usage");
    const s = await setUsageVerified(t, node, before, gb);
    return { v: s.v, rawOut: s.raw, attempts: s.attempts };
  });
  await finish(ipv4, out.v.last);
  return {
    summary: summaryOf(out.attempts > 1 ? msg`set-usage ${gb} GB and k2-sidecar restarted (twice: the running sidecar's persist overwrote the first)` : msg`set-usage ${gb} GB and k2-sidecar restarted`, out.v),
    parsed: { verified: out.v.ok, checks: out.v.checks, polls: out.v.polls, gauge: gaugeView(out.v.last.reading), changes: [], warnings: [], seedGb: gb },
    raw: out.rawOut,
    command: `sudo docker exec k2-sidecar k2-sidecar -c /tmp/sidecar-config.yaml set-usage ${gb} && sudo docker compose restart k2-sidecar`,
  };
}

/** Billing day / limit / mode in .env, up -d k2-sidecar, verified; then set-usage `seedGb` when given. */
export async function configureQuota(ipv4: string, q: { billingDay: number; limitGb: number; mode: BillingMode; seedGb?: number | null }, isAdmin: boolean, ctx: Ctx, opts: { requireUnpaused?: boolean; name?: string } = {}): Promise<OpResult<QuotaOpParsed>> {
  const out = await onNode(ipv4, { name: opts.name ?? "node.meter.configure", mutating: true, ctx }, async (t, node) => {
    const before = await readOn(t);
    if (before.reading.env === null) throw new ActionFailure("failed", "The node's .env could not be read: nothing was changed.");
    const set = { K2_NODE_BILLING_START_DATE: billingDateFor(q.billingDay, before.reading.env.billingDate), K2_NODE_TRAFFIC_LIMIT_GB: String(q.limitGb), K2_NODE_TRAFFIC_BILLING_MODE: q.mode };
    const w = await writeAndUp(t, node, set, isAdmin);
    const changed = w.changes.length > 0;
    let v = await waitFor(t, (r) => configureChecks(before.reading, r.reading, q, changed, opts.requireUnpaused));
    let rawOut = w.raw;
    const checks = [...v.checks];
    let polls = v.polls;
    if (q.seedGb !== null && q.seedGb !== undefined && v.ok) {
      const su = await setUsageVerified(t, node, v.last, q.seedGb);
      rawOut += "\n" + su.raw;
      checks.push(...su.v.checks);
      polls += su.v.polls;
      v = { ...su.v, checks };
    }
    return { v: { ...v, checks, ok: checks.every((c) => c.ok), polls }, w, rawOut };
  });
  await finish(ipv4, out.v.last);
  const what = out.w.changes.length ? msg`${out.w.changes.map((c) => `${c.key}=${c.to}`).join(", ")} applied with up -d k2-sidecar` : msg`the .env already had this quota (nothing written)`;
  return {
    summary: summaryOf(q.seedGb !== null && q.seedGb !== undefined ? msg`${what}; set-usage ${q.seedGb} GB` : what, out.v),
    parsed: { verified: out.v.ok, checks: out.v.checks, polls: out.v.polls, gauge: gaugeView(out.v.last.reading), changes: out.w.changes, warnings: out.w.warnings, seedGb: q.seedGb ?? null },
    raw: out.rawOut,
    command: "sudo -n bash -s (.env edit on stdin) + docker compose up -d k2-sidecar" + (q.seedGb !== null && q.seedGb !== undefined ? " + set-usage + compose restart k2-sidecar" : ""),
  };
}

/**
 * Part E: raise the limit of a CUT node to `limitGb` (up -d k2-sidecar), verified
 * by k2s unpaused and cutoff.state not cut. Refused (nothing changed) when the
 * node is not cut, or when `limitGb` would keep it cut.
 */
export async function recoverCut(ipv4: string, limitGb: number, isAdmin: boolean, ctx: Ctx): Promise<OpResult<QuotaOpParsed>> {
  // the state as the node has it now, read under no lock (the change below takes it)
  const now = await onNode(ipv4, { name: "node.meter.poll", mutating: false, ctx }, (t) => readOn(t));
  const r = now.reading;
  requireMetering(r, msg`recovery`);
  const cut = r.cut === true || !!r.k2s?.paused;
  if (!cut) throw new ActionFailure("conflict", "The node is not cut (k2s runs): nothing to recover. Use Configure quota to change its limit.");
  const used = nodeUsed(r).usedBytes;
  if (used !== null && enforcerCuts(used, limitBytesOf(limitGb))) {
    const min = Number((used + 524_288_000n) / BYTES_PER_GIB) + 1;
    throw new ActionFailure("conflict", msg`A limit of ${limitGb} GB keeps the node cut (used ${g1(used)} GiB ≥ ${limitGb} GiB − 500 MiB): at least ${min} GB. Nothing was changed.`);
  }
  return configureQuota(ipv4, { billingDay: r.env!.billingDay!, limitGb, mode: r.env!.mode, seedGb: null }, isAdmin, ctx, { requireUnpaused: true, name: "node.meter.recover" });
}

/**
 * Part C method B for a Lightsail node's creation month: the full limit (an
 * .env change only when needed) + set-usage of the seed, recomputed from a
 * fresh read of the node's usage (the seed replaces the prior floor, so it
 * includes what the node already counts). Verified like both operations.
 */
export async function applyProrationSeed(ipv4: string, p: { createdAt: Date; bundleGb: number; fullLimitGb: number }, isAdmin: boolean, ctx: Ctx): Promise<OpResult<QuotaOpParsed & { workings: string[] }>> {
  const out = await onNode(ipv4, { name: "node.meter.prorate", mutating: true, ctx }, async (t, node) => {
    const before = await readOn(t);
    requireMetering(before.reading, msg`proration`);
    const env = before.reading.env!;
    const used = nodeUsed(before.reading).usedBytes ?? 0n;
    const pr = prorateCreationMonth({ createdAt: p.createdAt, bundleGb: p.bundleGb, fullLimitGb: p.fullLimitGb, currentUsedBytes: used });
    const now = new Date();
    if (now.getTime() >= pr.nextMonthStart.getTime()) throw new ActionFailure("conflict", msg`The creation month (${pr.monthStart.toISOString().slice(0, 7)}) is over: proration applies to it only; from ${pr.nextMonthStart.toISOString().slice(0, 10)} the full limit is right. Nothing was changed.`);
    const checks: Check[] = [];
    let polls = 0;
    let rawOut = "";
    let changes: QuotaOpParsed["changes"] = [];
    let warnings: string[] = [...pr.warnings];
    let base = before;
    if (env.limitGb !== p.fullLimitGb) {
      const w = await writeAndUp(t, node, { K2_NODE_TRAFFIC_LIMIT_GB: String(p.fullLimitGb) }, isAdmin);
      ({ changes } = w);
      warnings = [...warnings, ...w.warnings];
      rawOut += w.raw;
      const v = await waitFor(t, (r) => configureChecks(before.reading, r.reading, { billingDay: env.billingDay!, limitGb: p.fullLimitGb, mode: env.mode }, w.changes.length > 0).filter((c) => !c.label.startsWith("the enforcer") && !c.label.startsWith("k2s")));
      checks.push(...v.checks);
      polls += v.polls;
      base = v.last;
      if (!v.ok) return { last: v.last, checks, polls, rawOut, changes, warnings, pr, seedGb: null as number | null };
    }
    const seedGb = pr.fullLimitWithSeed.setUsageGb;
    const su = await setUsageVerified(t, node, base, seedGb);
    rawOut += "\n" + su.raw;
    checks.push(...su.v.checks);
    polls += su.v.polls;
    return { last: su.v.last, checks, polls, rawOut, changes, warnings, pr, seedGb: seedGb as number | null };
  });
  await finish(ipv4, out.last);
  const ok = out.checks.every((c) => c.ok);
  return {
    summary: summaryOf(msg`creation-month proration (method B): limit ${p.fullLimitGb} GB + set-usage ${out.seedGb ?? msg`(not run)`} GB, clears ${out.pr.nextMonthStart.toISOString().slice(0, 10)}`, { ok, checks: out.checks }),
    parsed: { verified: ok, checks: out.checks, polls: out.polls, gauge: gaugeView(out.last.reading), changes: out.changes, warnings: out.warnings, seedGb: out.seedGb, workings: out.pr.workings },
    raw: out.rawOut,
    command: "limit in .env + up -d k2-sidecar (when needed) + set-usage + compose restart k2-sidecar",
  };
}

/** A fresh meter read (read-only, no lock), stored like a poll's: the node page's "read the meter now". */
export async function pollNow(ipv4: string, ctx: Ctx): Promise<{ gauge: QuotaOpParsed["gauge"]; problems: string[]; at: string }> {
  const r = await onNode(ipv4, { name: "node.meter.poll", mutating: false, ctx }, (t) => readOn(t));
  await finish(ipv4, r);
  return { gauge: gaugeView(r.reading), problems: r.reading.problems, at: r.at.toISOString() };
}
