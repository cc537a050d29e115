import { NextResponse } from "next/server";
import { withRoute } from "@/lib/actions/route";
import { nodeSearchQuerySchema, searchNodes } from "@/lib/fleet/node-search";

export const dynamic = "force-dynamic";

// GET /api/command/nodes?q=<part of a name or an IPv4>: the command palette's node search
// (components/command). Any signed-in role (a read, not audited); at most 20 nodes with their
// name, IPv4, region and fleet-table state only, decommissioned last.
export const GET = withRoute({ role: "viewer" }, async (req) => {
  const q = nodeSearchQuerySchema.safeParse({ q: new URL(req.url).searchParams.get("q") ?? "" });
  if (!q.success) return NextResponse.json({ error: "bad request", message: "q: 1-100 characters of a node's name or IPv4" }, { status: 400 });
  return NextResponse.json(await searchNodes(q.data.q), { headers: { "Cache-Control": "no-store" } });
});
