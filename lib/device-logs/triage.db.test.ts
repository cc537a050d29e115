import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { nodeOfServer } from "./index";

// The server a client log names, found in the fleet with its state around the
// log's time (issue #15): the checklist run before it, the metered hour nearest it.
let t: TestDatabase;
const AT = Date.parse("2026-11-28T10:20:00Z");
beforeAll(async () => {
  t = await createTestDatabase();
  // as a fleet sync leaves them (tunnels as Center lists them)
  await t.prisma.node.create({ data: { ipv4: "203.0.113.11", name: "jp-tokyo-01", country: "JP", tunnels: [{ domain: "127-0-0-11.sslip.io", protocol: "k2v5", port: 443 }] } });
  await t.prisma.node.create({ data: { ipv4: "203.0.113.13", name: "sg-singapore-01", country: "SG" } });
  const run = (at: string, status: string, failingChecks: string[] = []) => t.prisma.verificationRun.create({ data: { nodeIpv4: "203.0.113.11", startedAt: new Date(at), status, failingChecks } });
  await run("2026-11-28T08:00:00Z", "fail", ["k2s_ready"]);
  await run("2026-11-28T11:00:00Z", "pass");
  for (const [h, used, cut] of [["09", 990, false], ["10", 1001, true], ["13", 1002, true]] as const) {
    await t.prisma.meterHourly.create({ data: { nodeIpv4: "203.0.113.11", bucket: new Date(`2026-11-28T${h}:00:00Z`), used: BigInt(used) * 2n ** 30n, limitGb: 1000, cut } });
  }
});
afterAll(async () => {
  await t?.close();
});

describe("nodeOfServer", () => {
  it("finds the node by tunnel domain or by name, with the checklist before the log and the meter's nearest hour", async () => {
    const byName = await nodeOfServer("jp-tokyo-01.sim.kaitu.io", AT);
    expect(byName.node).toMatchObject({ ipv4: "203.0.113.11", name: "jp-tokyo-01" });
    expect(byName.node!.around).toEqual({
      checkBefore: { at: "2026-11-28T08:00:00.000Z", status: "fail", failingChecks: ["k2s_ready"] },
      usage: { hour: "2026-11-28T10:00:00.000Z", usedBytes: 1001 * 2 ** 30, limitGb: 1000, cut: true },
    });
    expect((await nodeOfServer("127-0-0-11.sslip.io:443")).node?.ipv4).toBe("203.0.113.11");
    // nothing near: said, not invented
    const far = await nodeOfServer("jp-tokyo-01", Date.parse("2026-11-20T00:00:00Z"));
    expect(far.node!.around).toEqual({ checkBefore: null, usage: null });
    expect((await nodeOfServer("de-frankfurt-09.example")).node).toBeNull();
  });
});
