// Benchmark (not a test): how long the node simulator takes to start and stop N
// healthy simulated nodes (real sshd, own namespace, first `up -d`, registration
// with the Center simulator), what one node start costs (CPU, processes), and what
// the commands the console runs cost ON a simulated node (simulator/node/cost.ts:
// processes spawned, CPU per call). Prints figures.
//   npx tsx scripts/bench-sim-start.ts [--sizes 50,200] [--parallel 16] [--runs 3]
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCenterSim } from "@/simulator/center";
import { measureOnNode } from "@/simulator/node/cost";
import { SimFleet, type NodeSpec } from "@/simulator/node/fleet";
import { buildVerificationScript } from "@/lib/verification";
import { childCpuMs } from "./bench-cpu";

const args = process.argv.slice(2);
const sizes = (args.includes("--sizes") ? args[args.indexOf("--sizes") + 1] : "50").split(",").map(Number);
const parallel = args.includes("--parallel") ? Number(args[args.indexOf("--parallel") + 1]) : 16;
const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 3;
const ipOf = (i: number) => `127.0.${70 + Math.floor(i / 250)}.${(i % 250) + 2}`;

const center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
const spec = (ip: string, i: number): NodeSpec => ({ ip, name: `bench.sim.wm${i}`, country: "JP", region: "jp-tokyo", scenario: "healthy", secret: crypto.randomBytes(32).toString("hex"), centerUrl: center.url });

/** The host's last PID handed out (counts every process started on the machine meanwhile: an upper bound). */
const lastPid = () => Number(fs.readFileSync("/proc/sys/kernel/ns_last_pid", "utf8"));
const pidMax = Number(fs.readFileSync("/proc/sys/kernel/pid_max", "utf8"));

console.log(`cores: ${os.availableParallelism()}, parallel starts: ${parallel}`);
for (const [k, n] of sizes.entries()) {
  const dir = `/tmp/k2ops-bench-sim-${n}`;
  fs.rmSync(dir, { recursive: true, force: true });
  const key = SimFleet.clientKey(path.join(dir, "keys"));
  const fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey);
  const t0 = performance.now();
  const c0 = childCpuMs();
  const s0 = process.cpuUsage();
  await fleet.addNodes(
    Array.from({ length: n }, (_, i) => spec(ipOf(i), i)),
    parallel,
  );
  const started = performance.now() - t0;
  const cpu = childCpuMs() - c0;
  const self = process.cpuUsage(s0);
  const registered = center.state.nodes.filter((x) => fleet.has(x.ipv4)).length;
  if (k === sizes.length - 1) await costTable(fleet, fleet.node(ipOf(0)), n);
  const t1 = performance.now();
  await fleet.stop();
  const stopped = performance.now() - t1;
  console.log(
    `N=${n}: started in ${(started / 1000).toFixed(1)} s (${Math.round(started / n)} ms/node), ${registered}/${n} registered at Center; stopped in ${(stopped / 1000).toFixed(1)} s; ` +
      `node CPU ${Math.round(cpu / n)} ms/node (+ this process ${Math.round((self.user + self.system) / 1000 / n)} ms/node: Center, spawning)`,
  );
}

/** One node start alone (min of 3): its CPU (exact: waited-for descendants) and the PIDs the machine handed out meanwhile. */
async function oneStart(fleet: SimFleet, base: number): Promise<{ ms: number; cpuMs: number; processes: number }> {
  let best = { ms: Infinity, cpuMs: Infinity, processes: Infinity };
  for (let i = 0; i < 3; i++) {
    const ip = ipOf(base + i);
    const p0 = lastPid();
    const c0 = childCpuMs();
    const t0 = performance.now();
    await fleet.addNode(spec(ip, base + i));
    const ms = performance.now() - t0;
    const cpuMs = childCpuMs() - c0;
    const processes = (lastPid() - p0 + pidMax) % pidMax;
    await fleet.removeNode(ip);
    best = { ms: Math.min(best.ms, ms), cpuMs: Math.min(best.cpuMs, cpuMs), processes: Math.min(best.processes, processes) };
  }
  return best;
}

async function costTable(fleet: SimFleet, node: ReturnType<SimFleet["node"]>, n: number) {
  const one = await oneStart(fleet, n);
  console.log(`one node start (alone, best of 3): ${Math.round(one.ms)} ms wall, ${Math.round(one.cpuMs)} ms node CPU, ${one.processes} processes (host PID counter: an upper bound)`);
  const script = buildVerificationScript({ token: crypto.randomBytes(12).toString("hex") });
  fs.writeFileSync(path.join(node.dir, "bench-cost-verify.sh"), script, { mode: 0o644 });
  const rows: [string, string, "root" | "ubuntu", { cwd?: string; viaWrapper?: boolean }?][] = [
    ["docker ps", "docker ps", "ubuntu"],
    ["docker ps --format '{{.Names}}'", "docker ps --format '{{.Names}}'", "ubuntu"],
    ["docker compose ps", "docker compose ps", "ubuntu", { cwd: "/apps/k2s" }],
    ["sudo docker compose ps --format json", "sudo -n docker compose ps --format json", "ubuntu", { cwd: "/apps/k2s" }],
    ["docker compose up -d (no change)", "docker compose up -d", "ubuntu", { cwd: "/apps/k2s" }],
    ["docker logs --tail 50 k2-sidecar", "docker logs --tail 50 k2-sidecar", "ubuntu"],
    ["docker inspect (health)", "docker inspect --format='{{.State.Health.Status}}' k2-sidecar", "ubuntu"],
    ["systemctl is-active docker", "systemctl is-active docker", "ubuntu"],
    ["ss -tlnp", "ss -tlnp", "root"],
    ["ssh session (wrapper.sh, true)", "true", "ubuntu", { viaWrapper: true }],
    ["verification script (as ubuntu)", "bash /var/lib/k2sim/bench-cost-verify.sh", "ubuntu"],
  ];
  console.log(`\nper call on one node (${node.ip}; mean of ${runs} runs): processes spawned, node CPU`);
  console.log(`${"command".padEnd(40)}${"processes".padStart(10)}${"CPU ms".padStart(9)}${"wall ms".padStart(9)}`);
  for (const [label, cmd, user, o] of rows) {
    const c = await measureOnNode(node, cmd, user, { runs, ...o });
    console.log(`${label.padEnd(40)}${String(Math.round(c.processes)).padStart(10)}${String(c.cpuMs).padStart(9)}${String(c.wallMs).padStart(9)}${c.code ? `  (exit ${c.code})` : ""}`);
  }
  console.log("");
}
await center.close();
process.exit(0);
