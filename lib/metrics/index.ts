import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { db, JobStatus } from "@/lib/db";
import { activityOf, type Activity } from "@/lib/fleet/activity";
import { gaugeOfRow, meterKnown, meterWarnPercent } from "@/lib/metering/gauge-row";
import type { GaugeState } from "@/lib/metering/cycle";
import { sshPoolStats, type SshPoolStats } from "./ssh";

// The fleet as Prometheus metrics (the /metrics endpoint, for Grafana). Read
// only: a few queries over what the console already stores (Node, MeterNode,
// Job, Setting), plus this process's SSH pool. Every scrape builds a fresh
// Registry, so repeated scrapes (and hot reloads) never meet "already
// registered"; the process metrics (collectDefaultMetrics) live in one
// registry per process, created once on globalThis, and are merged in.

/** The fleet table's activity states (lib/fleet/activity), every one emitted (0 included). */
export const NODE_STATES: readonly Activity[] = ["active", "unreachable", "incomplete", "decommissioned"];

/** A node's latest verification outcome as a label: the run's status, or `never` when it was never verified. */
export type VerificationLabel = "pass" | "fail" | "unknown" | "error" | "never";
export const VERIFICATION_LABELS: readonly VerificationLabel[] = ["pass", "fail", "unknown", "error", "never"];

/** The Metering page's quota states: the gauge's state, or `unknown` while the node's .env was never read. */
export type QuotaStateLabel = GaugeState | "unknown";
export const QUOTA_STATES: readonly QuotaStateLabel[] = ["ok", "warning", "cut", "unlimited", "metering-off", "unknown"];

/**
 * What one scrape reports, read from the database at `at` (plain data, so
 * tests can check it without parsing text). Counts are node or job counts;
 * ratios are used/limit (0..1, above 1 past the limit); ages are seconds.
 */
export type MetricsSnapshot = {
  at: Date;
  /** nodes per (activity state, latest verification); every combination present, 0 included */
  nodes: { state: Activity; /** a VerificationLabel (or another status a run stored) */ verification: string; count: number }[];
  /** nodes whose host key changed or who offer only a new key type (blocked until an admin acts) */
  hostKeyChanged: number;
  /** per check: nodes whose latest checklist has it failing (only checks failing somewhere) */
  failingChecks: { check: string; nodes: number }[];
  /** per node with a checklist result (pass, fail, unknown): how many checks its latest run has failing */
  nodeFailingChecks: { node: string; ip: string; count: number }[];
  /** per metered node with a limit and a usage figure: used / limit (limit = K2_NODE_TRAFFIC_LIMIT_GB GiB) */
  quotaUsedRatio: { node: string; ip: string; ratio: number }[];
  /** polled nodes per quota state (as the Metering page counts them), every state present */
  quotaStates: Record<QuotaStateLabel, number>;
  /** nodes cut by the quota cutoff (k2s paused by the enforcer, or used at the cutoff line) */
  cut: number;
  /** jobs per (kind, status); every status for each kind that has jobs */
  jobs: { kind: string; status: string; count: number }[];
  /** this process's SSH pool */
  ssh: SshPoolStats;
  /** the last stored Center fleet sync: its age in seconds and whether its walk was complete; null = never synced */
  centerSync: { ageSeconds: number; complete: boolean } | null;
  /** true while the latest Center sync attempt failed (the fleet shows the last known data) */
  centerSyncFailing: boolean;
  /** seconds the database reads of this snapshot took */
  collectSeconds: number;
};

const nodeLabel = (name: string | null | undefined, ipv4: string) => (name && name.trim() ? name : ipv4);

/**
 * Reads the snapshot of the fleet from the database (4 queries, no writes).
 * The failing checks are the nodes' latest verification as denormalised on
 * the Node row by saveVerification (the same transaction as the run), so they
 * are exactly each node's latest VerificationRun. Throws what the database
 * throws (the endpoint then answers 503).
 */
export async function collectMetrics(opts: { now?: Date; warnPercent?: number } = {}): Promise<MetricsSnapshot> {
  const started = performance.now();
  const now = opts.now ?? new Date();
  const [nodes, meters, jobs, settings] = await Promise.all([
    db().node.findMany({
      select: { ipv4: true, name: true, tunnels: true, lastSeenSshAt: true, lastSshError: true, source: true, hostKeyState: true, verificationStatus: true, failingChecks: true },
      orderBy: { ipv4: "asc" },
    }),
    db().meterNode.findMany({ select: { nodeIpv4: true, metering: true, limitGb: true, used: true, cut: true, k2sPaused: true, mode: true }, orderBy: { nodeIpv4: "asc" } }),
    db().job.groupBy({ by: ["kind", "status"], _count: { _all: true } }),
    db().setting.findMany({ where: { key: { in: ["fleet.lastSync", "fleet.lastSyncError"] } } }),
  ]);

  const byState = new Map<string, number>();
  const checks = new Map<string, number>();
  const nodeFailingChecks: MetricsSnapshot["nodeFailingChecks"] = [];
  const names = new Map<string, string>();
  let hostKeyChanged = 0;
  for (const n of nodes) {
    names.set(n.ipv4, nodeLabel(n.name, n.ipv4));
    const state = activityOf({ ...n, tunnelCount: Array.isArray(n.tunnels) ? n.tunnels.length : 0 });
    const verification = n.verificationStatus ?? "never";
    byState.set(`${state}\u0000${verification}`, (byState.get(`${state}\u0000${verification}`) ?? 0) + 1);
    if (n.hostKeyState === "changed" || n.hostKeyState === "new_key_type") hostKeyChanged++;
    for (const c of new Set(n.failingChecks)) checks.set(c, (checks.get(c) ?? 0) + 1);
    // an error run (unreachable, timeout) read no check: its count is unknown, not 0
    if (n.verificationStatus === "pass" || n.verificationStatus === "fail" || n.verificationStatus === "unknown") {
      nodeFailingChecks.push({ node: nodeLabel(n.name, n.ipv4), ip: n.ipv4, count: new Set(n.failingChecks).size });
    }
  }
  // every known outcome, and any other status a run may have stored
  const verifications = new Set<string>([...VERIFICATION_LABELS, ...nodes.map((n) => n.verificationStatus ?? "never")]);
  const nodeCounts: MetricsSnapshot["nodes"] = [];
  for (const state of NODE_STATES) for (const verification of verifications) nodeCounts.push({ state, verification, count: byState.get(`${state}\u0000${verification}`) ?? 0 });

  const warnPercent = opts.warnPercent ?? meterWarnPercent();
  const quotaStates = Object.fromEntries(QUOTA_STATES.map((s) => [s, 0])) as Record<QuotaStateLabel, number>;
  const quotaUsedRatio: MetricsSnapshot["quotaUsedRatio"] = [];
  for (const m of meters) {
    // a node whose .env was never read: metering unknown, no ratio (never a fake 0)
    if (!meterKnown(m)) {
      quotaStates.unknown++;
      continue;
    }
    const g = gaugeOfRow(m, warnPercent);
    quotaStates[g.state]++;
    // metering off, limit 0 (unlimited) or no usage figure: no ratio
    if (g.percentUsed !== null && g.usedBytes !== null && g.limitBytes > 0n) {
      quotaUsedRatio.push({ node: names.get(m.nodeIpv4) ?? m.nodeIpv4, ip: m.nodeIpv4, ratio: Number(g.usedBytes) / Number(g.limitBytes) });
    }
  }

  const jobCounts = new Map<string, number>();
  for (const j of jobs) jobCounts.set(`${j.kind}\u0000${j.status}`, j._count._all);
  const kinds = [...new Set(jobs.map((j) => j.kind))].sort();
  const jobRows = kinds.flatMap((kind) => Object.values(JobStatus).map((status) => ({ kind, status, count: jobCounts.get(`${kind}\u0000${status}`) ?? 0 })));

  const last = settings.find((s) => s.key === "fleet.lastSync")?.value as { at?: unknown; complete?: unknown } | undefined;
  const lastAt = typeof last?.at === "string" ? Date.parse(last.at) : NaN;
  const centerSync = Number.isFinite(lastAt) ? { ageSeconds: Math.max(0, (now.getTime() - lastAt) / 1000), complete: last?.complete !== false } : null;

  return {
    at: now,
    nodes: nodeCounts,
    hostKeyChanged,
    failingChecks: [...checks].sort(([a], [b]) => a.localeCompare(b)).map(([check, n]) => ({ check, nodes: n })),
    nodeFailingChecks,
    quotaUsedRatio,
    quotaStates,
    cut: quotaStates.cut,
    jobs: jobRows,
    ssh: sshPoolStats(),
    centerSync,
    centerSyncFailing: settings.some((s) => s.key === "fleet.lastSyncError"),
    collectSeconds: (performance.now() - started) / 1000,
  };
}

/**
 * The snapshot as Prometheus text exposition (format 0.0.4) in a registry of
 * its own: `k2ops_*` gauges and one counter. A family with nothing to say
 * (no failing check, no metered node, never synced) has no sample; no fake 0
 * is ever emitted for an unknown value.
 */
export function metricsRegistry(s: MetricsSnapshot): Registry {
  const reg = new Registry();
  const registers = [reg];

  const nodes = new Gauge({ name: "k2ops_nodes", help: "Nodes in the fleet table (count), by activity state (active, unreachable, incomplete, decommissioned: the fleet table's heuristic) and latest verification outcome (pass, fail, unknown, error; never = no checklist yet).", labelNames: ["state", "verification"], registers });
  for (const n of s.nodes) nodes.set({ state: n.state, verification: n.verification }, n.count);

  new Gauge({ name: "k2ops_nodes_host_key_changed", help: "Nodes whose SSH host key changed or that offer only a new key type (count); every operation on them is blocked until an admin acts.", registers }).set(s.hostKeyChanged);

  const failing = new Gauge({ name: "k2ops_failing_checks", help: "Nodes whose latest verification has this checklist check failing (count); a check failing on no node has no sample.", labelNames: ["check"], registers });
  for (const c of s.failingChecks) failing.set({ check: c.check }, c.nodes);

  const perNode = new Gauge({ name: "k2ops_node_failing_checks", help: "Checks failing in the node's latest verification (count); only nodes whose latest checklist ran (pass, fail, unknown).", labelNames: ["node", "ip"], registers });
  for (const n of s.nodeFailingChecks) perNode.set({ node: n.node, ip: n.ip }, n.count);

  const ratio = new Gauge({ name: "k2ops_node_quota_used_ratio", help: "Traffic used this billing cycle divided by the node's limit (ratio, 1 = the limit; the cutoff is at limit - 500 MiB), from its latest meter reading; only metered nodes with a limit and a usage figure.", labelNames: ["node", "ip"], registers });
  for (const r of s.quotaUsedRatio) ratio.set({ node: r.node, ip: r.ip }, r.ratio);

  const quota = new Gauge({ name: "k2ops_nodes_quota", help: "Polled nodes by quota state (count): ok, warning, cut, unlimited (limit 0), metering-off, unknown (.env never read).", labelNames: ["state"], registers });
  for (const st of QUOTA_STATES) quota.set({ state: st }, s.quotaStates[st]);

  new Gauge({ name: "k2ops_nodes_cut", help: "Nodes cut by the quota cutoff (count): k2s paused by the sidecar's enforcer, or usage at the cutoff line.", registers }).set(s.cut);

  const jobs = new Gauge({ name: "k2ops_jobs", help: "Fleet jobs (count) by kind and status, all time.", labelNames: ["kind", "status"], registers });
  for (const j of s.jobs) jobs.set({ kind: j.kind, status: j.status }, j.count);

  const pool = new Gauge({ name: "k2ops_ssh_pool_connections", help: "Pooled SSH connections of this console process (count): busy = at least one channel in use, idle = none; their sum is the pool size.", labelNames: ["state"], registers });
  pool.set({ state: "busy" }, s.ssh.connections - s.ssh.idleConnections);
  pool.set({ state: "idle" }, s.ssh.idleConnections);
  new Gauge({ name: "k2ops_ssh_pool_busy_channels", help: "SSH channels in use on this process's pooled connections (count).", registers }).set(s.ssh.busyChannels);
  new Counter({ name: "k2ops_ssh_connections_opened_total", help: "SSH connections this console process opened since it started (count).", registers }).inc(s.ssh.connectionsOpened);

  if (s.centerSync) {
    new Gauge({ name: "k2ops_center_sync_age_seconds", help: "Seconds since the last stored fleet sync from Center; absent when the fleet was never synced.", registers }).set(s.centerSync.ageSeconds);
    new Gauge({ name: "k2ops_center_sync_complete", help: "1 when the last stored Center sync walked Center's whole list, 0 when the list moved during the walk (no node was marked gone).", registers }).set(s.centerSync.complete ? 1 : 0);
  }
  new Gauge({ name: "k2ops_center_sync_failing", help: "1 while the latest Center sync attempt failed (the fleet keeps its last known data), else 0.", registers }).set(s.centerSyncFailing ? 1 : 0);

  new Gauge({ name: "k2ops_metrics_collect_seconds", help: "Seconds the database reads of this scrape took.", registers }).set(s.collectSeconds);
  return reg;
}

// process metrics (CPU, memory, event loop, GC): one registry per process,
// whatever the bundler does (one copy of this module per Next.js bundle)
const PROCESS_REGISTRY = Symbol.for("k2ops.metrics.processRegistry");

function processRegistry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  let r = g[PROCESS_REGISTRY];
  if (!r) {
    r = new Registry();
    collectDefaultMetrics({ register: r });
    g[PROCESS_REGISTRY] = r;
  }
  return r;
}

/**
 * One scrape: the fleet snapshot (collectMetrics) rendered with this
 * process's default Node.js metrics (`process_*`, `nodejs_*`; leave them out
 * with `processMetrics: false`). Returns the body and its content type
 * (`text/plain; version=0.0.4; charset=utf-8`). Safe to call concurrently and
 * repeatedly. Throws when the database cannot be read.
 */
export async function scrapeMetrics(opts: { now?: Date; processMetrics?: boolean } = {}): Promise<{ contentType: string; body: string }> {
  const reg = metricsRegistry(await collectMetrics({ now: opts.now }));
  const out = opts.processMetrics === false ? reg : Registry.merge([processRegistry(), reg]);
  return { contentType: out.contentType, body: await out.metrics() };
}
