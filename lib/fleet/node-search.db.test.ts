import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { syncFleet, type CenterNode } from "./index";
import { searchNodes } from "./node-search";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const node = (i: number, name: string, over: Partial<CenterNode> = {}): CenterNode => ({
  id: i,
  name,
  country: "JP",
  region: "jp-tokyo",
  ipv4: `198.51.100.${i}`,
  ipv6: "",
  ipType: "non_residential",
  class: "shared",
  updatedAt: 1_790_000_000,
  tunnels: [{ id: i, name: `JP ${i}`, domain: `198-51-100-${i}.sslip.io`, protocol: "k2s", port: 443 }],
  ...over,
});

describe("searchNodes (the command palette's node search)", () => {
  it("finds nodes by name (any case) or IPv4 fragment, decommissioned last, with only name, IPv4, region and state", async () => {
    await syncFleet([node(1, "jp-tokyo-01"), node(2, "JP-Tokyo-02"), node(3, "sg-singapore-01", { region: "sg-singapore" }), node(10, "198.51.100.10", { tunnels: [] })]);
    await t.prisma.node.update({ where: { ipv4: "198.51.100.2" }, data: { lastSshError: "connect ECONNREFUSED", sshUser: "root" } });

    const byName = await searchNodes("tokyo");
    expect(byName).toEqual({
      more: false,
      nodes: [
        { ipv4: "198.51.100.1", name: "jp-tokyo-01", region: "jp-tokyo", state: "active" },
        { ipv4: "198.51.100.2", name: "JP-Tokyo-02", region: "jp-tokyo", state: "unreachable" },
      ],
    });
    const byIp = await searchNodes("100.1");
    expect(byIp.nodes.map((n) => n.ipv4)).toEqual(["198.51.100.1", "198.51.100.10"]);
    expect(byIp.nodes.at(-1)?.state).toBe("decommissioned");
    expect((await searchNodes("singapore")).nodes.map((n) => n.region)).toEqual(["sg-singapore"]);
    expect(await searchNodes("no-such-node")).toEqual({ nodes: [], more: false });
    // a LIKE wildcard is a character to look for, not "anything"
    expect((await searchNodes("%")).nodes).toEqual([]);
    expect((await searchNodes("_")).nodes).toEqual([]);
  });

  it("answers at most 20 nodes and says more match", async () => {
    await syncFleet(Array.from({ length: 30 }, (_, i) => node(100 + i, `bulk-${i}`)));
    const r = await searchNodes("bulk-");
    expect(r.nodes).toHaveLength(20);
    expect(r.more).toBe(true);
  });
});
