import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { droppedFleetParams, fleetTable, parseFleetQuery, syncFleet, type CenterNode } from "./index";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const node = (i: number, over: Partial<CenterNode> = {}): CenterNode => ({
  id: i,
  name: `jp-tokyo.aws.wm${String(i).padStart(2, "0")}`,
  country: i % 2 ? "JP" : "US",
  region: i % 2 ? "jp-tokyo.aws" : "us-west.aws",
  ipv4: `203.0.113.${i}`,
  ipv6: "",
  ipType: "non_residential",
  class: i === 3 ? "private" : "shared",
  updatedAt: 1_790_000_000,
  tunnels: [{ id: i, name: `JP 00${i}`, domain: `203-0-113-${i}.sslip.io`, protocol: "k2s", port: 443 }],
  ...over,
});

describe("fleet sync and table", () => {
  it("mirrors Center, keeps learned facts, flags nodes Center no longer lists", async () => {
    const first = await syncFleet([node(1), node(2), node(3), node(9, { name: "203.0.113.9", tunnels: [] })]);
    expect(first).toMatchObject({ total: 4, added: 4, updated: 0, gone: 0 });
    await t.prisma.node.update({ where: { ipv4: "203.0.113.1" }, data: { arch: "k2s", verificationStatus: "fail", failingChecks: ["timezone"] } });
    await t.prisma.node.update({ where: { ipv4: "203.0.113.2" }, data: { arch: "k2-slave", verificationStatus: "pass" } });
    const second = await syncFleet([node(1, { name: "renamed.wm01" }), node(2), node(9, { name: "203.0.113.9", tunnels: [] })]);
    expect(second).toMatchObject({ total: 3, added: 0, updated: 3, gone: 1 });
    const n1 = await t.prisma.node.findUnique({ where: { ipv4: "203.0.113.1" } });
    expect(n1).toMatchObject({ name: "renamed.wm01", arch: "k2s", verificationStatus: "fail" });
    expect((await t.prisma.node.findUnique({ where: { ipv4: "203.0.113.3" } }))?.inCenter).toBe(false);
  });

  it("filters from URL params, hides decommissioned by default, and summarises the whole fleet", async () => {
    const all = await fleetTable(parseFleetQuery({}));
    expect(all.rows.map((r) => r.ipv4)).not.toContain("203.0.113.9");
    expect(all.summary).toMatchObject({ total: 4, failing: 1, legacy: 1, decommissioned: 1 });
    const withDecom = await fleetTable(parseFleetQuery({ all: "1" }));
    expect(withDecom.rows.find((r) => r.ipv4 === "203.0.113.9")?.activity).toBe("decommissioned");
    expect((await fleetTable(parseFleetQuery({ status: "fail", check: "timezone" }))).rows.map((r) => r.ipv4)).toEqual(["203.0.113.1"]);
    expect((await fleetTable(parseFleetQuery({ country: "us" }))).rows.map((r) => r.ipv4)).toEqual(["203.0.113.2"]);
    expect((await fleetTable(parseFleetQuery({ status: "never" }))).rows.map((r) => r.ipv4)).toEqual(["203.0.113.3"]);
    // an invalid value is dropped, not an error
    expect((await fleetTable(parseFleetQuery({ class: "bogus", sort: "ipv4", dir: "desc" }))).rows[0].ipv4).toBe("203.0.113.3");
    // the text filter (lib/fleet/text-filter, the rule the table applies as you type): name in any case, or part of the IPv4
    expect((await fleetTable(parseFleetQuery({ q: "RENAMED" }))).rows.map((r) => r.ipv4)).toEqual(["203.0.113.1"]);
    expect((await fleetTable(parseFleetQuery({ q: "113.2", sort: "ipv4" }))).rows.map((r) => r.ipv4)).toEqual(["203.0.113.2"]);
    expect((await fleetTable(parseFleetQuery({ q: "x".repeat(101) }))).rows.length).toBe(all.rows.length);
    // the dropdowns' values come from the same read: the whole fleet, whatever the filter
    const filtered = await fleetTable(parseFleetQuery({ country: "us" }));
    expect(filtered.facets).toEqual(all.facets);
    expect(all.facets.archs).toEqual(["k2-slave", "k2s"]);
    expect(all.facets.checks).toEqual(["timezone"]);
  });
});

describe("Center data is validated at the boundary (security #12)", () => {
  it("stores no row whose ipv4 is not an IPv4 literal (never an SSH target) and reports each in the sync summary", async () => {
    const hostile = [
      node(50, { ipv4: "localhost" }),
      node(51, { ipv4: "127.0.0.99;touch /tmp/x" }),
      node(52, { ipv4: "203.0.113.52 -oProxyCommand=x" }),
      node(53, { ipv4: "999.1.1.1" }),
      node(54, { name: "evil\u0000name" }),
      node(55, { tunnels: [{ id: 1, name: "t", domain: "a.sslip.io;rm -rf /", protocol: "k2s", port: 443 }] }),
      node(56, { ipv6: "$(id)" }),
    ];
    const res = await syncFleet([node(40), ...hostile, node(40, { name: "again" })]);
    expect(res.total).toBe(1);
    expect(res.rejected.map((r) => r.id)).toEqual(["50", "51", "52", "53", "54", "55", "56", "40"]);
    expect(res.rejected[0]).toEqual({ id: "50", ipv4: "localhost", reason: "ipv4: not an IPv4 address" });
    expect(res.rejected[5].reason).toMatch(/^tunnels\.0\.domain: /);
    expect(res.rejected[7].reason).toBe("ipv4: listed twice by Center");
    for (const ip of ["localhost", "127.0.0.99;touch /tmp/x", "999.1.1.1"]) {
      expect(await t.prisma.node.findUnique({ where: { ipv4: ip } })).toBeNull();
    }
    expect(await t.prisma.node.count({ where: { centerId: { in: [54, 55, 56] } } })).toBe(0);
  });
});

describe("an incomplete Center walk (issue #10 item 10)", () => {
  it("updates what it read but never flags a node it did not see as gone, and says so", async () => {
    await syncFleet([node(60), node(61)]);
    const partial = await syncFleet([node(60, { name: "seen-again" })], { complete: false, reason: "Center's total changed during the walk (2 -> 1)" });
    expect(partial).toMatchObject({ complete: false, gone: 0, updated: 1, incompleteReason: "Center's total changed during the walk (2 -> 1)" });
    expect((await t.prisma.node.findUnique({ where: { ipv4: "203.0.113.61" } }))?.inCenter).toBe(true);
    expect((await t.prisma.setting.findUnique({ where: { key: "fleet.lastSync" } }))?.value).toMatchObject({ complete: false });
    const whole = await syncFleet([node(60)]);
    expect(whole.complete).toBe(true);
    expect((await t.prisma.node.findUnique({ where: { ipv4: "203.0.113.61" } }))?.inCenter).toBe(false);
  });
});

describe("the summary tells unverified and unknown apart from healthy (issue #10 item 18)", () => {
  it("counts active nodes never verified and nodes whose checklist was unknown, and filters them", async () => {
    await syncFleet([node(70), node(71), node(72)]);
    await t.prisma.node.updateMany({ where: { ipv4: { in: ["203.0.113.70", "203.0.113.71", "203.0.113.72"] } }, data: { verificationStatus: null } });
    await t.prisma.node.update({ where: { ipv4: "203.0.113.71" }, data: { verificationStatus: "unknown" } });
    const v = await fleetTable(parseFleetQuery({}));
    expect(v.summary.unknown).toBe(1);
    expect(v.summary.neverVerified).toBeGreaterThanOrEqual(2);
    expect((await fleetTable(parseFleetQuery({ status: "unknown" }))).rows.map((r) => r.ipv4)).toEqual(["203.0.113.71"]);
  });
});

describe("a filter that cannot be applied is said, not silently dropped (issue #10 item 19)", () => {
  it("names a search over 100 characters and an unknown value", () => {
    expect(droppedFleetParams({ q: "x".repeat(101), status: "bogus", country: "jp" })).toEqual([
      { key: "q", reason: "is longer than 100 characters" },
      { key: "status", reason: "is not a value this filter knows" },
    ]);
    expect(droppedFleetParams({ q: "tokyo" })).toEqual([]);
  });
});
