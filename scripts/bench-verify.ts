// Benchmark (not a test): verification of N simulated nodes by k2ops (one SSH
// round trip per node, pooled engine, bounded concurrency) versus the same
// checklist script pushed with Ansible ad-hoc (forks=5 and forks=50, raw
// module) and with parallel-ssh, at each network round-trip time (the nodes sit
// behind the simulator's delaying relay: simulator/node/latency-relay.ts).
// Prints wall times, ratios and the machine's floor per RTT, and what one
// verification costs a node (processes spawned, CPU).
//   npx tsx scripts/bench-verify.ts [--sizes 1,50,200] [--rtts 0,50,150,300] [--no-ansible] [--concurrency 16]
// Needs root (simulated nodes) and Debian's ansible + pssh (installed on demand).
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { startCenterSim } from "@/simulator/center";
import { measureOnNode } from "@/simulator/node/cost";
import { SimFleet } from "@/simulator/node/fleet";
import { SshEngine } from "@/lib/ssh/engine";
import { MemoryHostKeyStore } from "@/lib/ssh/host-keys";
import { buildVerificationScript, parseVerificationOutput } from "@/lib/verification";

const args = process.argv.slice(2);
const sizes = (args.includes("--sizes") ? args[args.indexOf("--sizes") + 1] : "1,50,200").split(",").map(Number);
const rtts = (args.includes("--rtts") ? args[args.indexOf("--rtts") + 1] : "0,50,150,300").split(",").map(Number);
const withAnsible = !args.includes("--no-ansible");
// the product's fleet jobs work on a bounded number of nodes at once (K2OPS_JOB_CONCURRENCY, default 16)
const concurrency = args.includes("--concurrency") ? Number(args[args.indexOf("--concurrency") + 1]) : Number(process.env.K2OPS_JOB_CONCURRENCY ?? 16);

/** Runs `fn` over `items`, at most `limit` at once, results in order. */
async function pool<T, R>(items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]);
    }),
  );
  return out;
}
const dir = "/tmp/k2ops-bench-verify";
const max = Math.max(...sizes);
const ipOf = (i: number) => `127.0.${40 + Math.floor(i / 250)}.${(i % 250) + 2}`;

/**
 * Runs a tool without blocking this process: the Center simulator lives here and
 * the simulated sidecars' usage reports must keep getting answers meanwhile.
 */
function run(cmd: string, argv: string[], o: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, argv, { env: o.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    // ssh ControlPersist masters inherit the pipes: the tool's own exit is the end
    // (plus a moment for what is still in the pipes)
    p.on("exit", () => setTimeout(() => resolve({ stdout, stderr }), 500));
    p.stdin.end(o.input ?? "");
  });
}

function ms(t0: number) {
  return Math.round(performance.now() - t0);
}

async function main() {
  if (withAnsible) spawnSync("bash", ["scripts/ensure-system-deps.sh", "ansible", "pssh"], { stdio: "inherit" });
  fs.rmSync(dir, { recursive: true, force: true });
  const center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  const key = SimFleet.clientKey(path.join(dir, "keys"));
  // every node behind its delaying relay from the start (RTT 0 until a run sets it)
  const fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey, { network: { rttMs: 0 } });
  const t0 = performance.now();
  const ips = Array.from({ length: max }, (_, i) => ipOf(i));
  const queue = [...ips];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let ip = queue.shift(); ip; ip = queue.shift()) {
        await fleet.addNode({ ip, name: `bench.sim.wm${ip.split(".").slice(2).join("")}`, country: "JP", region: "jp-tokyo", scenario: "healthy", secret: crypto.randomBytes(32).toString("hex"), centerUrl: center.url });
      }
    }),
  );
  console.log(`started ${max} simulated nodes in ${ms(t0)} ms`);

  const token = crypto.randomBytes(12).toString("hex");
  const script = buildVerificationScript({ token });
  fs.writeFileSync(path.join(dir, "verify.sh"), script);
  // rows[rtt][tool][n] = wall ms
  const rows: Record<number, Record<string, Record<number, number>>> = {};
  const put = (rtt: number, tool: string, n: number, v: number) => (((rows[rtt] ??= {})[tool] ??= {})[n] = v);

  // What one verification costs ON a simulated node: processes spawned (exact, a fresh PID
  // namespace) and CPU. A real node runs its checks on its own CPU; here every simulated node
  // shares this machine's cores, so N nodes cannot finish faster than N × CPU / cores.
  const first = fleet.node(ips[0]);
  fs.writeFileSync(path.join(first.dir, "bench-verify.sh"), script);
  const cost = await measureOnNode(first, "bash /var/lib/k2sim/bench-verify.sh", "ubuntu", { runs: 5 });
  const nodeCpuMs = cost.cpuMs;
  const cores = (await import("node:os")).availableParallelism();
  console.log(`one verification on a simulated node: ${cost.processes} processes spawned, ${nodeCpuMs} ms CPU (the shims included), ${cost.wallMs} ms wall; cores: ${cores}`);

  for (const rtt of rtts) {
    await fleet.setNetwork("*", { rttMs: rtt });
    for (const n of sizes) {
      const targets = ips.slice(0, n);
      const label = `rtt=${rtt} ms n=${n}`;
      // k2ops: fresh engine (cold: handshakes included), `concurrency` nodes at once
      const engine = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: new MemoryHostKeyStore() });
      let t = performance.now();
      const results = await pool(targets, concurrency, (ip) => engine.runScript({ host: ip }, script, { timeoutMs: 120_000 }));
      put(rtt, "k2ops (cold)", n, ms(t));
      const parsed = results.map((r, i) => parseVerificationOutput(r.stdout, { token, ipv4: targets[i], centerNode: null }));
      const passed = parsed.filter((p) => p.failingChecks.length === 0).length;
      const why = new Map<string, number>();
      for (const p of parsed) for (const c of p.failingChecks) why.set(c, (why.get(c) ?? 0) + 1);
      if (why.size) {
        console.log(`${label}: failing checks: ${[...why].map(([c, k]) => `${c}×${k}`).join(", ")}`);
        // the evidence of the first two failing nodes: a simulator fault or a console fault must be told apart
        for (const [i, p] of parsed.map((p, i) => [i, p] as const).filter(([, p]) => p.failingChecks.length).slice(0, 2))
          for (const c of p.checks.filter((c) => c.status === "fail")) console.log(`  ${targets[i]} ${c.key}: ${c.observed.slice(0, 300)}`);
      }
      t = performance.now();
      await pool(targets, concurrency, (ip) => engine.runScript({ host: ip }, script, { timeoutMs: 120_000 }));
      put(rtt, "k2ops (warm pool)", n, ms(t));
      await engine.closeAll();
      console.log(`${label}: k2ops verified ${passed}/${n} passing`);
      // the engine's own scaling: same fan-out and handshakes, trivial remote work
      const bare = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: new MemoryHostKeyStore() });
      t = performance.now();
      await pool(targets, concurrency, (ip) => bare.runScript({ host: ip }, "echo ok\n", { timeoutMs: 120_000 }));
      put(rtt, "k2ops engine (echo)", n, ms(t));
      await bare.closeAll();
      put(rtt, "node CPU floor", n, Math.round((n * nodeCpuMs) / cores));

      if (!withAnsible) continue;
      const inv = path.join(dir, `hosts-${n}`);
      fs.writeFileSync(inv, targets.join("\n") + "\n");
      const env = { ...process.env, ANSIBLE_HOST_KEY_CHECKING: "False", ANSIBLE_STDOUT_CALLBACK: "oneline", ANSIBLE_LOAD_CALLBACK_PLUGINS: "1" };
      for (const forks of [5, 50]) {
        t = performance.now();
        // raw module: plain SSH exec per host, no Python on the node — the kindest comparison for Ansible.
        // The script travels base64-encoded: Ansible's argument splitter refuses its quotes, and its
        // docker format strings ({{.Names}}) would be taken for Jinja templates
        const b64 = Buffer.from(script).toString("base64");
        const a = await run("ansible", ["all", "-i", inv, "-m", "raw", "-a", `echo ${b64} | base64 -d | bash`, "-f", String(forks), "-u", "ubuntu", "--private-key", key.privateKeyPath, "-e", "ansible_port=1022", "-o"], { env });
        put(rtt, `ansible forks=${forks}`, n, ms(t));
        const ok = (a.stdout.match(/\| (?:CHANGED|SUCCESS)/g) ?? []).length;
        console.log(`${label}: ansible forks=${forks} succeeded on ${ok}/${n}${ok < n ? ` — ${(a.stdout + a.stderr).split("\n").find((l) => /UNREACHABLE|FAILED|ERROR/.test(l))?.slice(0, 200) ?? ""}` : ""}`);
      }
      t = performance.now();
      const p = await run("parallel-ssh", ["-h", inv, "-l", "ubuntu", "-p", String(Math.min(200, n)), "-t", "120", "-x", `-p 1022 -i ${key.privateKeyPath} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`, "-I", "bash -s"], { input: script });
      put(rtt, "parallel-ssh", n, ms(t));
      console.log(`${label}: parallel-ssh succeeded on ${(p.stdout.match(/\[SUCCESS\]/g) ?? []).length}/${n}`);
    }
    // the machine's floor: no tool finishes N nodes faster than one node takes, nor faster than the nodes' own CPU allows
    const single = rows[rtt]["k2ops (cold)"][sizes[0]];
    for (const n of sizes) put(rtt, "floor", n, Math.max(sizes[0] === 1 ? single : 0, rows[rtt]["node CPU floor"][n]));
  }

  console.log(`\nwall time (ms) to verify N nodes (k2ops: ${concurrency} nodes at once, as its fleet jobs); one verification = ${cost.processes} processes, ${nodeCpuMs} ms CPU on a simulated node`);
  console.log(["rtt".padEnd(8), "tool".padEnd(20), ...sizes.map((n) => `N=${n}`.padStart(9)), "  ratio at N=" + max].join(""));
  for (const rtt of rtts) {
    const r = rows[rtt];
    const k = r["k2ops (cold)"][max];
    for (const [tool, v] of Object.entries(r)) {
      const ratio = tool.startsWith("k2ops (cold)") ? "" : tool === "floor" ? `k2ops ${(k / v[max]).toFixed(2)}× floor` : /ansible|parallel/.test(tool) ? `${(v[max] / k).toFixed(1)}× k2ops` : "";
      console.log([`${rtt} ms`.padEnd(8), tool.padEnd(20), ...sizes.map((n) => String(v[n] ?? "-").padStart(9)), "  " + ratio].join(""));
    }
  }
  const at = rows[150];
  if (at && withAnsible && sizes.includes(200)) {
    const k = at["k2ops (cold)"][200];
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    console.log(`\ntargets at 150 ms, N=200: ansible forks=5 / k2ops = ${(at["ansible forks=5"][200] / k).toFixed(2)}× (≥ 5: ${verdict(at["ansible forks=5"][200] / k >= 5)}); ` +
      `forks=50 / k2ops = ${(at["ansible forks=50"][200] / k).toFixed(2)}× (≥ 1.5: ${verdict(at["ansible forks=50"][200] / k >= 1.5)}); ` +
      `k2ops / floor = ${(k / at.floor[200]).toFixed(2)}× (≤ 1.25: ${verdict(k / at.floor[200] <= 1.25)})`);
  }

  await fleet.stop();
  await center.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
