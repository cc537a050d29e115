import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCenterSim } from "@/simulator/center";
import { measureOnNode, parseProbe } from "./cost";
import { SimFleet, type SimNode } from "./fleet";

// measureOnNode counts exactly what a command spawns on a simulated node (a fresh PID
// namespace: PIDs one after another) and measures its CPU. Addresses 127.0.117.x are this suite's own.

const dir = "/tmp/k2ops-test-cost";
let center: Awaited<ReturnType<typeof startCenterSim>>;
let fleet: SimFleet;
let node: SimNode;

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  const key = SimFleet.clientKey(path.join(dir, "keys"));
  fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey);
  node = await fleet.addNode({ ip: "127.0.117.2", name: "jp-tokyo.aws.cost", country: "JP", region: "jp-tokyo.aws", scenario: "healthy", secret: "c".repeat(64), centerUrl: center.url });
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await center?.close();
});

describe("measureOnNode", () => {
  it("counts the processes a command spawns, its own first process included", async () => {
    for (const user of ["root", "ubuntu"] as const) {
      const empty = await measureOnNode(node, ":", user);
      const five = await measureOnNode(node, "for i in 1 2 3 4 5; do /bin/true; done", user);
      expect(empty.processes).toBe(1);
      expect(five.processes - empty.processes).toBe(5);
      // a command substitution is a fork too; a builtin is not
      const subst = await measureOnNode(node, 'x=$(echo a); y=$(echo b); printf "%s" "$x$y"', user);
      expect(subst.processes).toBe(3);
    }
  });

  it("averages over runs and reports the exit status", async () => {
    const r = await measureOnNode(node, "/bin/true; /bin/true; exit 3", "ubuntu", { runs: 3 });
    expect(r.processes).toBe(3);
    expect(r.code).toBe(3);
  });

  it("measures CPU: a busy loop costs, an empty command almost nothing", async () => {
    const busy = await measureOnNode(node, "i=0; while [ $i -lt 200000 ]; do i=$((i + 1)); done", "ubuntu");
    const empty = await measureOnNode(node, ":", "ubuntu");
    expect(busy.cpuMs).toBeGreaterThan(100);
    expect(empty.cpuMs).toBeLessThan(busy.cpuMs / 5);
    expect(busy.wallMs).toBeGreaterThanOrEqual(busy.cpuMs * 0.5);
  });

  it("runs a shim as the node runs it (docker as ubuntu goes through sudo: more than one process)", async () => {
    const r = await measureOnNode(node, "docker ps --format '{{.Names}}' | grep -qx k2s", "ubuntu");
    expect(r.code).toBe(0);
    expect(r.processes).toBeGreaterThan(2);
    // through the sshd ForceCommand too (the session's own bash and the wrapper's work on top)
    const w = await measureOnNode(node, "true", "ubuntu", { viaWrapper: true });
    expect(w.code).toBe(0);
    expect(w.processes).toBeGreaterThanOrEqual(1);
  });
});

describe("parseProbe", () => {
  it("rejects output that is not the probe's", () => {
    expect(() => parseProbe("nonsense", 1)).toThrow(/unexpected probe output/);
    expect(parseProbe("P 2\nT 0.010 0.004 0.002\nC 0\nP 9\n", 1)).toEqual({ processes: 6, cpuMs: 6, wallMs: 10, code: 0 });
  });
});
