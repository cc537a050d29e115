import { batchSizeOf, KIND_NEEDS, type RolloutParams, type Strategy } from "./strategy";
import { msg, type Text } from "@/lib/text";

// The plan of a rollout (pure): which targeted nodes take part, in which batch
// (0 = canary), and every node left out with its reason. The operator sees
// this preview and confirms it with the count before anything runs; the job
// is created from exactly this plan.

/** What the plan needs to know about a targeted node (read from the fleet table and a reachability probe). */
export type PlanNode = {
  ipv4: string;
  name: string;
  /** the fleet's activity heuristic (runbook §5) */
  activity: "active" | "decommissioned" | "unreachable" | "incomplete";
  /** k2s | k2-slave | kaitu-slave | k2v5-era | unknown | null (never read) */
  arch: string | null;
  /** the deploy dir the last checklist saw (/apps/k2s or /apps/kaitu-slave) */
  deployDir: string | null;
  hostKeyState: string;
  versionTag: string | null;
  verificationStatus: string | null;
  /** another operation holds the node's lock (its name), or null */
  lockedBy: string | null;
  /** the plan-time probe: did the node's SSH port answer? (null = not probed) */
  reachable: boolean | null;
};

export type Skip = { ipv4: string; name: string; reason: Text };
export type Plan = {
  /** batches[0] is the canary batch (empty without a canary) */
  batches: { ipv4: string; name: string }[][];
  skipped: Skip[];
  targeted: number;
};

const LEGACY_ARCH = new Set(["k2-slave", "kaitu-slave"]);

/** Why `n` cannot take part in a rollout of `params.kind`, or null. */
export function skipReason(n: PlanNode, params: RolloutParams): Text | null {
  if (n.activity === "decommissioned") return msg`decommissioned (no tunnel, IPv4 as name)`;
  if (n.hostKeyState === "changed") return msg`host key changed: blocked until an admin reviews it`;
  if (n.hostKeyState === "new_key_type") return msg`new host key type: blocked until an admin confirms it`;
  if (n.lockedBy) return msg`locked by another operation (${n.lockedBy})`;
  if (n.reachable === false) return msg`unreachable at plan time (SSH did not answer)`;
  const legacyDir = n.deployDir === "/apps/kaitu-slave" || LEGACY_ARCH.has(n.arch ?? "");
  if (KIND_NEEDS[params.kind] === "k2s") {
    if (legacyDir) return msg`legacy or un-migrated directory (/apps/kaitu-slave): migrate it first (DIR-migration guard)`;
    if (n.arch === null && n.deployDir === null) return msg`never checked: its directory is unknown (verify it first)`;
  }
  if (KIND_NEEDS[params.kind] === "legacy" && !legacyDir) return msg`already in /apps/k2s: nothing to migrate`;
  if (params.kind === "update" && !params.pushCompose && n.versionTag === params.targetTag && n.verificationStatus === "pass") return msg`already on ${params.targetTag} and healthy`;
  return null;
}

/**
 * Splits the nodes that take part into the canary batch (the first `canary`
 * nodes in the given order) and batches of the strategy's size; the rest are
 * skipped with their reason. Node order is the caller's (the fleet table's).
 */
export function planRollout(nodes: PlanNode[], params: RolloutParams, strategy: Strategy): Plan {
  const skipped: Skip[] = [];
  const take: { ipv4: string; name: string }[] = [];
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.ipv4)) continue;
    seen.add(n.ipv4);
    const why = skipReason(n, params);
    if (why) skipped.push({ ipv4: n.ipv4, name: n.name, reason: why });
    else take.push({ ipv4: n.ipv4, name: n.name });
  }
  // the directory migration moves one node at a time after its canary
  const size = params.kind === "dir-migration" ? 1 : batchSizeOf(strategy, take.length);
  const canary = Math.min(strategy.canary, take.length);
  const batches: { ipv4: string; name: string }[][] = [take.slice(0, canary)];
  for (let i = canary; i < take.length; i += size) batches.push(take.slice(i, i + size));
  return { batches, skipped, targeted: take.length };
}
