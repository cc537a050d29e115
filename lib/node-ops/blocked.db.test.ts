import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { syncFleet } from "@/lib/fleet";
import { followLogs } from "./logs";
import { nodeStatus, rebootLightsail, restartContainer } from "./ops";

// A node whose SSH identity is in doubt is blocked before anything is sent
// (no SSH, no provider API): a changed key, or a new key type not yet confirmed.
let t: TestDatabase;
const ctx = { actor: "op@example.test", requestId: "req-blocked" };
beforeAll(async () => {
  t = await createTestDatabase();
  await syncFleet([
    { id: 1, name: "changed.wm01", country: "JP", region: "jp", ipv4: "203.0.113.81", ipv6: "", class: "shared", updatedAt: 1, tunnels: [] },
    { id: 2, name: "newtype.wm02", country: "JP", region: "jp", ipv4: "203.0.113.82", ipv6: "", class: "shared", updatedAt: 1, tunnels: [] },
  ]);
  await t.prisma.node.update({ where: { ipv4: "203.0.113.81" }, data: { hostKeyState: "changed" } });
  await t.prisma.node.update({ where: { ipv4: "203.0.113.82" }, data: { hostKeyState: "new_key_type" } });
});
afterAll(async () => {
  await t?.close();
});

describe("nodes whose host key is in doubt are blocked for every operation (issue #9 item 13, issue #10 item 8)", () => {
  it("a changed key blocks reads, changes and the Lightsail reboot", async () => {
    await expect(nodeStatus("203.0.113.81", ctx)).rejects.toThrow(/blocked until an admin/);
    await expect(restartContainer("203.0.113.81", "k2s", ctx)).rejects.toThrow(/blocked until an admin/);
    await expect(rebootLightsail("203.0.113.81", ctx)).rejects.toThrow(/blocked until an admin/);
  });

  it("a new key type blocks them too, until an admin confirms", async () => {
    await expect(nodeStatus("203.0.113.82", ctx)).rejects.toThrow(/new SSH host key type/);
    await expect(restartContainer("203.0.113.82", "k2s", ctx)).rejects.toThrow(/new SSH host key type/);
    await expect(rebootLightsail("203.0.113.82", ctx)).rejects.toThrow(/new SSH host key type/);
    await expect(followLogs("203.0.113.82", "k2s", 10, new AbortController().signal, () => undefined)).rejects.toThrow(/blocked until an admin/);
  });
});
