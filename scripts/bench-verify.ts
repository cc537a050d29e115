// Benchmark (not a test): verification of N simulated nodes by k2ops (one SSH
// round trip per node, pooled engine, all nodes in parallel) versus the same
// checklist script pushed with Ansible ad-hoc (forks=5 and forks=50, raw
// module) and with parallel-ssh. Prints wall times and ratios.
//   npx tsx scripts/bench-verify.ts [--sizes 1,50,200] [--no-ansible]
// Needs root (simulated nodes) and Debian's ansible + pssh (installed on demand).
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { startCenterSim } from "@/simulator/center";
import { SimFleet } from "@/simulator/node/fleet";
import { SshEngine } from "@/lib/ssh/engine";
import { MemoryHostKeyStore } from "@/lib/ssh/host-keys";
import { buildVerificationScript, parseVerificationOutput } from "@/lib/verification";

const args = process.argv.slice(2);
const sizes = (args.includes("--sizes") ? args[args.indexOf("--sizes") + 1] : "1,50,200").split(",").map(Number);
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
  const fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey);
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
  const rows: Record<string, Record<number, number>> = {};
  const put = (tool: string, n: number, v: number) => ((rows[tool] ??= {})[n] = v);

  // What one verification costs ON a simulated node (the shims' CPU). A real
  // node runs its checks on its own CPU; here every simulated node shares this
  // machine's cores, so N nodes cannot finish faster than N × cost / cores.
  const first = fleet.node(ips[0]);
  fs.writeFileSync(path.join(first.dir, "bench-verify.sh"), script);
  const probe = await first.inNode("TIMEFORMAT='%3U %3S'; time (for i in 1 2 3 4 5; do bash /var/lib/k2sim/bench-verify.sh >/dev/null 2>&1; done) 2>&1", "ubuntu");
  const [u, sy] = probe.stdout.trim().split("\n").pop()!.split(" ").map(Number);
  const nodeCpuMs = Math.round(((u + sy) * 1000) / 5);
  const cores = (await import("node:os")).availableParallelism();
  console.log(`node-side CPU per verification (simulator shims): ${nodeCpuMs} ms; cores: ${cores}`);

  for (const n of sizes) {
    const targets = ips.slice(0, n);
    // k2ops: fresh engine (cold: handshakes included), every node at once
    const engine = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: new MemoryHostKeyStore() });
    let t = performance.now();
    const results = await pool(targets, concurrency, (ip) => engine.runScript({ host: ip }, script, { timeoutMs: 120_000 }));
    put("k2ops (cold)", n, ms(t));
    const parsed = results.map((r, i) => parseVerificationOutput(r.stdout, { token, ipv4: targets[i], centerNode: null }));
    const passed = parsed.filter((p) => p.failingChecks.length === 0).length;
    const why = new Map<string, number>();
    for (const p of parsed) for (const c of p.failingChecks) why.set(c, (why.get(c) ?? 0) + 1);
    if (why.size) console.log(`n=${n}: failing checks: ${[...why].map(([c, k]) => `${c}×${k}`).join(", ")}`);
    t = performance.now();
    await pool(targets, concurrency, (ip) => engine.runScript({ host: ip }, script, { timeoutMs: 120_000 }));
    put("k2ops (warm pool)", n, ms(t));
    await engine.closeAll();
    console.log(`n=${n}: k2ops verified ${passed}/${n} passing`);
    // the engine's own scaling: same fan-out and handshakes, trivial remote work
    const bare = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: new MemoryHostKeyStore() });
    t = performance.now();
    await pool(targets, concurrency, (ip) => bare.runScript({ host: ip }, "echo ok\n", { timeoutMs: 120_000 }));
    put("k2ops engine (echo)", n, ms(t));
    await bare.closeAll();
    put("node CPU floor", n, Math.round((n * nodeCpuMs) / cores));

    if (!withAnsible) continue;
    const inv = path.join(dir, `hosts-${n}`);
    fs.writeFileSync(inv, targets.join("\n") + "\n");
    const env = { ...process.env, ANSIBLE_HOST_KEY_CHECKING: "False", ANSIBLE_STDOUT_CALLBACK: "oneline", ANSIBLE_LOAD_CALLBACK_PLUGINS: "1" };
    for (const forks of [5, 50]) {
      t = performance.now();
      // raw module: plain SSH exec per host, no Python on the node — the kindest comparison for Ansible
      // {% raw %}: the script's docker format strings ({{.Names}}) are not Jinja templates
      const a = await run("ansible", ["all", "-i", inv, "-m", "raw", "-a", `{% raw %}${script}{% endraw %}`, "-f", String(forks), "-u", "ubuntu", "--private-key", key.privateKeyPath, "-e", "ansible_port=1022", "-o"], { env });
      put(`ansible forks=${forks}`, n, ms(t));
      const ok = (a.stdout.match(/\| (?:CHANGED|SUCCESS)/g) ?? []).length;
      console.log(`n=${n}: ansible forks=${forks} succeeded on ${ok}/${n}${ok < n ? ` — ${(a.stdout + a.stderr).split("\n").find((l) => /UNREACHABLE|FAILED|ERROR/.test(l))?.slice(0, 200) ?? ""}` : ""}`);
    }
    t = performance.now();
    const p = await run("parallel-ssh", ["-h", inv, "-l", "ubuntu", "-p", String(Math.min(200, n)), "-t", "120", "-x", `-p 1022 -i ${key.privateKeyPath} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`, "-I", "bash -s"], { input: script });
    put("parallel-ssh", n, ms(t));
    console.log(`n=${n}: parallel-ssh succeeded on ${(p.stdout.match(/\[SUCCESS\]/g) ?? []).length}/${n}`);
  }

  console.log(`\nwall time (ms) to verify N nodes (k2ops: ${concurrency} nodes at once, as its fleet jobs)`);
  console.log(["tool".padEnd(20), ...sizes.map((n) => `N=${n}`.padStart(9))].join(""));
  for (const [tool, r] of Object.entries(rows)) console.log([tool.padEnd(20), ...sizes.map((n) => String(r[n] ?? "-").padStart(9))].join(""));
  const k = rows["k2ops (cold)"];
  if (k && sizes.length > 1) console.log(`\nk2ops: N=${max} takes ${(k[max] / k[sizes[0]]).toFixed(2)}× the N=${sizes[0]} time (target ≤ 2×)`);
  const e = rows["k2ops engine (echo)"];
  if (e && sizes.length > 1) console.log(`k2ops engine alone (echo): N=${max} takes ${(e[max] / e[sizes[0]]).toFixed(2)}× the N=${sizes[0]} time`);
  if (k) console.log(`k2ops at N=${max} vs the simulated nodes' own CPU floor (${rows["node CPU floor"][max]} ms): ${(k[max] / rows["node CPU floor"][max]).toFixed(2)}×`);
  if (withAnsible) for (const tool of ["ansible forks=5", "ansible forks=50", "parallel-ssh"]) if (rows[tool]) console.log(`${tool} / k2ops at N=${max}: ${(rows[tool][max] / k[max]).toFixed(1)}×`);

  await fleet.stop();
  await center.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
