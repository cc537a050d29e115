import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimFleet } from "@/simulator/node/fleet";
import { fixTimezone, nodeStatus, pushCompose } from "./ops";
import { migrateDeployDir, migrateLegacyK2Slave } from "./migrate";
import { startTestFleet, type TestFleet } from "./test-fleet";

// Issue #10 item 14: legacy nodes told apart, migrated (k2-slave -> k2s; /apps/kaitu-slave
// -> /apps/k2s with the month's usage kept), and the state detectors with their fixes,
// against real sshd simulated nodes (127.0.37.x so suites never collide).
const LEGACY = "127.0.37.11";
const UNMIGRATED = "127.0.37.12";
const CUT = "127.0.37.13";
const WRONG_TZ = "127.0.37.14";
const METERING_OFF = "127.0.37.15";
const dir = "/tmp/k2ops-test-migrate";
const SECRET = "5".repeat(64);
let fleet: SimFleet;
const ctx = { actor: "op@example.test", requestId: "req-migrate" };
const GIB = 1024 ** 3;

const commandsOf = (ip: string) => fleet.commands(ip).map((c) => c.command).join("\n");
const keys = async (ip: string) => (await nodeStatus(ip, ctx)).parsed.detectors.map((d) => d.key);
/** the sidecar's newest reporter line, as the node logs it: the cycle's count and its end */
async function cycleUsage(ip: string): Promise<{ used: number; epoch: number }> {
  const r = await fleet.node(ip).inNode("docker logs k2-sidecar 2>&1 | grep 'usage-reporter-cycle-ok' | tail -n 1");
  const m = /epoch=(\d+) cumulative=(\d+)/.exec(r.stdout);
  if (!m) throw new Error(`no reporter line on ${ip}: ${r.stdout}${r.stderr}`);
  return { used: Number(m[2]), epoch: Number(m[1]) };
}
const projectOf = async (ip: string, c: string) => (await fleet.node(ip).inNode(`docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' ${c}`)).stdout.trim();

let fx: TestFleet;
beforeAll(async () => {
  fx = await startTestFleet(
    dir,
    [
      { ip: LEGACY, scenario: "legacy-k2-slave" },
      { ip: UNMIGRATED, scenario: "unmigrated" },
      { ip: CUT, scenario: "cut" },
      { ip: WRONG_TZ, scenario: "wrong-timezone" },
      { ip: METERING_OFF, scenario: "metering-off" },
    ],
    { secret: SECRET, namePrefix: "m" },
  );
  fleet = fx.fleet;
});
afterAll(async () => {
  await fx?.stop();
});

describe("detectors name each state (issue #10 item 14c)", () => {
  it("legacy k2-slave and un-migrated nodes are told apart", async () => {
    const legacy = await keys(LEGACY);
    expect(legacy).toEqual(expect.arrayContaining(["legacy-k2-slave", "unmigrated"]));
    const unmigrated = await keys(UNMIGRATED);
    expect(unmigrated).toContain("unmigrated");
    expect(unmigrated).not.toContain("legacy-k2-slave");
  });

  it("cut, wrong timezone and metering off are each named, and only where they apply", async () => {
    const cut = await keys(CUT);
    expect(cut).toContain("cut");
    expect(cut).not.toContain("metering-off");
    const tz = (await nodeStatus(WRONG_TZ, ctx)).parsed.detectors;
    expect(tz.find((d) => d.key === "wrong-timezone")).toMatchObject({ fix: "timezone" });
    expect(tz.map((d) => d.key)).not.toContain("cut");
    const off = await keys(METERING_OFF);
    expect(off).toContain("metering-off");
    expect(off).not.toContain("cut");
  });

  it("the timezone fix sets Asia/Singapore and turns the detector off", async () => {
    const r = await fixTimezone(WRONG_TZ, ctx);
    expect(r.parsed.timezone).toMatch(/^Asia\/Singapore/);
    expect(r.parsed.check.status).toBe("pass");
    expect(await keys(WRONG_TZ)).not.toContain("wrong-timezone");
    expect(commandsOf(WRONG_TZ)).toMatch(/sudo timedatectl set-timezone .*Asia\/Singapore/);
  });
});

describe("(a) legacy k2-slave -> k2s: canonical compose + up -d --remove-orphans, never down", () => {
  it("ends with k2s healthy, the checklist passing, the project's volumes (and the month's count) kept", async () => {
    const before = await cycleUsage(LEGACY);
    const r = await migrateLegacyK2Slave(LEGACY, ctx);
    expect(r.parsed.check.status).toBe("pass");
    const st = await nodeStatus(LEGACY, ctx);
    expect(st.parsed.containers.map((c) => c.name)).toEqual(["k2-sidecar", "k2s"]);
    expect(st.parsed.containers.find((c) => c.name === "k2-sidecar")?.status).toMatch(/healthy/);
    expect(st.parsed.detectors.map((d) => d.key)).not.toContain("legacy-k2-slave");
    // still in its old project and dir: the next step is the directory migration
    expect(await projectOf(LEGACY, "k2s")).toBe("kaitu-slave");
    expect(st.parsed.detectors.map((d) => d.key)).toContain("unmigrated");
    expect(fleet.readNodeFile(LEGACY, "/apps/kaitu-slave/docker-compose.yml")).toMatch(/^name: kaitu-slave$/m);
    expect((await cycleUsage(LEGACY)).used).toBeGreaterThanOrEqual(before.used);
    expect(commandsOf(LEGACY)).not.toMatch(/compose down/);
    expect(commandsOf(LEGACY)).not.toContain(SECRET);
  });

  it("a second run refuses: the node is no longer a k2-slave node", async () => {
    await expect(migrateLegacyK2Slave(LEGACY, ctx)).rejects.toThrow(/Not a legacy k2-slave node.*Nothing was changed/);
  });
});

describe("(b) /apps/kaitu-slave -> /apps/k2s, the month's usage kept", () => {
  it("ends in /apps/k2s with the same cycle usage, the old project down and the old dir kept", async () => {
    const before = await cycleUsage(UNMIGRATED);
    const oldCompose = fleet.readNodeFile(UNMIGRATED, "/apps/kaitu-slave/docker-compose.yml");
    const r = await migrateDeployDir(UNMIGRATED, ctx);
    expect(r.parsed.cutover).toEqual([]);
    expect(r.parsed.verification).toBe("verification passed");
    expect(r.parsed.restoredGb).toBe(Math.ceil(r.parsed.usageBefore.bytes! / GIB));
    expect(r.parsed.usageBefore.bytes).toBeGreaterThanOrEqual(before.used);

    // the new project runs from /apps/k2s, the old one is gone, the old dir is still there
    expect(await projectOf(UNMIGRATED, "k2-sidecar")).toBe("k2s");
    expect(fleet.node(UNMIGRATED).state().containers.every((c) => c.project === "k2s" && c.workdir === "/apps/k2s")).toBe(true);
    expect(fleet.readNodeFile(UNMIGRATED, "/apps/kaitu-slave/docker-compose.yml")).toBe(oldCompose);
    expect(fleet.readNodeFile(UNMIGRATED, "/apps/kaitu-slave/.env")).toContain(`K2_NODE_SECRET=${SECRET}`);
    expect(fleet.readNodeFile(UNMIGRATED, "/apps/k2s/.env")).toContain(`K2_NODE_SECRET=${SECRET}`);
    expect(fleet.readNodeFile(UNMIGRATED, "/apps/k2s/docker-compose.yml")).toMatch(/^name: k2s$/m);
    const vols = (await fleet.node(UNMIGRATED).inNode("docker volume ls --format '{{.Name}}'")).stdout;
    expect(vols).toContain("kaitu-slave_config");
    expect(vols).toContain("k2s_config");
    expect((await fleet.node(UNMIGRATED).inNode("crontab -l")).stdout).toContain("/apps/k2s/auto-update.sh");

    // the same cycle, the same count (rounded up to whole GiB by set-usage), not a fresh 0
    const after = await cycleUsage(UNMIGRATED);
    expect(after.epoch).toBe(before.epoch);
    expect(after.used).toBeGreaterThanOrEqual(before.used);
    expect(after.used - before.used).toBeLessThan(GIB + 50_000_000);

    // the one down: of the old project, in the old dir, and nothing else
    const downs = fleet.commands(UNMIGRATED).map((c) => c.command).filter((c) => /compose down/.test(c));
    expect(downs).toHaveLength(1);
    expect(downs[0]).toContain("cd '\\''/apps/kaitu-slave'\\'' && sudo docker compose down");
    expect(commandsOf(UNMIGRATED)).not.toContain(SECRET);
    expect((await keys(UNMIGRATED))).not.toContain("unmigrated");
  });

  it("a second run refuses and changes nothing; a node in /apps/k2s is refused too", async () => {
    const changes = () => fleet.commands(UNMIGRATED).filter((c) => /compose (down|up|pull)|set-usage|bash -s/.test(c.command)).length;
    const n = changes();
    await expect(migrateDeployDir(UNMIGRATED, ctx)).rejects.toThrow(/Already migrated.*Nothing was changed/);
    // only the read-only probe ran (one stdin script)
    expect(changes()).toBe(n + 1);
    await expect(migrateDeployDir(CUT, ctx)).rejects.toThrow(/Already migrated/);
  });

  it("the k2-slave node migrated by (a) then moves to /apps/k2s too, its count kept across both steps", async () => {
    const before = await cycleUsage(LEGACY);
    const r = await migrateDeployDir(LEGACY, ctx);
    expect(r.parsed.verification).toBe("verification passed");
    expect(await projectOf(LEGACY, "k2s")).toBe("k2s");
    const after = await cycleUsage(LEGACY);
    expect(after.used).toBeGreaterThanOrEqual(before.used);
    expect(after.used - before.used).toBeLessThan(GIB + 50_000_000);
    expect(await keys(LEGACY)).not.toEqual(expect.arrayContaining(["unmigrated"]));
  });

  it("after the migration the canonical compose deploys normally (the DIR-migration guard lets it through)", async () => {
    process.env.K2OPS_DEPLOY_ASSETS_DIR = "deploy-assets";
    try {
      const r = await pushCompose(UNMIGRATED, { apply: false }, ctx);
      expect(r.parsed.outcome).toBe("UP-TO-DATE");
    } finally {
      delete process.env.K2OPS_DEPLOY_ASSETS_DIR;
    }
  });
});
