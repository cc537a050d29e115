import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCenterSim } from "@/simulator/center";
import { SimFleet } from "@/simulator/node/fleet";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { syncFleet } from "@/lib/fleet";
import { acquireNodeLock } from "@/lib/guardrails/lock";
import { registerSecret } from "@/lib/redact";
import { addUser, applyEnvEdit, clearUsers, fixIptablesLegacy, nodeStatus, previewEnvEdit, pullAndUp, removeUser, restartContainer, tailLogs, viewUsers } from "./ops";
import { envApplyScript } from "./env-apply";
import { sshEngine } from "./engine";

// Every single-node operation against real sshd simulated nodes and a real
// database (127.0.33.x so suites never collide).
const HEALTHY = "127.0.33.11";
const NFT = "127.0.33.12";
const dir = "/tmp/k2ops-test-ops";
const SECRET = "9".repeat(64);
let center: Awaited<ReturnType<typeof startCenterSim>>;
let fleet: SimFleet;
let t: TestDatabase;
const ctx = { actor: "op@example.test", requestId: "req-test" };

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  t = await createTestDatabase();
  center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  const key = SimFleet.clientKey(`${dir}/keys`);
  process.env.K2OPS_SSH_KEY_PATH = key.privateKeyPath;
  fleet = new SimFleet(`${dir}/nodes`, key.publicKey);
  await fleet.addNode({ ip: HEALTHY, name: "jp-tokyo.aws.wm33", country: "JP", region: "jp-tokyo.aws", scenario: "healthy", secret: SECRET, centerUrl: center.url });
  await fleet.addNode({ ip: NFT, name: "jp-tokyo.aws.wm34", country: "JP", region: "jp-tokyo.aws", scenario: "nftables", secret: SECRET, centerUrl: center.url });
  registerSecret(SECRET);
  await syncFleet([HEALTHY, NFT].map((ip, i) => ({ id: i + 1, name: `n${i}`, country: "JP", region: "jp-tokyo.aws", ipv4: ip, ipv6: "", class: "shared", updatedAt: 1, tunnels: [] })));
});
afterAll(async () => {
  await sshEngine().closeAll();
  await fleet?.stop();
  await center?.close();
  await t?.close();
});

const allCommands = (ip: string) => fleet.commands(ip).map((c) => c.command).join("\n");

describe("node operations on simulated nodes", () => {
  it("status: parsed containers, redacted .env (the secret never leaves the node), host key pinned", async () => {
    const r = await nodeStatus(HEALTHY, ctx);
    expect(r.parsed.containers.map((c) => c.name)).toEqual(["k2-sidecar", "k2s"]);
    expect(r.parsed.sections.env).toContain("K2_NODE_SECRET=<redacted>");
    expect(r.raw).not.toContain(SECRET);
    expect(r.parsed.detectors).toEqual([]);
    expect((await t.prisma.node.findUnique({ where: { ipv4: HEALTHY } }))?.hostKeyState).toBe("trusted");
  });

  it("logs merge stderr (where the sidecar writes) and are capped by the template", async () => {
    const r = await tailLogs(HEALTHY, "k2-sidecar", 20, ctx);
    expect(r.raw).toContain("usage-reporter-cycle-ok");
    expect(r.command).toBe("docker logs --tail '20' 'k2-sidecar'");
  });

  it("users file: add (token on stdin only), view masked, remove, clear", async () => {
    const token = "tok-ops-int-ABCDEF123";
    await addUser(HEALTHY, { udid: "dev.1", token }, ctx);
    await expect(addUser(HEALTHY, { udid: "dev.1", token }, ctx)).rejects.toThrow(/already in the users file/);
    expect((await viewUsers(HEALTHY, ctx)).parsed).toEqual([{ udid: "dev.1", hasToken: true }]);
    expect(fleet.readNodeFile(HEALTHY, "/apps/k2s/users")).toBe(`dev.1:${token}\n`);
    expect(allCommands(HEALTHY)).not.toContain(token);
    await removeUser(HEALTHY, "dev.1", ctx);
    expect(fleet.readNodeFile(HEALTHY, "/apps/k2s/users")).toBe("");
    await addUser(HEALTHY, { udid: "dev2", token }, ctx);
    await clearUsers(HEALTHY, ctx);
    expect(fleet.readNodeFile(HEALTHY, "/apps/k2s/users")).toBe("");
  });

  it(".env changes are applied on the node by a stdin script and take effect with up -d, not restart", async () => {
    const engine = sshEngine();
    const r = await engine.runScript({ host: HEALTHY }, envApplyScript("/apps/k2s", [{ key: "K2_VERSION", value: "v0.4.9-abcdef1" }]), { sudo: true });
    expect(r.code).toBe(0);
    expect(fleet.readNodeFile(HEALTHY, "/apps/k2s/.env")).toContain(`K2_NODE_SECRET=${SECRET}`);
    await restartContainer(HEALTHY, "k2s", ctx);
    const image = async () => (await engine.exec({ host: HEALTHY }, (await import("@/lib/guardrails/command")).cmd`docker inspect -f '{{.Config.Image}}' k2s`)).stdout.trim();
    expect(await image()).toBe("public.ecr.aws/d6n9t2r2/k2s:v0.4.8-9d7c6f95");
    const up = await pullAndUp(HEALTHY, ctx);
    expect(up.summary).toContain("verification passed");
    expect(await image()).toBe("public.ecr.aws/d6n9t2r2/k2s:v0.4.9-abcdef1");
    expect(allCommands(HEALTHY)).not.toMatch(/compose down/);
    expect(allCommands(HEALTHY)).not.toContain(SECRET);
  });

  it(".env form: preview shows only non-secret diffs, bad input changes nothing, apply writes on the node and brings the stack up", async () => {
    const NEW_SECRET = "b".repeat(64);
    const edit = { set: { K2_NODE_TRAFFIC_LIMIT_GB: "2000", K2_LOG_LEVEL: "warn" }, unset: [], secrets: { K2_NODE_SECRET: { mode: "replace" as const, value: NEW_SECRET } } };
    const preview = await previewEnvEdit(HEALTHY, edit, false, ctx);
    expect(preview.parsed.problems).toEqual([]);
    expect(preview.parsed.current.K2_NODE_SECRET).toBe("<redacted>");
    expect(preview.parsed.changes).toEqual(
      expect.arrayContaining([
        { key: "K2_NODE_TRAFFIC_LIMIT_GB", from: "1000", to: "2000" },
        { key: "K2_NODE_SECRET", from: "(set)", to: "(replaced)" },
      ]),
    );
    expect(JSON.stringify(preview)).not.toContain(NEW_SECRET);
    const before = fleet.readNodeFile(HEALTHY, "/apps/k2s/.env");
    await expect(applyEnvEdit(HEALTHY, { set: { K2_DOMAIN: "vpn.example.com", K2_VERSION: "latest" }, unset: [], secrets: {} }, false, ctx)).rejects.toThrow(/Nothing was changed: .*K2_DOMAIN.*K2_VERSION|Nothing was changed: .*K2_VERSION.*K2_DOMAIN/);
    expect(fleet.readNodeFile(HEALTHY, "/apps/k2s/.env")).toBe(before);
    const applied = await applyEnvEdit(HEALTHY, edit, false, ctx);
    expect(applied.summary).toContain("3 .env change(s) applied with up -d; verification passed");
    const env = fleet.readNodeFile(HEALTHY, "/apps/k2s/.env");
    expect(env).toContain("K2_NODE_TRAFFIC_LIMIT_GB=2000");
    expect(env).toContain(`K2_NODE_SECRET=${NEW_SECRET}`);
    expect(allCommands(HEALTHY)).not.toContain(NEW_SECRET);
    expect(JSON.stringify(applied)).not.toContain(NEW_SECRET);
  });

  it("a pull failure is reported clearly and leaves the running stack as it was", async () => {
    fleet.setFault(HEALTHY, { pullFails: true });
    try {
      await expect(pullAndUp(HEALTHY, ctx)).rejects.toThrow(/pull \+ up -d failed/);
      expect((await nodeStatus(HEALTHY, ctx)).parsed.containers.every((c) => c.status.startsWith("Up"))).toBe(true);
    } finally {
      fleet.setFault(HEALTHY, {});
    }
  });

  it("a second change to the same node while one runs is refused, naming the holder", async () => {
    const release = await acquireNodeLock(HEALTHY, { holder: "other", operation: "node.update", actor: "someone@example.test", ttlMs: 60_000 });
    try {
      await expect(restartContainer(HEALTHY, "k2s", ctx)).rejects.toThrow(/busy: node\.update by someone@example\.test/);
    } finally {
      await release();
    }
  });

  it("detects iptables nf_tables breaking container networking, and the guided fix heals the node", async () => {
    const before = await nodeStatus(NFT, ctx);
    expect(before.parsed.detectors.map((d) => d.key)).toEqual(expect.arrayContaining(["iptables-nft", "restart-loop"]));
    await fixIptablesLegacy(NFT, ctx);
    const after = await nodeStatus(NFT, ctx);
    expect(after.parsed.detectors.map((d) => d.key)).not.toContain("iptables-nft");
    expect(after.parsed.containers.find((c) => c.name === "k2-sidecar")?.status).toMatch(/healthy/);
  });

  it("an unreachable node gives a clear error within the timeout and the last error is recorded", async () => {
    await fleet.setReachable(NFT, false);
    sshEngine().forget({ host: NFT });
    try {
      const t0 = performance.now();
      await expect(nodeStatus(NFT, ctx)).rejects.toThrow(/Nothing was changed/);
      expect(performance.now() - t0).toBeLessThan(15_000);
      expect((await t.prisma.node.findUnique({ where: { ipv4: NFT } }))?.lastSshError).toMatch(/ECONNREFUSED|failed/);
    } finally {
      await fleet.setReachable(NFT, true);
    }
  });

  it("a changed host key blocks every operation until cleared", async () => {
    await fleet.changeHostKey(HEALTHY);
    sshEngine().forget({ host: HEALTHY });
    const before = fleet.commands(HEALTHY).length;
    await expect(nodeStatus(HEALTHY, ctx)).rejects.toThrow(/host key/);
    expect((await t.prisma.node.findUnique({ where: { ipv4: HEALTHY } }))?.hostKeyState).toBe("changed");
    await expect(restartContainer(HEALTHY, "k2s", ctx)).rejects.toThrow(/blocked until an admin/);
    expect(fleet.commands(HEALTHY).length).toBe(before);
    const { clearHostKey } = await import("./ops");
    await clearHostKey(HEALTHY, "admin@example.test");
    expect((await nodeStatus(HEALTHY, ctx)).parsed.containers.length).toBe(2);
  });
});
