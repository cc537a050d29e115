// SSH engine benchmark (not a test). Run as root: `npx tsx scripts/bench-ssh.ts [parallel=32]`.
// Starts one simulated node (real Debian sshd on 127.0.32.11:1022) and prints:
//  - cold latency of one status command (new engine: TCP + handshake + auth + exec)
//  - warm latency of the same command on the pooled connection
//  - handshakes per second: N parallel fresh connections (connect + auth, no exec)
import fs from "node:fs";
import { Client } from "ssh2";
import { startCenterSim } from "@/simulator/center";
import { SimFleet } from "@/simulator/node/fleet";
import { cmd } from "@/lib/guardrails/command";
import { SshEngine } from "@/lib/ssh/engine";
import { MemoryHostKeyStore } from "@/lib/ssh/host-keys";

const IP = "127.0.32.11";
const dir = "/tmp/k2ops-bench-ssh";
const parallel = Number(process.argv[2] ?? 32);
const STATUS = cmd`docker ps --format '{{.Names}}'`;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function handshake(privateKey: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.on("ready", () => {
      c.end();
      resolve();
    })
      .on("error", reject)
      .connect({ host: IP, port: 1022, username: "ubuntu", privateKey, readyTimeout: 20_000, hostVerifier: () => true });
  });
}

async function main() {
  fs.rmSync(dir, { recursive: true, force: true });
  const center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  const key = SimFleet.clientKey(`${dir}/keys`);
  const fleet = new SimFleet(`${dir}/nodes`, key.publicKey);
  await fleet.addNode({ ip: IP, name: "bench", country: "JP", region: "jp-tokyo", scenario: "healthy", secret: "e".repeat(64), centerUrl: center.url });
  const privateKey = fs.readFileSync(key.privateKeyPath, "utf8");
  try {
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < 10; i++) {
      const engine = new SshEngine({ privateKey, hostKeys: new MemoryHostKeyStore() });
      let t = performance.now();
      await engine.exec({ host: IP }, STATUS);
      cold.push(performance.now() - t);
      for (let j = 0; j < 10; j++) {
        t = performance.now();
        await engine.exec({ host: IP }, STATUS);
        warm.push(performance.now() - t);
      }
      await engine.closeAll();
    }
    console.log(`status command (${STATUS})`);
    console.log(`  cold (new connection): median ${pct(cold, 50).toFixed(1)} ms, p90 ${pct(cold, 90).toFixed(1)} ms (n=${cold.length})`);
    console.log(`  warm (pooled):         median ${pct(warm, 50).toFixed(1)} ms, p90 ${pct(warm, 90).toFixed(1)} ms (n=${warm.length})`);

    await handshake(privateKey); // warm up
    for (const n of [parallel, parallel * 2]) {
      const t = performance.now();
      const res = await Promise.allSettled(Array.from({ length: n }, () => handshake(privateKey)));
      const ms = performance.now() - t;
      const ok = res.filter((r) => r.status === "fulfilled").length;
      console.log(`handshakes: ${n} parallel fresh connections in ${ms.toFixed(0)} ms -> ${((ok / ms) * 1000).toFixed(1)} handshakes/s (${ok} ok, ${n - ok} failed)`);
    }
  } finally {
    await fleet.stop();
    await center.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
