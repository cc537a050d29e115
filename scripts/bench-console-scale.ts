// Benchmark (not a test): the console itself at fleet scale (issue 17). N nodes
// (default 5,000) in a fresh embedded database, and the job "Verify all" starts
// (kind "verify", every active node) run at 256 nodes at once (--concurrency) by this process's
// job engine and SSH engine, against N light SSH endpoints (one child process,
// scripts/bench-scale-endpoint.ts: 127.0.200.2 … on port 1022, each answering the
// checklist with a healthy node's output after --delay-ms, a node that far away).
// The embedded database runs in a process of its own, as the launcher runs it
// beside the console (scripts/bench-scale-db.ts).
//
// This process plays the console's server: Prisma, the job engine, the SSH pool.
// Every 200 ms it samples its RSS and the SSH pool; it prints the peak RSS, the
// job's wall time and nodes/s, the pool's connections during the job and after
// it (idle connections reaped: at most --max-idle idle during the job, none
// once idle for --idle-timeout-ms; the defaults are the engine's own, 60 000 ms
// and 256), the database's and the endpoints' RSS for context, and a verdict
// against the target (console RSS under 500 MB).
//   npm run bench:scale -- [--nodes 5000] [--concurrency 256] [--delay-ms 150] [--rtt-ms 0] [--postgres]
//                          [--idle-timeout-ms 60000] [--max-idle 256] [--alloc-profile <file>] [--cpu-profile <file>]
// --rtt-ms: every endpoint behind the simulator's delaying relay, that far away (a cold
// verification is then about 9.5 round trips plus --delay-ms: what an operator waits for).
// --postgres: the console's database is a PostgreSQL 15 server (scripts/pg-test-server.sh), not
// the embedded one.
// --alloc-profile: V8's sampling heap profiler runs during the job, counting
// every allocation (also what GC collected since); the profile is written to
// <file> (open it in Chrome DevTools) and the top allocators are printed.
// --cpu-profile <file>: V8's CPU profiler runs during the job; the profile is written to <file>
// and the console's CPU time is printed by package and by the nearest frame of this repository.
// No root needed; binds 127.0.200.2-127.0.219.251 port 1022 (no suite uses them).
import { spawn } from "node:child_process";
import fs from "node:fs";
import inspector from "node:inspector";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import ssh2 from "ssh2";
import { consoleHeapMb } from "@/lib/config";
import { generateEd25519KeyPair } from "@/lib/ssh/ed25519";
import { child } from "./bench-child";
import { cannedVerification, endpointIp } from "./bench-scale-endpoint";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const N = Number(opt("nodes", "5000"));
const CONCURRENCY = Number(opt("concurrency", "256"));
const DELAY_MS = Number(opt("delay-ms", "150"));
const RTT_MS = opt("rtt-ms", "");
const POSTGRES = args.includes("--postgres");
// the SSH engine's own defaults: the bench runs the pool as the console ships it
const IDLE_TIMEOUT_MS = opt("idle-timeout-ms", "60000");
const MAX_IDLE = opt("max-idle", "256");
const ALLOC_PROFILE = args.includes("--alloc-profile") ? opt("alloc-profile", "") : null;
const CPU_PROFILE = args.includes("--cpu-profile") ? opt("cpu-profile", "") : null;
const FIRST = 200; // 127.0.200.x … 127.0.219.x for 5,000 nodes
const TARGET_MB = 500;
const dir = "/tmp/k2ops-bench-scale";
const MB = 1024 * 1024;
const { utils } = ssh2; // CommonJS: the default export has every member

if (N > 20 * 250) throw new Error("at most 5000 nodes (127.0.200.x-127.0.219.x)");

const mb = (b: number) => `${(b / MB).toFixed(0)} MB`;

function writeKeys(): { clientKey: string; clientPub: string; hostKey: string } {
  const k = path.join(dir, "keys");
  fs.mkdirSync(k, { recursive: true, mode: 0o700 });
  const client = generateEd25519KeyPair();
  const host = generateEd25519KeyPair();
  const files = { clientKey: path.join(k, "id_ed25519"), clientPub: path.join(k, "id_ed25519.pub"), hostKey: path.join(k, "host_ed25519") };
  fs.writeFileSync(files.clientKey, client.private, { mode: 0o600 });
  fs.writeFileSync(files.clientPub, client.public);
  fs.writeFileSync(files.hostKey, host.private, { mode: 0o600 });
  return files;
}

type ProfileNode = { callFrame: { functionName: string; url: string }; selfSize: number; children: ProfileNode[] };

/** An inspector session on this process, and its `post` as a promise. */
function inspectorSession() {
  const session = new inspector.Session();
  session.connect();
  const post = <T>(method: string, params: object = {}) => new Promise<T>((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res as T))));
  return { session, post };
}

/** Starts V8's sampling heap profiler (every allocation counts, collected or not); the returned function stops it and writes the profile. */
async function startAllocationProfile(file: string): Promise<() => Promise<ProfileNode>> {
  const { session, post } = inspectorSession();
  await post("HeapProfiler.enable");
  await post("HeapProfiler.startSampling", { samplingInterval: 65536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return async () => {
    const { profile } = await post<{ profile: { head: ProfileNode } }>("HeapProfiler.stopSampling");
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    return profile.head;
  };
}

/** Starts V8's CPU profiler; the returned function stops it, writes the profile and returns it as a tree (selfSize = µs). */
async function startCpuProfile(file: string): Promise<() => Promise<ProfileNode>> {
  const { session, post } = inspectorSession();
  await post("Profiler.enable");
  await post("Profiler.start");
  return async () => {
    type CpuNode = { id: number; callFrame: ProfileNode["callFrame"]; children?: number[] };
    const { profile } = await post<{ profile: { nodes: CpuNode[]; samples: number[]; timeDeltas: number[] } }>("Profiler.stop");
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    const self = new Map<number, number>();
    profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const tree = (n: CpuNode): ProfileNode => ({ callFrame: n.callFrame, selfSize: self.get(n.id) ?? 0, children: (n.children ?? []).map((c) => tree(byId.get(c)!)) });
    return tree(profile.nodes[0]);
  };
}

/** The profile's self size (bytes allocated, or µs of CPU) by the innermost npm package, and by the nearest frame of this repository's code. */
function printProfile(head: ProfileNode, nodes: number, what: "allocated" | "CPU"): void {
  const byPackage = new Map<string, number>();
  const byOwn = new Map<string, number>();
  let total = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const walk = (n: ProfileNode, stack: ProfileNode["callFrame"][]) => {
    const here = [...stack, n.callFrame];
    if (n.selfSize && !(what === "CPU" && n.callFrame.functionName === "(idle)")) {
      total += n.selfSize;
      const pkg = [...here].reverse().find((f) => f.url.includes("/node_modules/"));
      const name = pkg ? pkg.url.split("/node_modules/").pop()!.split("/") : null;
      add(byPackage, name ? (name[0].startsWith("@") ? `${name[0]}/${name[1]}` : name[0]) : "node, and code without a frame", n.selfSize);
      const own = [...here].reverse().find((f) => !f.url.includes("/node_modules/") && /\/(lib|scripts|app)\//.test(f.url));
      add(byOwn, own ? `${own.functionName || "(anonymous)"} ${own.url.replace(/^.*?\/((lib|scripts|app)\/)/, "$1")}` : "(no frame of this repository: async continuations)", n.selfSize);
    }
    for (const c of n.children) walk(c, here);
  };
  walk(head, []);
  const fmt = (v: number) => (what === "CPU" ? `${(v / 1000).toFixed(0)} ms` : mb(v));
  const top = (m: Map<string, number>, k: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, v]) => `    ${fmt(v).padStart(8)}  ${name}`).join("\n");
  const per = what === "CPU" ? `${(total / 1000 / nodes).toFixed(1)} ms per node` : `${(total / nodes / 1024).toFixed(0)} KiB per node`;
  console.log(`${what} during the job (sampled): ${fmt(total)} in all, ${per}\n  by package:\n${top(byPackage, 10)}\n  by the nearest frame of this repository:\n${top(byOwn, 12)}`);
}

type Sample = { t: number; rss: number; heap: number; heapTotal: number; external: number; connections: number; idle: number; busy: number; reaped: number };

async function main(): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = writeKeys();

  // the database (its own process), then the endpoints
  let t = performance.now();
  const dbProc = child("scripts/bench-scale-db.ts", POSTGRES ? [`${dir}-pg`, "--postgres"] : [path.join(dir, "pglite")]);
  const endpoints = child("scripts/bench-scale-endpoint.ts", ["--first", String(FIRST), "--count", String(N), "--delay-ms", String(DELAY_MS), ...(RTT_MS ? ["--rtt-ms", RTT_MS] : []), "--authorized", keys.clientPub, "--host-key", keys.hostKey]);
  const stopChildren = () => {
    for (const c of [dbProc, endpoints]) c.proc.stdin?.end();
  };
  process.on("exit", () => {
    for (const c of [dbProc, endpoints]) if (c.proc.exitCode === null) c.proc.kill("SIGTERM");
  });
  try {
    const { url } = (await dbProc.first) as { url: string };
    const ready = await endpoints.first;
    console.log(`database (own process) and ${ready.ready} SSH endpoints (${ready.first} … ${ready.last}, port ${ready.port}, answering after ${ready.delayMs} ms) up in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // this process is the console: its settings come from the environment, as the console's do
    Object.assign(process.env, {
      DATABASE_URL: url,
      K2OPS_SSH_KEY_PATH: keys.clientKey,
      K2OPS_SSH_PORT: "1022",
      K2OPS_SSH_IDLE_TIMEOUT_MS: IDLE_TIMEOUT_MS,
      K2OPS_SSH_MAX_IDLE_CONNECTIONS: MAX_IDLE,
      K2OPS_JOB_CONCURRENCY: String(CONCURRENCY),
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    });
    delete process.env.KAITU_CENTER_URL; // Center is not asked (its cross-check reads "unknown", which does not fail a node)

    const { db } = await import("@/lib/db");
    const { describeKey } = await import("@/lib/ssh/host-keys");
    const { parseVerificationOutput } = await import("@/lib/verification");
    const { parseFleetQuery, verifiableNodes } = await import("@/lib/fleet");
    const { registerJobKinds } = await import("@/lib/jobs/console");
    const { startJobEngine, stopJobEngine } = await import("@/lib/jobs/engine");
    const { waitForJob } = await import("@/lib/jobs");
    const { startVerifyJob } = await import("@/lib/fleet/verify-job");
    const { sshEngine } = await import("@/lib/node-ops/engine");

    // the canned answer is one the console's parser passes
    const sample = parseVerificationOutput(cannedVerification("ab".repeat(12), endpointIp(FIRST, 0)), { token: "ab".repeat(12), ipv4: endpointIp(FIRST, 0), centerNode: null });
    const unknown = sample.checks.filter((c) => c.status === "unknown").map((c) => c.key);
    console.log(`canned checklist output: ${sample.status} (${sample.checks.length} checks; unknown: ${unknown.join(", ") || "none"})`);

    // N active nodes, their host keys already pinned (a fleet the console has verified before)
    t = performance.now();
    const hostPub = utils.parseKey(fs.readFileSync(keys.hostKey, "utf8"));
    if (hostPub instanceof Error) throw hostPub;
    const pin = describeKey(hostPub.getPublicSSH());
    const regions = ["jp-tokyo", "sg-singapore", "us-virginia", "us-losangeles", "de-frankfurt", "hk-hongkong", "au-sydney", "kr-seoul"];
    const ips = Array.from({ length: N }, (_, i) => endpointIp(FIRST, i));
    for (let i = 0; i < N; i += 1000) {
      const slice = ips.slice(i, i + 1000);
      await db().node.createMany({
        data: slice.map((ip, k) => {
          const region = regions[(i + k) % regions.length];
          return {
            ipv4: ip,
            name: `${region}.aws.sc${String(i + k).padStart(4, "0")}`,
            country: region.slice(0, 2).toUpperCase(),
            region,
            class: "shared",
            ipType: "non_residential",
            tunnels: [{ domain: `${ip.replace(/\./g, "-")}.sslip.io`, protocol: "k2v5", port: 443 }],
            arch: "k2s",
            lastSeenSshAt: new Date(),
            hostKeyState: "trusted" as const,
          };
        }),
      });
      await db().hostKey.createMany({ data: slice.map((ip) => ({ nodeIpv4: ip, algorithm: pin.algorithm, fingerprint: pin.fingerprint, publicKey: pin.publicKey, status: "trusted" })) });
    }
    console.log(`seeded ${N} nodes (host keys pinned) in ${((performance.now() - t) / 1000).toFixed(1)} s (console RSS now ${mb(process.memoryUsage().rss)})`);

    await registerJobKinds();
    // as the console runs it: with the minute sweep that re-sends a step whose hand-off to the queue failed
    // (the single embedded connection times out under load), not the fleet schedules
    await startJobEngine({ databaseUrl: url, localConcurrency: CONCURRENCY });
    const ssh = sshEngine();
    // what "Verify all" sends for an unfiltered table: the server recomputes the active nodes
    const nodes = await verifiableNodes(parseFleetQuery({}));
    const rss0 = process.memoryUsage().rss;
    console.log(`\nsettings: ${nodes.length} nodes, job concurrency ${CONCURRENCY} (K2OPS_JOB_CONCURRENCY), node answers after ${DELAY_MS} ms${RTT_MS ? ` and ${RTT_MS} ms away` : ""}, ${heapFlag} (K2OPS_MAX_HEAP_MB),`);
    console.log(`          SSH pool idleTimeoutMs ${IDLE_TIMEOUT_MS} (K2OPS_SSH_IDLE_TIMEOUT_MS), maxIdleConnections ${MAX_IDLE} (K2OPS_SSH_MAX_IDLE_CONNECTIONS); ${os.availableParallelism()} cores, Node ${process.version}`);
    console.log(`console RSS before the job: ${mb(rss0)}`);

    // sample every 200 ms; progress every 10 s
    const samples: Sample[] = [];
    const t0 = performance.now();
    const take = () => {
      const m = process.memoryUsage();
      const s = ssh.stats();
      samples.push({ t: performance.now() - t0, rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, external: m.external, connections: s.connections, idle: s.idleConnections, busy: s.busyChannels, reaped: s.reaped });
    };
    const sampler = setInterval(take, 200);
    const stopProfile = ALLOC_PROFILE ? await startAllocationProfile(ALLOC_PROFILE) : null;
    const stopCpu = CPU_PROFILE ? await startCpuProfile(CPU_PROFILE) : null;
    const childPeaks = { db: 0, endpoints: 0 };
    const askChildren = async () => {
      const [d, e] = await Promise.all([dbProc.ask(), endpoints.ask()]);
      childPeaks.db = Math.max(childPeaks.db, Number(d.rss));
      childPeaks.endpoints = Math.max(childPeaks.endpoints, Number(e.rss));
      return { d, e };
    };
    let jobId = "";
    const progress = setInterval(() => {
      void (async () => {
        const s = samples.at(-1);
        const { d, e } = await askChildren();
        const job = jobId ? await db().job.findUnique({ where: { id: jobId }, select: { done: true, total: true } }) : null;
        if (s) console.log(`  ${(s.t / 1000).toFixed(0).padStart(4)} s  ${job ? `${job.done}/${job.total}` : "-"} done  console RSS ${mb(s.rss)} (heap ${mb(s.heap)})  pool ${s.connections} conns (${s.idle} idle, ${s.busy} busy channels, ${s.reaped} reaped)  db ${mb(Number(d.rss))}  endpoints ${mb(Number(e.rss))} (${e.open} open)`);
      })().catch(() => undefined);
    }, 10_000);

    const jobT0 = new Date();
    const queries = countQueries();
    const cpu0 = process.cpuUsage();
    const started = await startVerifyJob(nodes, { createdBy: "bench@example.test", concurrency: CONCURRENCY });
    jobId = started.jobId;
    const status = await waitForJob(jobId, { timeoutMs: 4 * 3600_000, everyMs: 200 });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const queryCounts = queries.stop();
    take();
    clearInterval(progress);
    const profile = stopProfile ? await stopProfile() : null;
    const cpuProfile = stopCpu ? await stopCpu() : null;
    const during = samples.slice();

    // after the job: idle connections are reaped (the cap at once, the rest after the idle timeout)
    const after: Sample[] = [];
    const idleMs = Number(IDLE_TIMEOUT_MS);
    const until = performance.now() + (idleMs > 0 && Number.isFinite(idleMs) ? idleMs + 3000 : 3000);
    while (performance.now() < until) {
      take();
      after.push(samples.at(-1)!);
      if (samples.at(-1)!.connections === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    clearInterval(sampler);
    await askChildren();

    const items = await db().jobItem.groupBy({ by: ["status"], where: { jobId }, _count: true });
    const verdicts = await db().node.groupBy({ by: ["verificationStatus"], _count: true });
    const failed = await db().jobItem.findMany({ where: { jobId, status: { not: "succeeded" } }, select: { nodeIpv4: true, summary: true, error: true }, take: 3 });
    const peak = during.reduce((a, s) => (s.rss > a.rss ? s : a), during[0]);
    const maxOf = (k: keyof Sample) => Math.max(...during.map((s) => s[k]));
    const last = after.at(-1) ?? samples.at(-1)!;
    const stats = ssh.stats();

    console.log(`\njob ${status}: ${nodes.length} nodes in ${(wallMs / 1000).toFixed(1)} s = ${(nodes.length / (wallMs / 1000)).toFixed(1)} nodes/s at ${CONCURRENCY} at once`);
    console.log(`  steps: ${items.map((i) => `${i._count} ${i.status}`).join(", ")}; nodes now: ${verdicts.map((v) => `${v._count} ${v.verificationStatus ?? "never"}`).join(", ")}`);
    for (const f of failed) console.log(`  e.g. ${f.nodeIpv4}: ${f.summary ?? ""} ${f.error ?? ""}`);
    console.log(`  console CPU during the job: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (${((cpu.user + cpu.system) / 1e3 / nodes.length).toFixed(1)} ms per node; ${Math.round((100 * (cpu.user + cpu.system)) / 1e3 / wallMs)}% of one core)`);
    console.log(`  database statements during the job: ${((queryCounts.app + queryCounts.queue) / nodes.length).toFixed(1)} per node (${(queryCounts.app / nodes.length).toFixed(1)} k2ops's, ${(queryCounts.queue / nodes.length).toFixed(1)} the queue's: pg-boss fetches, completions and polls; BEGIN and COMMIT counted, this bench's own reads of the job included)`);
    // where the wall time went: when steps were claimed by a worker, how long they ran (the node's part), when they ended
    const times = await db().jobItem.findMany({ where: { jobId, startedAt: { not: null }, finishedAt: { not: null } }, select: { startedAt: true, finishedAt: true } });
    const rel = (d: Date) => d.getTime() - jobT0.getTime();
    const fmt = (xs: number[]) => {
      const sorted = xs.sort((a, b) => a - b);
      return [0, 0.5, 0.9, 1].map((p) => `${((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN) / 1000).toFixed(2)}`).join(" / ");
    };
    console.log(`  steps (s; first / median / p90 / last): claimed ${fmt(times.map((t) => rel(t.startedAt!)))}; ran ${fmt(times.map((t) => t.finishedAt!.getTime() - t.startedAt!.getTime()))}; ended ${fmt(times.map((t) => rel(t.finishedAt!)))}`);
    console.log(`console RSS: before ${mb(rss0)}, peak ${mb(peak.rss)} at ${(peak.t / 1000).toFixed(0)} s, after the job ${mb(last.rss)}; ${during.length} samples every 200 ms`);
    console.log(
      `  at the peak: JS heap ${mb(peak.heap)} used of ${mb(peak.heapTotal)} reserved, external ${mb(peak.external)}, the rest (code, WebAssembly, native buffers, threads) ${mb(peak.rss - peak.heapTotal - peak.external)}; JS heap used during the job: min ${mb(Math.min(...during.map((x) => x.heap)))}, max ${mb(maxOf("heap"))}`,
    );
    console.log(`SSH pool during the job: at most ${maxOf("connections")} connections open (${maxOf("idle")} idle, ${maxOf("busy")} busy channels); ${ssh.connectionsOpened} opened in all`);
    console.log(`SSH pool after the job: ${during.at(-1)!.connections} connections at its end → ${last.connections} (${last.idle} idle) ${((last.t - wallMs) / 1000).toFixed(1)} s later; reaped ${stats.reaped} (${stats.reapedIdle} idle ${IDLE_TIMEOUT_MS} ms, ${stats.reapedOverCap} over the cap of ${MAX_IDLE})`);
    if (profile) {
      printProfile(profile, nodes.length, "allocated");
      console.log(`  (profile: ${ALLOC_PROFILE})`);
    }
    if (cpuProfile) {
      printProfile(cpuProfile, nodes.length, "CPU");
      console.log(`  (profile: ${CPU_PROFILE})`);
    }
    console.log(`other processes (context, not the console): ${POSTGRES ? "PostgreSQL (its server and backends)" : "embedded database"} peak ${mb(childPeaks.db)}, SSH endpoints peak ${mb(childPeaks.endpoints)} (sampled every 10 s)`);
    const pass = peak.rss < TARGET_MB * MB;
    // reaping bounds the pool: never more idle connections than the cap, and none left once idle for the timeout
    const bounded = maxOf("idle") <= Number(MAX_IDLE) && (idleMs > 0 && Number.isFinite(idleMs) ? last.connections === 0 : true);
    console.log(
      `\nVERDICT: console peak RSS ${mb(peak.rss)} ${pass ? "<" : ">="} ${TARGET_MB} MB target: ${pass ? "PASS" : "FAIL"}; idle SSH connections ${bounded ? "bounded" : "NOT bounded"} (at most ${maxOf("idle")} idle and ${maxOf("connections")} open for ${nodes.length} nodes, ${last.connections} left after the job); job ${status}`,
    );

    await stopJobEngine({ timeoutMs: 10_000 }).catch(() => undefined);
    await ssh.closeAll();
    await db().$disconnect();
    stopChildren();
    await Promise.all([dbProc, endpoints].map((c) => (c.proc.exitCode === null ? new Promise((r) => c.proc.once("exit", r)) : null)));
    process.exit(pass && status === "succeeded" ? 0 : 1);
  } catch (e) {
    stopChildren();
    throw e;
  }
}

// This process plays the console server, which scripts/console.ts starts with a bounded heap
// (K2OPS_MAX_HEAP_MB, default 384): the bench runs under the same limit, re-started with it.
const heapFlag = `--max-old-space-size=${consoleHeapMb()}`;
if (!process.execArgv.includes(heapFlag)) {
  const again = spawn(process.execPath, [heapFlag, ...process.execArgv, process.argv[1], ...args], { stdio: "inherit" });
  again.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
}

/**
 * Counts the statements every pg client of this process sends (Prisma's adapter and pg-boss share
 * the one `pg` module) until `stop()`: `queue` are pg-boss's (they name its schema), `app` the rest.
 */
function countQueries(): { stop(): { app: number; queue: number } } {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const orig = proto.query;
  const n = { app: 0, queue: 0 };
  proto.query = function (this: unknown, ...a: unknown[]) {
    const q = a[0];
    const text = typeof q === "string" ? q : q && typeof q === "object" && "text" in q ? String((q as { text: unknown }).text) : "";
    if (/\bpgboss\./.test(text)) n.queue++;
    else n.app++;
    return orig.apply(this, a);
  };
  return { stop: () => ((proto.query = orig), { ...n }) };
}
