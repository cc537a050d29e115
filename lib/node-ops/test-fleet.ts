import fs from "node:fs";
import { startCenterSim } from "@/simulator/center";
import { SimFleet, type Scenario } from "@/simulator/node/fleet";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { syncFleet } from "@/lib/fleet";
import { registerSecret } from "@/lib/redact";
import { resetSshEngine } from "./engine";

// The fixture of the node-operation integration suites: a fresh database, the
// Center simulator, and real-sshd simulated nodes (one scenario each, all with
// `secret`), synced into the fleet table. Each suite uses its own 127.0.N.x
// range and state dir, so suites never collide.

export type TestFleet = { t: TestDatabase; center: Awaited<ReturnType<typeof startCenterSim>>; fleet: SimFleet; stop(): Promise<void> };

/** Starts the fixture in `dir` (wiped first); `nodes` are created in parallel and named `<prefix><n>`. */
export async function startTestFleet(
  dir: string,
  nodes: { ip: string; scenario: Scenario; /** simulated seconds per real second of its meter (default 12) */ timeScale?: number }[],
  o: { secret: string; namePrefix: string; beforeNodes?: () => void; /** image tags the simulated registry has (default DEFAULT_REGISTRY_TAGS) */ registryTags?: readonly string[] },
): Promise<TestFleet> {
  fs.rmSync(dir, { recursive: true, force: true });
  const t = await createTestDatabase();
  const center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  const key = SimFleet.clientKey(`${dir}/keys`);
  process.env.K2OPS_SSH_KEY_PATH = key.privateKeyPath;
  o.beforeNodes?.();
  const fleet = new SimFleet(`${dir}/nodes`, key.publicKey, o.registryTags ? { registryTags: [...o.registryTags] } : undefined);
  await fleet.addNodes(nodes.map((n, i) => ({ ip: n.ip, name: `jp-tokyo.aws.${o.namePrefix}${i + 1}`, country: "JP", region: "jp-tokyo.aws", scenario: n.scenario, secret: o.secret, centerUrl: center.url, ...(n.timeScale ? { timeScale: n.timeScale } : {}) })));
  registerSecret(o.secret);
  await syncFleet(nodes.map((n, i) => ({ id: i + 1, name: `${o.namePrefix}${i + 1}`, country: "JP", region: "jp-tokyo.aws", ipv4: n.ip, ipv6: "", class: "shared", updatedAt: 1, tunnels: [] })));
  return {
    t,
    center,
    fleet,
    async stop() {
      // the engine holds this fixture's client key: the next fixture in this process configures its own
      await resetSshEngine();
      await fleet.stop();
      await center.close();
      await t.close();
    },
  };
}

/**
 * The fixture's first check of every node (a plan needs each node's checked
 * directory), 8 at a time; throws naming the nodes whose check could not run,
 * so a loaded machine shows up as a fixture error, not as a later "skipped".
 */
export async function verifyFixture(ips: string[], triggeredBy = "fixture"): Promise<void> {
  const { verifyNode } = await import("@/lib/node-ops/verify");
  const broken: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, ips.length) }, async () => {
      for (let i = next++; i < ips.length; i = next++) {
        let v = await verifyNode(ips[i], { triggeredBy });
        if (v.status === "error") v = await verifyNode(ips[i], { triggeredBy });
        if (v.status === "error") broken.push(`${ips[i]}: ${v.error}`);
      }
    }),
  );
  if (broken.length) throw new Error(`fixture: ${broken.length} node(s) could not be checked: ${broken.slice(0, 3).join("; ")}`);
}

/**
 * Makes the fixture's Center (and a Lightsail simulator linked to it) bring up a
 * fresh machine for every instance created: an "unprovisioned" simulated node,
 * sshd on 22, nothing deployed, at a free `<prefix>.N` (N from `first`); static
 * IPs and address moves (change_ip) take their addresses from the same range.
 */
export async function createsFreshMachines(f: TestFleet, prefix: string, first = 10): Promise<void> {
  const { freshMachineHook, machineAddresses } = await import("@/simulator/node/launch-nodes");
  const addrs = machineAddresses(f.fleet, { prefix, first });
  f.center.setHooks({ ...addrs.hooks, onCreateInstance: freshMachineHook(f.fleet, addrs, f.center.url) });
}

/**
 * The PostgreSQL 15 server of a multi-process suite: the test command's
 * (K2OPS_IT_PG_URL), else one of its own in `dir` on `port`. Returns its URL and
 * a stop() (a no-op for the test command's server).
 */
export async function itPostgres(dir: string, port: number): Promise<{ url: string; stop(): void }> {
  const given = process.env.K2OPS_IT_PG_URL;
  if (given) return { url: given, stop: () => undefined };
  const { spawnSync } = await import("node:child_process");
  const script = new URL("../../scripts/pg-test-server.sh", import.meta.url).pathname;
  const r = spawnSync("bash", [script, "start", dir, String(port)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`PostgreSQL could not start: ${r.stderr}`);
  return { url: r.stdout.trim(), stop: () => void spawnSync("bash", [script, "stop", dir]) };
}
