import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { syncFleet } from "@/lib/fleet";
import { latestVerification, saveVerification, verificationHistory, type StoredCheck } from "./store";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await syncFleet([{ id: 1, name: "jp-tokyo.aws.wm04", country: "JP", region: "jp-tokyo.aws", ipv4: "203.0.113.10", ipv6: "", class: "shared", updatedAt: 1, tunnels: [] }]);
});
afterAll(async () => {
  await t?.close();
});

const check = (key: string, status: StoredCheck["status"], evidence = ""): StoredCheck => ({ key, name: key, proves: "", command: "", expected: "", observed: "", status, evidence });

describe("verification store", () => {
  it("keeps history, puts the latest summary on the node, and redacts evidence", async () => {
    await saveVerification("203.0.113.10", { status: "pass", failingChecks: [], checks: [check("timezone", "pass")], durationMs: 800 }, { triggeredBy: "a@x" });
    await new Promise((r) => setTimeout(r, 5));
    await saveVerification(
      "203.0.113.10",
      { status: "fail", failingChecks: ["timezone"], checks: [check("timezone", "fail", "K2_NODE_SECRET=" + "c".repeat(64))], durationMs: 900 },
      { triggeredBy: "b@x" },
    );
    const node = await t.prisma.node.findUnique({ where: { ipv4: "203.0.113.10" } });
    expect(node).toMatchObject({ verificationStatus: "fail", failingChecks: ["timezone"] });
    const hist = await verificationHistory("203.0.113.10");
    expect(hist.map((h) => h.status)).toEqual(["fail", "pass"]);
    const latest = await latestVerification("203.0.113.10");
    expect(JSON.stringify(latest?.checks)).not.toContain("c".repeat(64));
  });

  it("an unreachable node is recorded as error with the reason, not as pass or fail", async () => {
    await saveVerification("203.0.113.10", { status: "error", error: "connect ETIMEDOUT 203.0.113.10:1022", durationMs: 10_000 }, { triggeredBy: "c@x" });
    const node = await t.prisma.node.findUnique({ where: { ipv4: "203.0.113.10" } });
    expect(node).toMatchObject({ verificationStatus: "error", failingChecks: [] });
    expect((await latestVerification("203.0.113.10"))?.error).toContain("ETIMEDOUT");
  });
});
