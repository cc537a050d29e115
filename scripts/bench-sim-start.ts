// Benchmark (not a test): how long the node simulator takes to start and stop N
// healthy simulated nodes (real sshd, own namespace, first `up -d`, registration
// with the Center simulator). Prints figures.
//   npx tsx scripts/bench-sim-start.ts [--sizes 50,200] [--parallel 16]
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCenterSim } from "@/simulator/center";
import { SimFleet } from "@/simulator/node/fleet";

const args = process.argv.slice(2);
const sizes = (args.includes("--sizes") ? args[args.indexOf("--sizes") + 1] : "50").split(",").map(Number);
const parallel = args.includes("--parallel") ? Number(args[args.indexOf("--parallel") + 1]) : 16;
const ipOf = (i: number) => `127.0.${70 + Math.floor(i / 250)}.${(i % 250) + 2}`;

const center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
console.log(`cores: ${os.availableParallelism()}, parallel starts: ${parallel}`);
for (const n of sizes) {
  const dir = `/tmp/k2ops-bench-sim-${n}`;
  fs.rmSync(dir, { recursive: true, force: true });
  const key = SimFleet.clientKey(path.join(dir, "keys"));
  const fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey);
  const t0 = performance.now();
  await fleet.addNodes(
    Array.from({ length: n }, (_, i) => ({ ip: ipOf(i), name: `bench.sim.wm${i}`, country: "JP", region: "jp-tokyo", scenario: "healthy" as const, secret: crypto.randomBytes(32).toString("hex"), centerUrl: center.url })),
    parallel,
  );
  const started = performance.now() - t0;
  const registered = center.state.nodes.filter((x) => fleet.has(x.ipv4)).length;
  const t1 = performance.now();
  await fleet.stop();
  const stopped = performance.now() - t1;
  console.log(`N=${n}: started in ${(started / 1000).toFixed(1)} s (${Math.round(started / n)} ms/node), ${registered}/${n} registered at Center; stopped in ${(stopped / 1000).toFixed(1)} s`);
}
await center.close();
process.exit(0);
