import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { syncFleet } from "@/lib/fleet";
import { PrismaHostKeyStore } from "./host-keys-prisma";

let t: TestDatabase;
const IP = "203.0.113.21";
beforeAll(async () => {
  t = await createTestDatabase();
  await syncFleet([{ id: 1, name: "n1", country: "JP", region: "r", ipv4: IP, ipv6: "", class: "shared", updatedAt: 1, tunnels: [] }]);
});
afterAll(async () => {
  await t?.close();
});

const rsa = { algorithm: "ssh-rsa", fingerprint: "SHA256:rsa", publicKey: "cnNh" };
const ed = { algorithm: "ssh-ed25519", fingerprint: "SHA256:ed", publicKey: "ZWQ=" };

describe("PrismaHostKeyStore: one pin per key type, new key types wait for an admin", () => {
  it("a new key type marks the node new_key_type (not changed); an admin's confirmation trusts it beside the old pin", async () => {
    const store = new PrismaHostKeyStore(t.prisma);
    await store.pin(IP, rsa);
    expect((await t.prisma.node.findUnique({ where: { ipv4: IP } }))?.hostKeyState).toBe("trusted");
    await store.recordNewKeyType(IP, ed);
    await store.recordNewKeyType(IP, ed); // seen again: one row
    expect((await t.prisma.node.findUnique({ where: { ipv4: IP } }))?.hostKeyState).toBe("new_key_type");
    expect(await t.prisma.hostKey.count({ where: { nodeIpv4: IP, status: "pending" } })).toBe(1);
    expect((await store.list(IP)).map((k) => k.algorithm)).toEqual(["ssh-rsa"]);
    expect(await store.confirmNewKeyType(IP, "admin@example.test", "SHA256:not-pending")).toBeNull();
    expect(await store.confirmNewKeyType(IP, "admin@example.test")).toEqual(ed);
    expect((await t.prisma.node.findUnique({ where: { ipv4: IP } }))?.hostKeyState).toBe("trusted");
    expect((await store.list(IP)).map((k) => k.algorithm)).toEqual(["ssh-ed25519", "ssh-rsa"]);
    expect(await t.prisma.auditEvent.count({ where: { targetId: IP, action: { in: ["hostkey.new_type", "hostkey.confirm_new_type"] } } })).toBe(2);
  });

  it("a node blocked for a changed key stays changed when it also shows a new type; clear forgets pending keys too", async () => {
    const store = new PrismaHostKeyStore(t.prisma);
    await store.recordMismatch(IP, { ...rsa, fingerprint: "SHA256:rsa-other" });
    await store.recordNewKeyType(IP, { ...ed, algorithm: "ecdsa-sha2-nistp256", fingerprint: "SHA256:ec" });
    expect((await t.prisma.node.findUnique({ where: { ipv4: IP } }))?.hostKeyState).toBe("changed");
    await store.clear(IP, "admin@example.test");
    expect(await t.prisma.hostKey.count({ where: { nodeIpv4: IP, status: { in: ["trusted", "rejected", "pending"] } } })).toBe(0);
    expect((await t.prisma.node.findUnique({ where: { ipv4: IP } }))?.hostKeyState).toBe("unknown");
  });
});
