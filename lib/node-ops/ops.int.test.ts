import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textOf } from "@/lib/text";
import { startCenterSim } from "@/simulator/center";
import { DEFAULT_REGISTRY_TAGS, SimFleet } from "@/simulator/node/fleet";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { syncFleet } from "@/lib/fleet";
import { acquireNodeLock } from "@/lib/guardrails/lock";
import { registerSecret } from "@/lib/redact";
import { addUser, applyEnvEdit, clearUsers, fixIptablesLegacy, nodeStatus, previewEnvEdit, pullAndUp, rebootLightsail, removeUser, restartContainer, tailLogs, viewUsers } from "./ops";
import { envApplyScript } from "./env-apply";
import { cancelOperation, runCancellable } from "./running";
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
  // the registry also has the tag the update tests roll out
  fleet = new SimFleet(`${dir}/nodes`, key.publicKey, { registryTags: [...DEFAULT_REGISTRY_TAGS, "v0.4.9-abcdef1"] });
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
    expect(textOf(up.summary).text).toContain("verification passed");
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
    expect(textOf(applied.summary).text).toContain("3 .env change(s) applied with up -d; verification passed");
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
    // a failing run logs its IPv4 error 30 s after it started (as the real sidecar's lookups time out): wait for the first one
    await expect.poll(async () => (await nodeStatus(NFT, ctx)).parsed.detectors.map((d) => d.key), { timeout: 60_000, interval: 3000 }).toEqual(expect.arrayContaining(["iptables-nft", "restart-loop"]));
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
    // security #13: the provider's API is a way to change the node too
    process.env.KAITU_CENTER_URL = center.url;
    try {
      await expect(rebootLightsail(HEALTHY, ctx)).rejects.toThrow(/blocked until an admin/);
    } finally {
      delete process.env.KAITU_CENTER_URL;
    }
    expect(fleet.commands(HEALTHY).length).toBe(before);
    const { clearHostKey } = await import("./ops");
    await clearHostKey(HEALTHY, "admin@example.test");
    expect((await nodeStatus(HEALTHY, ctx)).parsed.containers.length).toBe(2);
  });
});

describe("what an operator types cannot reroute a node's credentials or be rewritten by compose (security #1, #2)", () => {
  it("K2_CENTER_URL pointed at another listener is refused for an operator and an admin; the node keeps reporting to Center", async () => {
    const seen: string[] = [];
    const thief = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end("{}");
    });
    await new Promise<void>((r) => thief.listen(0, "127.0.0.1", r));
    const thiefUrl = `http://127.0.0.1:${(thief.address() as { port: number }).port}/`;
    process.env.KAITU_CENTER_URL = center.url;
    try {
      const before = fleet.readNodeFile(HEALTHY, "/apps/k2s/.env");
      const steal = { set: { K2_CENTER_URL: thiefUrl }, unset: [], secrets: {} };
      await expect(applyEnvEdit(HEALTHY, steal, false, ctx)).rejects.toThrow(/K2_CENTER_URL: Only an admin may change where the node sends its credentials/);
      await expect(applyEnvEdit(HEALTHY, steal, true, ctx)).rejects.toThrow(/K2_CENTER_URL: The node sends its secret to this address/);
      const interpolated = { set: { K2_CENTER_URL: `${center.url}/\${K2_NODE_SECRET}` }, unset: [], secrets: {} };
      await expect(applyEnvEdit(HEALTHY, interpolated, true, ctx)).rejects.toThrow(/K2_CENTER_URL: Refused: the value contains \$/);
      await expect(applyEnvEdit(HEALTHY, { set: {}, unset: ["K2_CENTER_URL"], secrets: {} }, true, ctx)).rejects.toThrow(/compose default/);
      expect(fleet.readNodeFile(HEALTHY, "/apps/k2s/.env")).toBe(before);
      await new Promise((r) => setTimeout(r, 500));
      expect(seen).toEqual([]);
      expect(allCommands(HEALTHY)).not.toContain(thiefUrl);
    } finally {
      delete process.env.KAITU_CENTER_URL;
      thief.close();
    }
  });

  it("an admin may set the configured Center, and every value k2ops writes reaches the container byte for byte", async () => {
    process.env.KAITU_CENTER_URL = center.url;
    try {
      const claim = "c".repeat(63) + "1";
      const set = { K2_CENTER_URL: center.url, K2_NODE_NAME: "jp-tokyo.aws.wm33", K2_CUTOFF_POLL_INTERVAL: "1m30s" };
      await applyEnvEdit(HEALTHY, { set, unset: [], secrets: { K2_PRIVATE_CLAIM: { mode: "replace", value: claim } } }, true, ctx);
      const r = await fleet.node(HEALTHY).inNode("docker exec k2-sidecar env");
      const env = new Map(r.stdout.split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
      for (const [k, v] of Object.entries(set)) expect(env.get(k)).toBe(v);
      expect(env.get("K2_PRIVATE_CLAIM")).toBe(claim);
      expect(allCommands(HEALTHY)).not.toContain(claim);
    } finally {
      delete process.env.KAITU_CENTER_URL;
    }
  });
});

describe("a long operation can be watched and cancelled (issue #10 item 16)", () => {
  it("cancel reaches the running command; a kill that cannot be confirmed keeps the node locked as state unknown", async () => {
    await fleet.setFault(HEALTHY, { hangPattern: "docker restart" });
    sshEngine().forget({ host: HEALTHY });
    const operationId = crypto.randomUUID();
    const running = runCancellable({ operationId, name: "node.restart", ipv4: HEALTHY, actor: ctx.actor }, () => restartContainer(HEALTHY, "k2s", ctx));
    const settled = running.then(
      () => null,
      (e: unknown) => e,
    );
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect(() => cancelOperation(operationId, HEALTHY, { email: "someone-else@example.test", isAdmin: false })).toThrow(/Only op@example.test or an admin/);
      expect(() => cancelOperation(operationId, NFT, { email: ctx.actor, isAdmin: false })).toThrow(/not running on this node/);
      expect(cancelOperation(operationId, HEALTHY, { email: ctx.actor, isAdmin: false })).toMatchObject({ name: "node.restart", ipv4: HEALTHY });
      expect(String(await settled)).toMatch(/cancelled/);
      // the command never told its process group: the node stays locked, saying why
      await expect(restartContainer(HEALTHY, "k2s", ctx)).rejects.toThrow(/busy: cancelled: state unknown \(node\.restart\)/);
      expect(() => cancelOperation(operationId, HEALTHY, { email: ctx.actor, isAdmin: true })).toThrow(/not running/);
    } finally {
      await fleet.setFault(HEALTHY, {});
      await t.prisma.nodeLock.deleteMany({ where: { nodeIpv4: HEALTHY } });
      sshEngine().forget({ host: HEALTHY });
    }
  });
});
