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

  it("a host not in the fleet table yet keeps its pin in the database for every process; it becomes a HostKey row when the host joins; carryPins moves a machine's pins to its new address", async () => {
    const NEW = "203.0.113.77";
    const MOVED = "203.0.113.78";
    await new PrismaHostKeyStore(t.prisma).pin(NEW, ed);
    // another console process (another store) sees the pin
    expect(await new PrismaHostKeyStore(t.prisma).list(NEW)).toEqual([ed]);
    expect(await t.prisma.hostKey.count({ where: { nodeIpv4: NEW } })).toBe(0);
    await syncFleet([
      { id: 1, name: "n1", country: "JP", region: "r", ipv4: IP, ipv6: "", class: "shared", updatedAt: 1, tunnels: [] },
      { id: 2, name: "pn-7", country: "JP", region: "r", ipv4: NEW, ipv6: "", class: "private", updatedAt: 1, tunnels: [] },
    ]);
    expect(await new PrismaHostKeyStore(t.prisma).list(NEW)).toEqual([ed]);
    expect(await t.prisma.hostKey.count({ where: { nodeIpv4: NEW, status: "trusted" } })).toBe(1);
    expect(await t.prisma.setting.count({ where: { key: `hostkey.unmanaged:${NEW}` } })).toBe(0);
    expect((await t.prisma.node.findUnique({ where: { ipv4: NEW } }))?.hostKeyState).toBe("trusted");
    // the same machine at a new address: its row first, then the pins carried (audited); other pins there are refused
    const store = new PrismaHostKeyStore(t.prisma);
    await expect(store.carryPins(NEW, MOVED, "op@example.test")).rejects.toThrow(/is not in the fleet table/);
    await t.prisma.node.create({ data: { ipv4: MOVED, name: "pn-7", inCenter: false } });
    expect(await store.carryPins(NEW, MOVED, "op@example.test")).toBe(1);
    expect(await store.list(MOVED)).toEqual([ed]);
    expect(await store.carryPins(NEW, MOVED, "op@example.test")).toBe(0);
    expect(await t.prisma.auditEvent.count({ where: { targetId: MOVED, action: "hostkey.carry" } })).toBe(1);
    await store.pin("203.0.113.79", rsa);
    await t.prisma.node.create({ data: { ipv4: "203.0.113.79", name: "other" } });
    await expect(store.carryPins(NEW, "203.0.113.79", "op@example.test")).rejects.toThrow(/already has other pinned host keys/);
  });
});
