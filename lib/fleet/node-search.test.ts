import { describe, expect, it } from "vitest";
import { nodeSearchQuerySchema, rankNodeHits, type NodeHit } from "./node-search";

const n = (name: string, ipv4: string, state: NodeHit["state"] = "active"): NodeHit => ({ name, ipv4, region: "jp-tokyo", state });

describe("the command palette's node search", () => {
  it("keeps real substring matches of the name (any case) or the IPv4", () => {
    const rows = [n("jp-tokyo-01", "127.0.0.11"), n("sg-singapore-01", "127.0.0.13"), n("hk.aliyun.wm01", "10.1.2.3")];
    expect(rankNodeHits(rows, "TOKYO").nodes.map((h) => h.ipv4)).toEqual(["127.0.0.11"]);
    expect(rankNodeHits(rows, "0.0.1").nodes.map((h) => h.ipv4)).toEqual(["127.0.0.11", "127.0.0.13"]);
    expect(rankNodeHits(rows, "  ").nodes).toEqual([]);
    expect(rankNodeHits(rows, "nothing")).toEqual({ nodes: [], more: false });
  });

  it("lists decommissioned nodes last, then exact, prefix and other matches", () => {
    const rows = [n("a-web", "10.0.0.1"), n("10.0.0.10", "10.0.0.10", "decommissioned"), n("web", "10.0.0.2"), n("web-2", "10.0.0.3"), n("x-web", "10.0.0.4", "unreachable")];
    expect(rankNodeHits(rows, "web").nodes.map((h) => h.name)).toEqual(["web", "web-2", "a-web", "x-web"]);
    expect(rankNodeHits(rows, "10.0.0.1").nodes.map((h) => h.ipv4)).toEqual(["10.0.0.1", "10.0.0.10"]);
  });

  it("answers at most the limit and says when more match; only name, IPv4, region, state", () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ ...n(`node-${String(i).padStart(2, "0")}`, `10.0.0.${i}`), secret: "x" }));
    const r = rankNodeHits(rows, "node");
    expect(r.nodes).toHaveLength(20);
    expect(r.more).toBe(true);
    expect(Object.keys(r.nodes[0]).sort()).toEqual(["ipv4", "name", "region", "state"]);
    expect(rankNodeHits(rows.slice(0, 20), "node").more).toBe(false);
  });

  it("validates q: 1-100 characters once trimmed", () => {
    expect(nodeSearchQuerySchema.safeParse({ q: " tokyo " }).data).toEqual({ q: "tokyo" });
    expect(nodeSearchQuerySchema.safeParse({ q: "   " }).success).toBe(false);
    expect(nodeSearchQuerySchema.safeParse({ q: "x".repeat(101) }).success).toBe(false);
    expect(nodeSearchQuerySchema.safeParse({}).success).toBe(false);
  });
});
