import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textOf } from "@/lib/text";
import type { SimFleet } from "@/simulator/node/fleet";
import type { TestDatabase } from "@/lib/db/test-db";
import { setSshOverride } from "@/lib/fleet";
import { nodeStatus, pullAndUp, pushCompose } from "./ops";
import { sshEngine } from "./engine";
import { startTestFleet, type TestFleet } from "./test-fleet";

// §4 compose push/deploy, the pinned-tag and DIR-migration guards, per-node SSH
// overrides and a slow node, against real sshd simulated nodes (127.0.34.x).
const HEALTHY = "127.0.34.11";
const UNMIGRATED = "127.0.34.12";
const FRESH = "127.0.34.13"; // a fresh machine: sshd still on 22
const dir = "/tmp/k2ops-test-compose";
const assets = `${dir}/assets`;
const SECRET = "7".repeat(64);
let fleet: SimFleet;
let t: TestDatabase;
const ctx = { actor: "op@example.test", requestId: "req-compose" };
const canonical = fs.readFileSync(path.resolve("deploy-assets/docker/docker-compose.yml"), "utf8");

function writeAssets(text: string) {
  fs.mkdirSync(`${assets}/docker`, { recursive: true });
  fs.writeFileSync(`${assets}/docker/docker-compose.yml`, text);
}
const created = (ip: string) => fleet.node(ip).state().containers.map((c) => `${c.name}@${c.created}`);

let fx: TestFleet;
beforeAll(async () => {
  fx = await startTestFleet(
    dir,
    [
      { ip: HEALTHY, scenario: "healthy" },
      { ip: UNMIGRATED, scenario: "unmigrated" },
      { ip: FRESH, scenario: "unprovisioned" },
    ],
    {
      secret: SECRET,
      namePrefix: "c",
      beforeNodes: () => {
        process.env.K2OPS_DEPLOY_ASSETS_DIR = assets;
        writeAssets(canonical);
      },
    },
  );
  ({ t, fleet } = fx);
});
afterAll(async () => {
  delete process.env.K2OPS_DEPLOY_ASSETS_DIR;
  await fx?.stop();
});

describe("compose push and deploy (§4)", () => {
  it("an identical compose is left alone; a changed one is written on stdin and nothing restarts", async () => {
    const before = created(HEALTHY);
    const same = await pushCompose(HEALTHY, { apply: false }, ctx);
    expect(same.parsed.outcome).toBe("UP-TO-DATE");

    const changed = canonical.replace(/^name: k2s$/m, "# pushed by k2ops test\nname: k2s");
    writeAssets(changed);
    const r = await pushCompose(HEALTHY, { apply: false }, ctx);
    expect(r.parsed.outcome).toBe("UPDATED");
    expect(textOf(r.summary).text).toMatch(/compose updated .*nothing restarted/);
    expect(fleet.readNodeFile(HEALTHY, "/apps/k2s/docker-compose.yml")).toBe(changed);
    expect(created(HEALTHY)).toEqual(before);
    const lines = fleet.commands(HEALTHY).map((c) => c.command);
    expect(lines.join("\n")).not.toContain("pushed by k2ops test");
    expect(lines.join("\n")).not.toContain(SECRET);
    expect((await t.prisma.node.findUnique({ where: { ipv4: HEALTHY } }))?.lastOperation).toBe("node.compose.push");
  });

  it("deploy = push + pull + up -d --remove-orphans, then the checklist", async () => {
    writeAssets(canonical);
    const r = await pushCompose(HEALTHY, { apply: true }, ctx);
    expect(r.parsed.outcome).toBe("UPDATED");
    expect(textOf(r.summary).text).toContain("pulled and brought up; verification passed");
    expect(fleet.readNodeFile(HEALTHY, "/apps/k2s/docker-compose.yml")).toBe(canonical);
    expect(fleet.commands(HEALTHY).map((c) => c.command).join("\n")).not.toMatch(/compose down/);
  });

  it("a compose that is not deployable is refused before anything reaches a node", async () => {
    writeAssets(canonical.replace(/\$\{K2_VERSION:-latest\}/g, "latest"));
    const n = fleet.commands(HEALTHY).length;
    await expect(pushCompose(HEALTHY, { apply: false }, ctx)).rejects.toThrow(/not deployable: .*unpinned.*Nothing was changed/);
    fs.rmSync(`${assets}/docker/docker-compose.yml`);
    await expect(pushCompose(HEALTHY, { apply: false }, ctx)).rejects.toThrow(/No canonical compose at/);
    expect(fleet.commands(HEALTHY).length).toBe(n);
    writeAssets(canonical);
  });

  it("DIR-migration guard: an un-migrated node is refused and /apps/k2s is not created", async () => {
    await expect(pushCompose(UNMIGRATED, { apply: true }, ctx)).rejects.toThrow(/DIR-MIGRATION GUARD.*Nothing was changed/);
    expect(() => fleet.readNodeFile(UNMIGRATED, "/apps/k2s/docker-compose.yml")).toThrow();
    expect(fleet.readNodeFile(UNMIGRATED, "/apps/kaitu-slave/docker-compose.yml")).toContain("name: kaitu-slave");
  });

  it("an unpinned K2_VERSION in .env is refused on the node before any pull", async () => {
    const envPath = fleet.node(HEALTHY).hostPath("/apps/k2s/.env");
    const env = fs.readFileSync(envPath, "utf8");
    fs.writeFileSync(envPath, env.replace(/^K2_VERSION=.*$/m, "K2_VERSION=latest"));
    const before = created(HEALTHY);
    try {
      await expect(pullAndUp(HEALTHY, ctx)).rejects.toThrow(/not a pinned tag/);
      expect(created(HEALTHY)).toEqual(before);
    } finally {
      fs.writeFileSync(envPath, env);
    }
  });
});

describe("per-node SSH overrides and slow nodes", () => {
  it("a node still on port 22 is unreachable on the default 1022 until an admin sets its port", async () => {
    await expect(nodeStatus(FRESH, ctx)).rejects.toThrow(/Nothing was changed/);
    await t.prisma.$transaction((tx) => setSshOverride(FRESH, { sshUser: null, sshPort: 22 }, tx));
    const r = await nodeStatus(FRESH, ctx);
    expect(r.parsed.containers).toEqual([]);
    expect((await t.prisma.node.findUnique({ where: { ipv4: FRESH } }))?.lastSshError).toBeNull();
  });

  it("a slow node still answers within the timeout; past a command's timeout the error is clear and prompt", async () => {
    await fleet.setFault(HEALTHY, { latencyMs: 1500 });
    try {
      const t0 = performance.now();
      const r = await nodeStatus(HEALTHY, ctx);
      expect(performance.now() - t0).toBeGreaterThan(1400);
      expect(r.parsed.containers.map((c) => c.name)).toEqual(["k2-sidecar", "k2s"]);

      const t1 = performance.now();
      const slow = await sshEngine().exec({ host: HEALTHY }, "echo ok" as never, { timeoutMs: 800 });
      const took = performance.now() - t1;
      expect(slow.timedOut).toBe(true);
      expect(took).toBeLessThan(3000);
    } finally {
      await fleet.setFault(HEALTHY, {});
    }
    // and the node's state is read normally once it is fast again
    expect((await nodeStatus(HEALTHY, ctx)).parsed.containers.every((c) => c.status.startsWith("Up"))).toBe(true);
  });
});
