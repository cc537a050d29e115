// Benchmark (not a test): verification of N simulated nodes by k2ops (one SSH
// round trip per node, pooled engine, bounded concurrency) versus the same
// checklist script pushed with Ansible ad-hoc (forks=5 and forks=50, raw
// module) and with parallel-ssh, at each network round-trip time (the nodes sit
// behind the simulator's delaying relay: simulator/node/latency-relay.ts).
// Prints wall times, ratios and the machine's floor per RTT, what one
// verification costs a node (processes spawned, CPU), and where the machine's
// CPU went in each run (the tool's own, the nodes').
//
// --model: nodes with their own CPU, modelled. On this machine every simulated
// node shares the console's cores, so at N = 200 any tool waits for the nodes'
// CPU (the floor), not for the network. Here each node is a light SSH endpoint
// (scripts/bench-scale-endpoint.ts, one process, behind the same delaying
// relays) that answers the same checklist after the time it takes alone on one
// idle simulated node (measured first), with a healthy node's output: the
// network, the handshakes and each tool's own work are real, the node's work
// is a wait, as on a fleet where every node has its own CPU.
// Every tool starts cold: k2ops with a fresh engine, Ansible with a ControlPath dir of its own per
// run (its ControlPersist masters would otherwise carry one run's connections into the next).
// --concurrency 256,64: k2ops at each width (the first is the table's "k2ops"; others add rows).
//   npx tsx scripts/bench-verify.ts [--sizes 1,50,200] [--rtts 0,50,150,300] [--no-ansible] [--concurrency 256[,64]] [--model]
// Needs root (simulated nodes) and Debian's ansible + pssh (installed on demand).
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { startCenterSim } from "@/simulator/center";
import { measureOnNode } from "@/simulator/node/cost";
import { SimFleet } from "@/simulator/node/fleet";
import { generateEd25519KeyPair } from "@/lib/ssh/ed25519";
import { SshEngine } from "@/lib/ssh/engine";
import { MemoryHostKeyStore } from "@/lib/ssh/host-keys";
import { buildVerificationScript, parseVerificationOutput } from "@/lib/verification";
import { child } from "./bench-child";
import { cpuMark, cpuSince } from "./bench-cpu";
import { endpointIp } from "./bench-scale-endpoint";

const args = process.argv.slice(2);
const sizes = (args.includes("--sizes") ? args[args.indexOf("--sizes") + 1] : "1,50,200").split(",").map(Number);
const rtts = (args.includes("--rtts") ? args[args.indexOf("--rtts") + 1] : "0,50,150,300").split(",").map(Number);
const withAnsible = !args.includes("--no-ansible");
// the product's fleet jobs work on a bounded number of nodes at once: K2OPS_JOB_CONCURRENCY, 256 by
// default (16 with the simulated fleet: its nodes share the console's cores); 64 as well unless told
const widths = (args.includes("--concurrency") ? args[args.indexOf("--concurrency") + 1] : (process.env.K2OPS_JOB_CONCURRENCY ?? "256,64")).split(",").map(Number);
const concurrency = widths[0];
const model = args.includes("--model");
const MODEL_FIRST = 60; // the modelled nodes: 127.0.60.2 … (250 per /24)

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
const ipOf = (i: number) => (model ? endpointIp(MODEL_FIRST, i) : `127.0.${40 + Math.floor(i / 250)}.${(i % 250) + 2}`);

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
  // --model: one simulated node, to time the checklist on; the nodes verified are light endpoints
  const simIps = model ? ["127.0.40.2"] : ips;
  const queue = [...simIps];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let ip = queue.shift(); ip; ip = queue.shift()) {
        await fleet.addNode({ ip, name: `bench.sim.wm${ip.split(".").slice(2).join("")}`, country: "JP", region: "jp-tokyo", scenario: "healthy", secret: crypto.randomBytes(32).toString("hex"), centerUrl: center.url });
      }
    }),
  );
  console.log(`started ${simIps.length} simulated node${simIps.length === 1 ? "" : "s"} in ${ms(t0)} ms`);

  const token = crypto.randomBytes(12).toString("hex");
  const script = buildVerificationScript({ token });
  fs.writeFileSync(path.join(dir, "verify.sh"), script);
  // rows[rtt][tool][n] = wall ms
  const rows: Record<number, Record<string, Record<number, number>>> = {};
  const put = (rtt: number, tool: string, n: number, v: number) => (((rows[rtt] ??= {})[tool] ??= {})[n] = v);
  // the nodes' CPU per verification in each run (its session included): nodeCpu[rtt][n] = [tool, ms per node][]
  const nodeCpu: Record<number, Record<number, [string, number][]>> = {};
  // cpuPerNode[rtt][tool] = [the tool's own CPU, the nodes' CPU] per node at the largest N, in ms
  const cpuPerNode: Record<number, Record<string, [number, number]>> = {};
  /**
   * Times one run of a tool over n nodes: its wall time into rows, where the CPU went into nodeCpu (and
   * printed). The simulated nodes share this machine's cores, so a verification's true cost to a node (its
   * sshd session, the wrapper, the checklist and its shims) is the machine's busy time less this process
   * (the engine, the relays, the Center simulator) and the tools it waited for (bench-cpu.ts).
   */
  async function timed<R>(rtt: number, tool: string, n: number, fn: () => Promise<R>): Promise<R> {
    const m = cpuMark();
    const t = performance.now();
    const r = await fn();
    put(rtt, tool, n, ms(t));
    const c = cpuSince(m);
    if (!tool.includes("echo")) ((nodeCpu[rtt] ??= {})[n] ??= []).push([tool, c.nodes / n]);
    if (n === max) (cpuPerNode[rtt] ??= {})[tool] = [Math.round(c.tool / n), Math.round(c.nodes / n)];
    console.log(`rtt=${rtt} ms n=${n} ${tool}: ${rows[rtt][tool][n]} ms; CPU: the tool ${c.tool} ms (with this process's ${model ? "" : "relays and "}Center), the rest (nodes, kernel) ${c.nodes} ms = ${Math.round(c.nodes / n)} ms per node`);
    return r;
  }

  // What one verification costs ON a simulated node: processes spawned (exact, a fresh PID
  // namespace) and CPU. A real node runs its checks on its own CPU; here every simulated node
  // shares this machine's cores, so N nodes cannot finish faster than N × CPU / cores.
  const first = fleet.node(simIps[0]);
  fs.writeFileSync(path.join(first.dir, "bench-verify.sh"), script);
  const cost = await measureOnNode(first, "bash /var/lib/k2sim/bench-verify.sh", "ubuntu", { runs: 5 });
  const nodeCpuMs = cost.cpuMs;
  const cores = (await import("node:os")).availableParallelism();
  console.log(`one verification on a simulated node: ${cost.processes} processes spawned, ${nodeCpuMs} ms CPU (the shims included), ${cost.wallMs} ms wall; cores: ${cores}`);

  const privateKey = fs.readFileSync(key.privateKeyPath, "utf8");
  /** a fresh SSH engine: no pooled connection, no host key known yet (cold) */
  const newEngine = () => new SshEngine({ privateKey, hostKeys: new MemoryHostKeyStore() });
  let endpoints: ReturnType<typeof child> | null = null;
  if (model) {
    const hostKey = path.join(dir, "keys", "endpoint_host_ed25519");
    fs.writeFileSync(hostKey, generateEd25519KeyPair().private, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, "keys", "console.pub"), key.publicKey + "\n");
    endpoints = child("scripts/bench-scale-endpoint.ts", ["--first", String(MODEL_FIRST), "--count", String(max), "--delay-ms", String(cost.wallMs), "--rtt-ms", "0", "--authorized", path.join(dir, "keys", "console.pub"), "--host-key", hostKey]);
    const ready = await endpoints.first;
    console.log(`modelled nodes: ${ready.ready} SSH endpoints (${ready.first} … ${ready.last}) behind delaying relays, each answering the checklist after ${ready.delayMs} ms (its time alone on the simulated node)`);
  }

  for (const rtt of rtts) {
    if (endpoints) await endpoints.ask(`rtt ${rtt}`);
    else await fleet.setNetwork("*", { rttMs: rtt });
    for (const n of sizes) {
      const targets = ips.slice(0, n);
      const label = `rtt=${rtt} ms n=${n}`;
      /** `cmd` on every target, `w` at once, over `engine`'s pooled connections */
      // a node that cannot be reached (an overloaded machine: no banner in time) counts as not passing, and is named
      const fanOut = (engine: SshEngine, w: number, cmd = script) =>
        pool(targets, w, (ip) =>
          engine.runScript({ host: ip }, cmd, { timeoutMs: 120_000 }).catch((e: unknown) => {
            console.log(`  ${ip}: ${e instanceof Error ? e.message : String(e)}`);
            return { stdout: "", unreachable: true as const };
          }),
        );
      const parse = (results: { stdout: string; unreachable?: true }[]) =>
        results.map((r, i) => ({ ...parseVerificationOutput(r.stdout, { token, ipv4: targets[i], centerNode: null }), unreachable: !!r.unreachable }));
      // no output reads as every check unknown, which fails none: an unreachable node is not passing all the same
      const passing = (parsed: ReturnType<typeof parse>) => parsed.filter((p) => !p.unreachable && p.failingChecks.length === 0).length;
      // k2ops: fresh engine (cold: handshakes included), `concurrency` nodes at once
      const engine = newEngine();
      const parsed = parse(await timed(rtt, "k2ops (cold)", n, () => fanOut(engine, concurrency)));
      const passed = passing(parsed);
      const why = new Map<string, number>();
      for (const p of parsed) for (const c of p.failingChecks) why.set(c, (why.get(c) ?? 0) + 1);
      if (why.size) {
        console.log(`${label}: failing checks: ${[...why].map(([c, k]) => `${c}×${k}`).join(", ")}`);
        // the evidence of the first two failing nodes: a simulator fault or a console fault must be told apart
        for (const [i, p] of parsed.map((p, i) => [i, p] as const).filter(([, p]) => p.failingChecks.length).slice(0, 2))
          for (const c of p.checks.filter((c) => c.status === "fail")) console.log(`  ${targets[i]} ${c.key}: ${c.observed.slice(0, 300)}`);
      }
      await timed(rtt, "k2ops (warm pool)", n, () => fanOut(engine, concurrency));
      await engine.closeAll();
      console.log(`${label}: k2ops verified ${passed}/${n} passing`);
      // the same at other widths (fresh engines: cold, then warm)
      for (const w of widths.slice(1)) {
        const e = newEngine();
        const ok = passing(parse(await timed(rtt, `k2ops ×${w} (cold)`, n, () => fanOut(e, w))));
        await timed(rtt, `k2ops ×${w} (warm)`, n, () => fanOut(e, w));
        await e.closeAll();
        console.log(`${label}: k2ops ×${w} verified ${ok}/${n} passing`);
      }
      // the engine's own scaling: same fan-out and handshakes, trivial remote work
      const bare = newEngine();
      await timed(rtt, "k2ops engine (echo)", n, () => fanOut(bare, concurrency, "echo ok\n"));
      await bare.closeAll();
      // (modelled nodes wait instead of working: the simulated node's CPU is no floor for them)
      if (!model) put(rtt, "script CPU floor", n, Math.round((n * nodeCpuMs) / cores));

      if (!withAnsible) continue;
      const inv = path.join(dir, `hosts-${n}`);
      fs.writeFileSync(inv, targets.join("\n") + "\n");
      for (const forks of [5, 50]) {
        // cold, like k2ops's fresh engine: no ControlPersist master of an earlier run to reuse
        const env = { ...process.env, ANSIBLE_HOST_KEY_CHECKING: "False", ANSIBLE_STDOUT_CALLBACK: "oneline", ANSIBLE_LOAD_CALLBACK_PLUGINS: "1", ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(dir, `cp-${rtt}-${n}-${forks}`) };
        // raw module: plain SSH exec per host, no Python on the node — the kindest comparison for Ansible.
        // The script travels base64-encoded: Ansible's argument splitter refuses its quotes, and its
        // docker format strings ({{.Names}}) would be taken for Jinja templates
        const b64 = Buffer.from(script).toString("base64");
        const a = await timed(rtt, `ansible forks=${forks}`, n, () => run("ansible", ["all", "-i", inv, "-m", "raw", "-a", `echo ${b64} | base64 -d | bash`, "-f", String(forks), "-u", "ubuntu", "--private-key", key.privateKeyPath, "-e", "ansible_port=1022", "-o"], { env }));
        const ok = (a.stdout.match(/\| (?:CHANGED|SUCCESS)/g) ?? []).length;
        console.log(`${label}: ansible forks=${forks} succeeded on ${ok}/${n}${ok < n ? ` — ${(a.stdout + a.stderr).split("\n").find((l) => /UNREACHABLE|FAILED|ERROR/.test(l))?.slice(0, 200) ?? ""}` : ""}`);
      }
      const p = await timed(rtt, "parallel-ssh", n, () => run("parallel-ssh", ["-h", inv, "-l", "ubuntu", "-p", String(Math.min(200, n)), "-t", "120", "-x", `-p 1022 -i ${key.privateKeyPath} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`, "-I", "bash -s"], { input: script }));
      console.log(`${label}: parallel-ssh succeeded on ${(p.stdout.match(/\[SUCCESS\]/g) ?? []).length}/${n}`);
    }
    // the machine's floor: no tool finishes N nodes faster than one node takes, nor faster than the nodes' own CPU allows.
    // The nodes' CPU per verification is the least any tool's run cost them (a whole SSH session: sshd, the wrapper,
    // the checklist and its shims), measured at N ≥ 50 (one node's share of the machine is noise at N = 1)
    const single = rows[rtt]["k2ops (cold)"][sizes[0]];
    // (modelled nodes wait instead of working: their floor is one node's time)
    const perNode = model ? 0 : Math.min(...sizes.filter((n) => n >= 50).flatMap((n) => nodeCpu[rtt][n].map(([, v]) => v)));
    for (const n of sizes) put(rtt, "node CPU floor", n, Number.isFinite(perNode) ? Math.round((n * perNode) / cores) : rows[rtt]["script CPU floor"][n]);
    for (const n of sizes) put(rtt, "floor", n, Math.max(sizes[0] === 1 ? single : 0, rows[rtt]["node CPU floor"][n]));
    if (Number.isFinite(perNode) && !model) console.log(`rtt=${rtt} ms: the nodes' CPU per verification, the least of any run at N ≥ 50: ${Math.round(perNode)} ms (the script alone: ${nodeCpuMs} ms)`);
  }

  console.log(`\nwall time (ms) to verify N nodes (k2ops: ${concurrency} nodes at once, as its fleet jobs); one verification = ${cost.processes} processes, ${nodeCpuMs} ms CPU on a simulated node`);
  console.log(["rtt".padEnd(8), "tool".padEnd(20), ...sizes.map((n) => `N=${n}`.padStart(9)), "  ratio at N=" + max].join(""));
  for (const rtt of rtts) {
    const r = rows[rtt];
    const k = r["k2ops (cold)"][max];
    for (const [tool, v] of Object.entries(r)) {
      const ratio = tool.startsWith("k2ops (cold)") ? "" : /^k2ops ×\d+ \(cold\)$/.test(tool) ? `${(v[max] / r.floor[max]).toFixed(2)}× floor` : tool === "floor" ? `k2ops ${(k / v[max]).toFixed(2)}× floor` : /ansible|parallel/.test(tool) ? `${(v[max] / k).toFixed(1)}× k2ops` : "";
      console.log([`${rtt} ms`.padEnd(8), tool.padEnd(20), ...sizes.map((n) => String(v[n] ?? "-").padStart(9)), "  " + ratio].join(""));
    }
  }
  console.log(`\nCPU per node at N=${max} (ms): the tool's own (this process, with ${model ? "" : "the relays and "}the Center simulator, plus the tool's processes) / the rest (${model ? "the endpoints and their relays" : "the nodes: sshd session, wrapper, checklist, shims"}; the kernel)`);
  for (const rtt of rtts) for (const [tool, [own, nodes]] of Object.entries(cpuPerNode[rtt] ?? {})) console.log([`${rtt} ms`.padEnd(8), tool.padEnd(20), String(own).padStart(9), String(nodes).padStart(9)].join(""));
  const at = rows[150];
  if (at && withAnsible && sizes.includes(200))
    for (const [w, tool] of widths.map((w, i) => [w, i ? `k2ops ×${w} (cold)` : "k2ops (cold)"] as const)) {
    const k = at[tool][200];
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    console.log(`\ntargets at 150 ms, N=200, k2ops ${w} at once: ansible forks=5 / k2ops = ${(at["ansible forks=5"][200] / k).toFixed(2)}× (≥ 5: ${verdict(at["ansible forks=5"][200] / k >= 5)}); ` +
      `forks=50 / k2ops = ${(at["ansible forks=50"][200] / k).toFixed(2)}× (≥ 1.5: ${verdict(at["ansible forks=50"][200] / k >= 1.5)}); ` +
      `k2ops / floor = ${(k / at.floor[200]).toFixed(2)}× (≤ 1.25: ${verdict(k / at.floor[200] <= 1.25)})`);
  }

  endpoints?.proc.stdin?.end();
  await fleet.stop();
  await center.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
