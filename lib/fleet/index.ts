import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { Prisma } from "@/lib/db/generated/client";
import { activityOf, type Activity } from "./activity";
import { ipv4Schema } from "./ipv4";
import { sshOverrideSchema, type SshOverride } from "./schema";
import { FLEET_TEXT_MAX, fleetTextQuery, matchesFleetText } from "./text-filter";
import { meterWarnPercent, quotaCellOf } from "@/lib/metering/gauge-row";
import type { GaugeState } from "@/lib/metering/cycle";

// The fleet as k2ops knows it: Center's node list (synced on demand and on a
// schedule) merged with what k2ops learned itself over SSH. All Prisma access
// for the fleet table lives here.

/** The subset of Center's AdminNodeItem (center-api §2.2) the fleet keeps. */
export type CenterNode = {
  id: number;
  name: string;
  country: string;
  region: string;
  ipv4: string;
  ipv6: string;
  ipType?: string;
  class: string;
  privateOwnerUserId?: number;
  updatedAt: number;
  tunnels: { id: number; name: string; domain: string; protocol: string; port: number; serverUrl?: string }[];
};

/** A dotted-quad IPv4 (in lib/fleet/ipv4.ts, which client forms can import). */
export { ipv4Schema };

/** A row Center listed that k2ops refused to store (never an SSH target), with why. */
export type RejectedCenterRow = { id: string; ipv4: string; reason: string };

export type SyncResult = {
  total: number;
  added: number;
  updated: number;
  gone: number;
  rejected: RejectedCenterRow[];
  /** false when Center's list moved during the walk: nodes missing from it were NOT marked gone */
  complete: boolean;
  incompleteReason?: string;
  at: Date;
};

// Center's data is input like any other: it becomes SSH targets, page text and
// audit targets, so every field is checked here before anything is stored.
const plain = (max: number) => z.string().max(max).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "contains control characters");
const HOST = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const ipv6Schema = z.string().refine((v) => v === "" || (v.length <= 45 && /^[0-9a-f:.]+$/i.test(v) && v.includes(":")), "not an IPv6 address");
const centerNodeSchema = z.object({
  id: z.number().int().nonnegative(),
  name: plain(200),
  country: plain(100),
  region: plain(100),
  ipv4: ipv4Schema,
  ipv6: ipv6Schema,
  ipType: z.enum(["residential", "non_residential", "unknown"]).optional(),
  class: z.enum(["shared", "private"]),
  privateOwnerUserId: z.number().int().optional(),
  updatedAt: z.number().finite(),
  tunnels: z.array(
    z.object({
      id: z.number().int(),
      name: plain(200),
      domain: z.string().refine((d) => d === "" || HOST.test(d), "tunnel domain is not a hostname"),
      protocol: plain(40),
      port: z.number().int().min(0).max(65535),
      serverUrl: z.string().max(2000).refine((u) => /^[a-z][a-z0-9+.-]*:\/\/[^\s]*$/i.test(u), "tunnel serverUrl is not a URL").optional(),
    }),
  ).max(100),
});

/** Splits Center's rows into the ones k2ops may store and the ones it refuses (first problem named). */
export function validateCenterNodes(rows: unknown[]): { valid: CenterNode[]; rejected: RejectedCenterRow[] } {
  const valid: CenterNode[] = [];
  const rejected: RejectedCenterRow[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const r = centerNodeSchema.safeParse(row);
    const raw = (row ?? {}) as { id?: unknown; ipv4?: unknown };
    const ident = { id: String(raw.id ?? "?").slice(0, 40), ipv4: JSON.stringify(String(raw.ipv4 ?? "")).slice(1, -1).slice(0, 60) };
    if (!r.success) {
      const issue = r.error.issues[0];
      rejected.push({ ...ident, reason: `${issue?.path.join(".") || "row"}: ${issue?.message ?? "invalid"}` });
    } else if (seen.has(r.data.ipv4)) {
      rejected.push({ ...ident, reason: "ipv4: listed twice by Center" });
    } else {
      seen.add(r.data.ipv4);
      valid.push(r.data);
    }
  }
  return { valid, rejected };
}

/**
 * Mirrors Center's list into the Node table in one transaction. Nodes Center no
 * longer lists are kept (their history matters) but flagged `inCenter=false`.
 * Rows that fail validation (validateCenterNodes) are not stored: they are
 * returned in `rejected` for the sync summary. An incomplete walk
 * (`walk.complete === false`) updates what it saw but never flags a node gone.
 * A node added by hand (source "manual") is never flagged gone; once Center
 * lists it, it becomes a Center node.
 */
export async function syncFleet(rows: unknown[], walk: { complete: boolean; reason?: string } = { complete: true }): Promise<SyncResult> {
  const at = new Date();
  const { valid: centerNodes, rejected } = validateCenterNodes(rows);
  const seen = new Set(centerNodes.map((n) => n.ipv4));
  return db().$transaction(async (tx) => {
    const known = await tx.node.findMany({ select: { ipv4: true, source: true } });
    const existing = new Set(known.map((n) => n.ipv4));
    let added = 0;
    let updated = 0;
    for (const n of centerNodes) {
      const data = {
        name: n.name,
        country: n.country,
        region: n.region,
        ipv6: n.ipv6 ?? "",
        ipType: n.ipType ?? "unknown",
        class: n.class,
        privateOwnerUserId: n.privateOwnerUserId ?? null,
        centerId: n.id,
        centerUpdatedAt: new Date(n.updatedAt * 1000),
        tunnels: n.tunnels as unknown as Prisma.InputJsonValue,
        inCenter: true,
        // a node added by hand that Center now lists is Center's from here on
        source: "center",
        lastSyncedAt: at,
      };
      if (existing.has(n.ipv4)) {
        await tx.node.update({ where: { ipv4: n.ipv4 }, data });
        updated++;
      } else {
        await tx.node.create({ data: { ipv4: n.ipv4, ...data } });
        added++;
      }
    }
    // a node missing from a partial list may simply have been skipped: only a complete walk says "gone"
    // a node added by hand was never in Center's list: its absence says nothing
    const goneIps = walk.complete ? known.filter((n) => n.source !== "manual" && !seen.has(n.ipv4)).map((n) => n.ipv4) : [];
    if (goneIps.length) await tx.node.updateMany({ where: { ipv4: { in: goneIps }, inCenter: true, source: "center" }, data: { inCenter: false, lastSyncedAt: at } });
    const summary = { at: at.toISOString(), total: centerNodes.length, rejected: rejected.length, complete: walk.complete, ...(walk.reason ? { incompleteReason: walk.reason } : {}) };
    await tx.setting.upsert({ where: { key: "fleet.lastSync" }, create: { key: "fleet.lastSync", value: summary }, update: { value: summary } });
    return { total: centerNodes.length, added, updated, gone: goneIps.length, rejected, complete: walk.complete, ...(walk.reason ? { incompleteReason: walk.reason } : {}), at };
  }, { timeout: 120_000 });
}

export async function lastSync(): Promise<{ at: string; total: number; complete?: boolean; incompleteReason?: string } | null> {
  const s = await db().setting.findUnique({ where: { key: "fleet.lastSync" } });
  return (s?.value as { at: string; total: number } | undefined) ?? null;
}

// ---- the fleet table ------------------------------------------------------

export const SORT_KEYS = ["name", "region", "country", "ipv4", "arch", "status", "lastop"] as const;

export const fleetQuerySchema = z.object({
  q: z.string().trim().max(FLEET_TEXT_MAX).optional(), // name / IPv4 contains (lib/fleet/text-filter)
  country: z.string().trim().toUpperCase().max(8).optional(),
  region: z.string().trim().max(100).optional(),
  class: z.enum(["shared", "private"]).optional(),
  arch: z.string().trim().max(30).optional(),
  status: z.enum(["pass", "fail", "unknown", "error", "never"]).optional(),
  check: z.string().trim().max(60).optional(),
  all: z.enum(["1"]).optional(), // include decommissioned
  sort: z.enum(SORT_KEYS).default("name"),
  dir: z.enum(["asc", "desc"]).default("asc"),
});
export type FleetQuery = z.infer<typeof fleetQuerySchema>;

/** Each filter parameter, checked alone: the valid ones, and the ones that must be dropped with why. */
function checkFleetParams(params: Record<string, string | string[] | undefined>): { valid: Record<string, unknown>; dropped: { key: string; reason: string }[] } {
  const valid: Record<string, unknown> = {};
  const dropped: { key: string; reason: string }[] = [];
  for (const key of Object.keys(fleetQuerySchema.shape) as (keyof FleetQuery)[]) {
    const raw = params[key];
    const v = Array.isArray(raw) ? raw[0] : raw;
    if (v === undefined || v === "") continue;
    const one = fleetQuerySchema.shape[key].safeParse(v);
    if (one.success) valid[key] = one.data;
    else dropped.push({ key, reason: one.error.issues[0]?.code === "too_big" ? "is longer than 100 characters" : "is not a value this filter knows" });
  }
  return { valid, dropped };
}

/** The filter parameters parseFleetQuery had to drop, with why (so the page can say so instead of silently ignoring them). */
export function droppedFleetParams(params: Record<string, string | string[] | undefined>): { key: string; reason: string }[] {
  return checkFleetParams(params).dropped;
}

/** The fleet query from URL params; an unusable value is dropped (droppedFleetParams says which), not an error page. */
export function parseFleetQuery(params: Record<string, string | string[] | undefined>): FleetQuery {
  return fleetQuerySchema.parse(checkFleetParams(params).valid);
}

export type FleetRow = {
  ipv4: string;
  name: string;
  region: string;
  country: string;
  class: string;
  ipType: string;
  domains: string[];
  tunnelCount: number;
  arch: string | null;
  versionTag: string | null;
  activity: Activity;
  inCenter: boolean;
  /** "center" (Center's list) or "manual" (added by an operator; Center does not list it) */
  source: NodeSource;
  verificationStatus: string | null;
  verificationAt: string | null;
  failingChecks: string[];
  sidecarHealth: string | null;
  hostKeyState: string;
  /** % of the node's traffic limit used this cycle (one decimal), from its latest meter reading; null without a limit, a figure or a reading */
  quotaUsedPct: number | null;
  /** the quota gauge's state (ok, warning at K2OPS_METER_WARN_PERCENT, cut, metering-off = uncapped, unlimited); null when the meter was never read */
  quotaState: GaugeState | null;
  lastOperation: string | null;
  lastOperationAt: string | null;
};

/** Where a node row came from: Center's list, or an operator adding it by IPv4. */
export type NodeSource = "center" | "manual";

/** Counts over the whole fleet; `unknown` = last checklist could not read some evidence, `neverVerified` = active nodes with no checklist yet. */
export type FleetSummary = { total: number; active: number; failing: number; unknown: number; neverVerified: number; legacy: number; unreachable: number; decommissioned: number; hostKeyChanged: number };

const LEGACY = new Set(["k2-slave", "kaitu-slave", "k2v5-era"]);

function orderBy(q: FleetQuery): Prisma.NodeOrderByWithRelationInput[] {
  const d = q.dir;
  switch (q.sort) {
    case "region":
      return [{ region: d }, { name: "asc" }];
    case "country":
      return [{ country: d }, { name: "asc" }];
    case "ipv4":
      return [{ ipv4: d }];
    case "arch":
      return [{ arch: { sort: d, nulls: "last" } }, { name: "asc" }];
    case "status":
      return [{ verificationStatus: { sort: d, nulls: "last" } }, { name: "asc" }];
    case "lastop":
      return [{ lastOperationAt: { sort: d, nulls: "last" } }, { name: "asc" }];
    default:
      return [{ name: d }, { ipv4: "asc" }];
  }
}

/** Distinct values for the filter dropdowns (the nodes' own values, sorted). */
export type FleetFacets = { countries: string[]; regions: string[]; archs: string[]; checks: string[] };

// The node columns the fleet table reads (issue 17: not archDetail and the rest, for 5,000 rows per page load)
const FLEET_ROW_SELECT = {
  ipv4: true, name: true, country: true, region: true, class: true, ipType: true, tunnels: true, inCenter: true, source: true, arch: true, versionTag: true,
  sidecarHealth: true, hostKeyState: true, verificationStatus: true, verificationAt: true, failingChecks: true, lastOperation: true, lastOperationAt: true,
  lastSeenSshAt: true, lastSshError: true,
} as const;
type NodeRecord = Awaited<ReturnType<typeof fleetNodes>>[number];
const fleetNodes = (q: FleetQuery) => db().node.findMany({ select: FLEET_ROW_SELECT, orderBy: orderBy(q) });

/** Whether a node passes the table's filters (all but `all`, which the caller applies to the activity). The text rule is lib/fleet/text-filter's, shared with the browser. */
function matchesFleetQuery(n: NodeRecord, q: FleetQuery, text: string | null): boolean {
  if (!matchesFleetText(n, text)) return false;
  if (q.country && n.country !== q.country) return false;
  if (q.region && !n.region.toLowerCase().includes(q.region.toLowerCase())) return false;
  if (q.class && n.class !== q.class) return false;
  if (q.arch && n.arch !== q.arch) return false;
  if (q.status === "never" ? n.verificationStatus !== null : q.status && n.verificationStatus !== q.status) return false;
  if (q.check && !n.failingChecks.includes(q.check)) return false;
  return true;
}

/**
 * Rows for the fleet table (in the query's order), the count summary (the whole
 * fleet, not the filter) and the filter dropdowns' values, from ONE read of the
 * node table (issue #17: a 5,000-node page read it three times).
 */
export async function fleetTable(q: FleetQuery): Promise<{ rows: FleetRow[]; summary: FleetSummary; facets: FleetFacets }> {
  const [nodes, meters] = await Promise.all([
    fleetNodes(q),
    // the Quota column: every node's latest meter row (one per node), in one query
    db().meterNode.findMany({ select: { nodeIpv4: true, metering: true, limitGb: true, used: true, cut: true, k2sPaused: true, mode: true } }),
  ]);
  const quota = new Map(meters.map((m) => [m.nodeIpv4, m]));
  const warnPercent = meterWarnPercent();
  const text = fleetTextQuery(q.q);
  const summary: FleetSummary = { total: nodes.length, active: 0, failing: 0, unknown: 0, neverVerified: 0, legacy: 0, unreachable: 0, decommissioned: 0, hostKeyChanged: 0 };
  const facet = { countries: new Set<string>(), regions: new Set<string>(), archs: new Set<string>(), checks: new Set<string>() };
  const rows: FleetRow[] = [];
  for (const n of nodes) {
    const tunnels = (Array.isArray(n.tunnels) ? n.tunnels : []) as CenterNode["tunnels"];
    const activity = activityOf({ ...n, tunnelCount: tunnels.length });
    if (activity === "active") summary.active++;
    if (activity === "decommissioned") summary.decommissioned++;
    if (activity === "unreachable") summary.unreachable++;
    if (n.verificationStatus === "fail") summary.failing++;
    if (n.verificationStatus === "unknown") summary.unknown++;
    // "0 failing" on a fleet nobody has verified yet is no answer: say how many were never checked
    if (activity === "active" && !n.verificationStatus) summary.neverVerified++;
    if (n.arch && LEGACY.has(n.arch)) summary.legacy++;
    if (n.hostKeyState === "changed" || n.hostKeyState === "new_key_type") summary.hostKeyChanged++;
    if (n.country) facet.countries.add(n.country);
    if (n.region) facet.regions.add(n.region);
    if (n.arch) facet.archs.add(n.arch);
    for (const c of n.failingChecks) facet.checks.add(c);

    if (activity === "decommissioned" && !q.all) continue;
    if (!matchesFleetQuery(n, q, text)) continue;
    const cell = quotaCellOf(quota.get(n.ipv4), warnPercent);
    rows.push({
      ipv4: n.ipv4,
      name: n.name,
      region: n.region,
      country: n.country,
      class: n.class,
      ipType: n.ipType,
      domains: tunnels.map((t) => t.domain),
      tunnelCount: tunnels.length,
      arch: n.arch,
      versionTag: n.versionTag,
      activity,
      inCenter: n.inCenter,
      source: n.source === "manual" ? "manual" : "center",
      verificationStatus: n.verificationStatus,
      verificationAt: n.verificationAt?.toISOString() ?? null,
      failingChecks: n.failingChecks,
      sidecarHealth: n.sidecarHealth,
      hostKeyState: n.hostKeyState,
      quotaUsedPct: cell?.percentUsed ?? null,
      quotaState: cell?.state ?? null,
      lastOperation: n.lastOperation,
      lastOperationAt: n.lastOperationAt?.toISOString() ?? null,
    });
  }
  const sorted = (xs: Set<string>) => [...xs].sort();
  return { rows, summary, facets: { countries: sorted(facet.countries), regions: sorted(facet.regions), archs: sorted(facet.archs), checks: sorted(facet.checks) } };
}

/** "Verify all": the active (not decommissioned) nodes that match the filters, recomputed on the server. */
export async function verifiableNodes(q: FleetQuery): Promise<string[]> {
  const { rows } = await fleetTable({ ...q, all: undefined });
  return rows.filter((r) => r.activity !== "decommissioned").map((r) => r.ipv4);
}

export async function getNode(ipv4: string) {
  return db().node.findUnique({ where: { ipv4 } });
}

// Per-node SSH overrides (user, port): the schema is lib/fleet/schema.ts (no database import: the node page's form validates with it too).
export { sshOverrideSchema, type SshOverride };

export async function setSshOverride(ipv4: string, o: SshOverride, tx: Tx): Promise<{ before: SshOverride; after: SshOverride }> {
  const n = await tx.node.findUnique({ where: { ipv4 }, select: { sshUser: true, sshPort: true } });
  if (!n) throw new Error(`No node ${ipv4}`);
  await tx.node.update({ where: { ipv4 }, data: { sshUser: o.sshUser, sshPort: o.sshPort } });
  return { before: { sshUser: n.sshUser, sshPort: n.sshPort }, after: o };
}

/** Facts learned over SSH; a success clears the last error. */
export async function recordSshContact(ipv4: string, ok: boolean, error?: string): Promise<void> {
  await db().node.updateMany({
    where: { ipv4 },
    data: ok ? { lastSeenSshAt: new Date(), lastSshError: null } : { lastSshError: (error ?? "unreachable").slice(0, 500) },
  });
}

