import { z } from "zod";
import { db } from "@/lib/db";
import { activityOf, type Activity } from "./activity";
import { matchesFleetText } from "./text-filter";

// The command palette's node search (components/command, GET /api/command/nodes): a node by a
// substring of its name or its IPv4, as the fleet table knows it. Only what the palette shows
// leaves here: name, IPv4, region and the fleet table's activity state (never tunnels, SSH
// settings, host keys or anything else about the node).

/** `q`: 1-100 characters once trimmed. */
export const nodeSearchQuerySchema = z.object({ q: z.string().trim().min(1, "type part of a name or an IPv4").max(100, "at most 100 characters") });

/** How many nodes one answer lists at most. */
export const NODE_SEARCH_LIMIT = 20;
/** How many candidate rows are read and ranked (the fleet is hundreds of nodes, not millions). */
const CANDIDATES = 500;

export type NodeHit = { ipv4: string; name: string; region: string; state: Activity };
export type NodeSearchResult = { nodes: NodeHit[]; more: boolean };

type Candidate = NodeHit;

/**
 * Keeps the rows that really match `q` (case-insensitive substring of the name, substring of the
 * IPv4) and orders them: decommissioned nodes last, then an exact name or IPv4, a name or IPv4
 * that starts with `q`, any other match; then by name and IPv4. Pure, so it is unit-tested.
 */
export function rankNodeHits(rows: Candidate[], q: string, limit = NODE_SEARCH_LIMIT): NodeSearchResult {
  const needle = q.trim().toLowerCase();
  if (!needle) return { nodes: [], more: false };
  const score = (n: Candidate) => {
    const name = n.name.toLowerCase();
    if (name === needle || n.ipv4 === needle) return 0;
    if (name.startsWith(needle) || n.ipv4.startsWith(needle)) return 1;
    return 2;
  };
  const hits = rows
    .filter((n) => matchesFleetText(n, needle))
    .map((n) => ({ n, decom: n.state === "decommissioned" ? 1 : 0, s: score(n) }))
    .sort((a, b) => a.decom - b.decom || a.s - b.s || a.n.name.localeCompare(b.n.name) || a.n.ipv4.localeCompare(b.n.ipv4, undefined, { numeric: true }));
  return { nodes: hits.slice(0, limit).map(({ n }) => ({ ipv4: n.ipv4, name: n.name, region: n.region, state: n.state })), more: hits.length > limit };
}

/** Nodes whose name or IPv4 contains `q`, at most NODE_SEARCH_LIMIT, decommissioned last. */
export async function searchNodes(q: string): Promise<NodeSearchResult> {
  const needle = q.trim();
  if (!needle) return { nodes: [], more: false };
  const rows = await db().node.findMany({
    where: { OR: [{ name: { contains: needle, mode: "insensitive" } }, { ipv4: { contains: needle } }] },
    // tunnels, lastSshError and source only feed the activity state; they are not returned
    select: { ipv4: true, name: true, region: true, tunnels: true, lastSeenSshAt: true, lastSshError: true, source: true },
    orderBy: [{ name: "asc" }, { ipv4: "asc" }],
    take: CANDIDATES,
  });
  const candidates = rows.map((n) => ({
    ipv4: n.ipv4,
    name: n.name,
    region: n.region,
    state: activityOf({ ...n, tunnelCount: Array.isArray(n.tunnels) ? n.tunnels.length : 0 }),
  }));
  return rankNodeHits(candidates, needle);
}
