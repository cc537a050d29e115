import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { clearAuditLog, createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { _setSessionResolver } from "@/lib/actions/safe-action";
import type { SessionUser } from "@/lib/auth/roles";
import { fleetTable, parseFleetQuery, syncFleet, type CenterNode } from "./index";
import { addManualNode } from "./manual";

// the actions revalidate the fleet page; there is no Next.js request here
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));
const { addManualNodeAction, removeManualNodeAction } = await import("@/app/(console)/fleet-actions");

// Issue #10 item 17: a node Center does not list (it never registered) is added by IPv4.

let t: TestDatabase;
let who: SessionUser | null;
const OPERATOR: SessionUser = { id: "u-op", email: "op@example.test", name: "Op", role: "operator" };
const VIEWER: SessionUser = { id: "u-v", email: "viewer@example.test", name: "V", role: "viewer" };

beforeAll(async () => {
  delete process.env.KAITU_CENTER_URL; // the live Center look is skipped: the last sync decides
  t = await createTestDatabase();
  _setSessionResolver(async () => who);
});
afterAll(async () => {
  _setSessionResolver(null);
  await t?.close();
});
beforeEach(async () => {
  await clearAuditLog(t.prisma);
  who = OPERATOR;
});

const centerNode = (ip: string, over: Partial<CenterNode> = {}): CenterNode => ({
  id: Number(ip.split(".")[3]),
  name: `jp-tokyo.aws.wm${ip.split(".")[3]}`,
  country: "JP",
  region: "jp-tokyo.aws",
  ipv4: ip,
  ipv6: "",
  ipType: "non_residential",
  class: "shared",
  updatedAt: 1_790_000_000,
  tunnels: [{ id: 1, name: "JP", domain: `${ip.replace(/\./g, "-")}.sslip.io`, protocol: "k2s", port: 443 }],
  ...over,
});
const audit = () => t.prisma.auditEvent.findMany({ orderBy: { at: "asc" } });

describe("adding a node Center does not list", () => {
  it("an operator adds it by IPv4: stored as manual, shown (not decommissioned) as not in Center, audited", async () => {
    const res = await addManualNodeAction({ ipv4: " 198.51.100.7 ", name: "restart-loop-box" });
    expect(res).toMatchObject({ ok: true, data: { ipv4: "198.51.100.7", name: "restart-loop-box", converted: false } });
    expect(await t.prisma.node.findUnique({ where: { ipv4: "198.51.100.7" } })).toMatchObject({ source: "manual", inCenter: false, name: "restart-loop-box" });
    const nameless = await addManualNodeAction({ ipv4: "198.51.100.8" });
    expect(nameless.ok).toBe(true);
    const { rows, summary } = await fleetTable(parseFleetQuery({}));
    expect(rows.filter((r) => r.source === "manual").map((r) => [r.ipv4, r.activity, r.inCenter])).toEqual([
      ["198.51.100.8", "active", false],
      ["198.51.100.7", "active", false],
    ]);
    expect(summary.decommissioned).toBe(0);
    expect(summary.neverVerified).toBe(2);
    expect(await audit()).toMatchObject([
      { action: "fleet.node.add", status: "succeeded", actorEmail: "op@example.test", targetType: "node", targetId: "198.51.100.7" },
      { action: "fleet.node.add", status: "succeeded", targetId: "198.51.100.8" },
    ]);
  });

  it("refuses a viewer, anything but a plain IPv4 host address, a node added twice and one Center lists; each refusal audited", async () => {
    await syncFleet([centerNode("203.0.113.40")]);
    await clearAuditLog(t.prisma);
    who = VIEWER;
    expect(await addManualNodeAction({ ipv4: "198.51.100.9" })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    who = OPERATOR;
    for (const ipv4 of ["localhost", "198.51.100.07", "1.2.3.4 -oProxyCommand=x", "0.1.2.3", "224.0.0.1", "256.1.1.1", ""]) {
      expect(await addManualNodeAction({ ipv4 })).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    }
    expect(await addManualNodeAction({ ipv4: "198.51.100.9", name: "bad\u0000name" })).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    expect(await addManualNodeAction({ ipv4: "198.51.100.7" })).toMatchObject({ ok: false, error: { code: "conflict", message: "198.51.100.7 was already added by hand." } });
    const listed = await addManualNodeAction({ ipv4: "203.0.113.40" });
    expect(listed).toMatchObject({ ok: false, error: { code: "conflict" } });
    expect(!listed.ok && listed.error.message).toMatch(/Center lists it/);
    // a live look at Center that lists it refuses too
    await expect(t.prisma.$transaction((tx) => addManualNode({ ipv4: "198.51.100.10" }, tx, { centerListsIt: true }))).rejects.toThrow(/Center lists it/);
    expect(await t.prisma.node.count({ where: { ipv4: { in: ["198.51.100.9", "198.51.100.10", "localhost"] } } })).toBe(0);
    expect((await t.prisma.node.findUnique({ where: { ipv4: "203.0.113.40" } }))?.source).toBe("center");
    const rows = await audit();
    expect(rows).toHaveLength(11);
    expect(rows.every((r) => r.action === "fleet.node.add" && (r.status === "denied" || r.status === "failed"))).toBe(true);
    expect(rows.filter((r) => r.status === "failed").map((r) => r.targetId)).toEqual(["198.51.100.7", "203.0.113.40"]);
  });

  it("a sync never marks a manual node gone; when Center lists it, it becomes a Center node and keeps what k2ops learned", async () => {
    await t.prisma.node.update({ where: { ipv4: "198.51.100.7" }, data: { verificationStatus: "fail", failingChecks: ["sidecar-registered"], arch: "k2s" } });
    const res = await syncFleet([centerNode("203.0.113.40")]);
    expect(res).toMatchObject({ complete: true, gone: 0 });
    expect(await t.prisma.node.findUnique({ where: { ipv4: "198.51.100.7" } })).toMatchObject({ source: "manual", inCenter: false, name: "restart-loop-box" });
    expect((await fleetTable(parseFleetQuery({}))).rows.find((r) => r.ipv4 === "198.51.100.7")?.activity).toBe("active");

    const listed = await syncFleet([centerNode("203.0.113.40"), centerNode("198.51.100.7", { name: "registered-at-last" })]);
    expect(listed).toMatchObject({ added: 0, updated: 2, gone: 0 });
    expect(await t.prisma.node.findUnique({ where: { ipv4: "198.51.100.7" } })).toMatchObject({ source: "center", inCenter: true, name: "registered-at-last", arch: "k2s", verificationStatus: "fail" });
    // a Center node from then on: gone when Center drops it
    expect(await syncFleet([centerNode("203.0.113.40")])).toMatchObject({ gone: 1 });
    expect(await t.prisma.node.findUnique({ where: { ipv4: "198.51.100.7" } })).toMatchObject({ source: "center", inCenter: false });
  });

  it("a record Center no longer lists is taken over as a manual node, its history kept", async () => {
    const res = await addManualNodeAction({ ipv4: "198.51.100.7" });
    expect(res).toMatchObject({ ok: true, data: { converted: true, name: "registered-at-last" } });
    expect(await t.prisma.node.findUnique({ where: { ipv4: "198.51.100.7" } })).toMatchObject({ source: "manual", inCenter: false, verificationStatus: "fail" });
  });
});

describe("removing a node added by hand", () => {
  it("an operator removes it (audited); a viewer may not, a Center node and a busy node are not removed", async () => {
    who = VIEWER;
    expect(await removeManualNodeAction({ ipv4: "198.51.100.8" })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    who = OPERATOR;
    expect(await removeManualNodeAction({ ipv4: "203.0.113.40" })).toMatchObject({ ok: false, error: { code: "conflict" } });
    expect(await removeManualNodeAction({ ipv4: "198.51.100.99" })).toMatchObject({ ok: false, error: { code: "not_found" } });
    await t.prisma.nodeLock.create({ data: { nodeIpv4: "198.51.100.7", holder: "req-1", operation: "restart", actorEmail: "op@example.test", expiresAt: new Date(Date.now() + 60_000) } });
    expect(await removeManualNodeAction({ ipv4: "198.51.100.7" })).toMatchObject({ ok: false, error: { code: "busy" } });
    expect(await removeManualNodeAction({ ipv4: "198.51.100.8" })).toMatchObject({ ok: true, data: { ipv4: "198.51.100.8" } });
    expect(await t.prisma.node.findUnique({ where: { ipv4: "198.51.100.8" } })).toBeNull();
    expect(await t.prisma.node.findUnique({ where: { ipv4: "203.0.113.40" } })).not.toBeNull();
    expect(await t.prisma.node.findUnique({ where: { ipv4: "198.51.100.7" } })).not.toBeNull();
    expect((await audit()).map((r) => [r.action, r.status, r.targetId])).toEqual([
      ["fleet.node.remove", "denied", "198.51.100.8"],
      ["fleet.node.remove", "failed", "203.0.113.40"],
      ["fleet.node.remove", "failed", "198.51.100.99"],
      ["fleet.node.remove", "failed", "198.51.100.7"],
      ["fleet.node.remove", "succeeded", "198.51.100.8"],
    ]);
  });
});
