// Chaos test of rollouts (issue #12): a rollout of N simulated nodes while
// seeded random faults hit it (nodes unreachable, latency, hung commands, pull
// failures, a tag that never gets healthy, Center 5xx, the console SIGKILLed and
// started again twice), then an invariant check that prints every violation:
//   - every targeted node ends on the target tag and healthy, or reverted and
//     healthy, or failed with evidence;
//   - no node ever had two steps running at once (audit intervals per node);
//   - every node step has its audit rows, none left pending, outcomes truthful;
//   - no secret on any command line a node received.
//   npm run chaos:rollout -- [--seeds 20] [--first 1] [--nodes 50]
// Exit code 1 when any seed had a violation. A short seeded run is part of the
// test command (scripts/chaos-rollout.int.test.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");

export type ChaosOptions = {
  seed: number;
  nodes: number;
  /** PostgreSQL admin URL (a server the workers can share) */
  pgAdminUrl: string;
  /** first three octets of the nodes' addresses, e.g. "127.0.90" */
  ipPrefix: string;
  stateDir: string;
  /** console SIGKILL + restart count (default 2) */
  kills?: number;
  /** time limit of the whole rollout, ms (default 15 min) */
  timeoutMs?: number;
  log?: (s: string) => void;
};
export type ChaosResult = { seed: number; violations: string[]; events: string[]; status: string; counts: Record<string, number>; wallMs: number };

/** mulberry32: a small seeded PRNG (the same seed gives the same faults at the same steps) */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const t0 = Date.now();
  const log = o.log ?? ((s: string) => console.log(s));
  const rnd = prng(o.seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const SECRET = (o.seed.toString(16).padStart(2, "0") + "c4").repeat(16);
  const NEW = "v0.4.9-0a1b2c3d";
  const ips = Array.from({ length: o.nodes }, (_, i) => `${o.ipPrefix}.${i + 10}`);
  process.env.K2OPS_TEST_PG_URL = o.pgAdminUrl;
  const { startTestFleet } = await import("@/lib/node-ops/test-fleet");
  const { DEFAULT_REGISTRY_TAGS } = await import("@/simulator/node/fleet");
  const { verifyNode } = await import("@/lib/node-ops/verify");
  const { registerJobKinds } = await import("@/lib/jobs/console");
  const { startJobEngine, stopJobEngine } = await import("@/lib/jobs/engine");
  const { db } = await import("@/lib/db");
  const { startRollout, resumeRollout } = await import("@/lib/rollout");
  const { strategySchema } = await import("@/lib/rollout/strategy");
  const { knownSecretMatches } = await import("@/lib/redact");
  const f = await startTestFleet(o.stateDir, ips.map((ip) => ({ ip, scenario: "healthy" as const })), { secret: SECRET, namePrefix: `ch${o.seed}-`, registryTags: [...DEFAULT_REGISTRY_TAGS, NEW] });
  delete process.env.K2OPS_TEST_PG_URL;
  const events: string[] = [];
  const violations: string[] = [];
  const consoles: ChildProcess[] = [];
  let consoleN = 0;
  const startConsole = () => {
    const id = `chaos-console-${++consoleN}`;
    // node itself runs the worker (tsx as a loader): a SIGKILL must hit the process doing the work, not a tsx wrapper that leaves it running
    const w = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/worker.ts")], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: f.t.url, K2OPS_INSTANCE_ID: id, K2OPS_WORKER_SCHEDULES: "0", K2OPS_ROLLOUT_COMMAND_TIMEOUT_MS: "20000", K2OPS_VERIFY_TIMEOUT_MS: "30000", LOG_LEVEL: "error", KAITU_CENTER_URL: f.center.url, KAITU_ACCESS_KEY: f.center.accessKeys.editor },
      stdio: ["ignore", "ignore", "inherit"],
    });
    consoles.push(w);
    events.push(`${elapsed()} start ${id}`);
    return w;
  };
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  let status = "not started";
  let counts: Record<string, number> = {};
  try {
    await registerJobKinds();
    await startJobEngine({ databaseUrl: f.t.url, schedules: false, workers: false });
    await Promise.all(ips.map((ip) => verifyNode(ip, { triggeredBy: "chaos fixture" })));
    let current = startConsole();
    const strategy = strategySchema.parse({ canary: 1, promotion: "auto", batchSize: { mode: "percent", value: 25 }, minHealthySeconds: 1, healthyDeadlineSeconds: 30, failureThreshold: { mode: "percent", value: 100 }, autoRevert: true });
    const { jobId } = await startRollout({ target: { selection: ips }, params: { kind: "update", targetTag: NEW, pushCompose: false }, strategy, expectedCount: ips.length, createdBy: "chaos@example.test" });
    events.push(`${elapsed()} rollout ${jobId}`);
    // the faults, at seeded random moments, until the rollout ends
    const undo: { at: number; fn: () => Promise<void>; what: string }[] = [];
    const kills = o.kills ?? 2;
    // kill times count from the rollout's start (the fleet's set-up time varies with the machine's load)
    const rolloutT0 = Date.now();
    const killAt = Array.from({ length: kills }, (_, i) => 8_000 + (i + rnd()) * 25_000).sort((a, b) => a - b);
    const deadline = Date.now() + (o.timeoutMs ?? 15 * 60_000);
    for (;;) {
      const job = await db().job.findUniqueOrThrow({ where: { id: jobId } });
      status = job.status;
      if (["succeeded", "failed", "cancelled"].includes(job.status)) break;
      if (Date.now() > deadline) {
        violations.push(`the rollout did not end within ${(o.timeoutMs ?? 900_000) / 1000} s (status ${job.status})`);
        break;
      }
      if (job.status === "halted") {
        events.push(`${elapsed()} halted (${job.haltReason}); resumed`);
        await resumeRollout(jobId);
      }
      const now = Date.now();
      for (const u of undo.filter((x) => x.at <= now)) {
        await u.fn();
        events.push(`${elapsed()} clear ${u.what}`);
      }
      undo.splice(0, undo.length, ...undo.filter((x) => x.at > now));
      if (killAt.length && now - rolloutT0 >= killAt[0]) {
        killAt.shift();
        current.kill("SIGKILL");
        events.push(`${elapsed()} SIGKILL console ${consoleN}`);
        await new Promise((r) => setTimeout(r, 500 + rnd() * 3000));
        current = startConsole();
      }
      if (rnd() < 0.35) {
        const ip = pick(ips);
        const kind = pick(["unreachable", "latency", "hang", "pull", "unhealthy", "center"] as const);
        const hold = 3000 + rnd() * 12_000;
        if (kind === "unreachable") {
          await f.fleet.setReachable(ip, false);
          undo.push({ at: now + hold, fn: () => f.fleet.setReachable(ip, true), what: `unreachable ${ip}` });
        } else if (kind === "center") {
          f.center.setAppFault(503);
          undo.push({ at: now + hold, fn: async () => f.center.setAppFault(null), what: "Center 5xx" });
        } else {
          const fault = kind === "latency" ? { latencyMs: 300 + Math.round(rnd() * 1200) } : kind === "hang" ? { hangPattern: "compose pull" } : kind === "pull" ? { pullFails: true } : { unhealthyTag: NEW };
          await f.fleet.setFault(ip, fault);
          // a bad tag and a broken registry stay broken for this node; the transient ones pass
          if (kind === "latency" || kind === "hang") undo.push({ at: now + hold, fn: () => f.fleet.setFault(ip, {}), what: `${kind} ${ip}` });
        }
        events.push(`${elapsed()} ${kind}${kind === "center" ? "" : ` ${ip}`}`);
      }
      await new Promise((r) => setTimeout(r, 1000 + rnd() * 2000));
    }
    for (const u of undo) await u.fn();
    f.center.setAppFault(null);
    // the end state, checked with the faults cleared
    for (const ip of ips) await f.fleet.setFault(ip, {});
    const items = await db().jobItem.findMany({ where: { jobId } });
    counts = items.reduce<Record<string, number>>((a, i) => ((a[i.status] = (a[i.status] ?? 0) + 1), a), {});
    const tagOf = (ip: string) => /^K2_VERSION=(.*)$/m.exec(f.fleet.readNodeFile(ip, "/apps/k2s/.env"))?.[1];
    await Promise.all(
      items.map(async (i) => {
        const ip = i.nodeIpv4;
        if (i.status === "succeeded") {
          if (tagOf(ip) !== NEW) violations.push(`${ip}: succeeded but .env says ${tagOf(ip)}`);
          const v = await verifyNode(ip, { triggeredBy: "chaos check" });
          if (v.status !== "pass") violations.push(`${ip}: succeeded but not healthy now (${v.status})`);
        } else if (i.status === "reverted") {
          const before = (i.before as { tag?: string } | null)?.tag;
          if (tagOf(ip) !== before) violations.push(`${ip}: reverted but on ${tagOf(ip)}, not ${before}`);
          const v = await verifyNode(ip, { triggeredBy: "chaos check" });
          if (v.status !== "pass") violations.push(`${ip}: reverted but not healthy now (${v.status})`);
        } else if (i.status === "failed") {
          if (!i.error) violations.push(`${ip}: failed without evidence`);
        } else violations.push(`${ip}: ended ${i.status}`);
      }),
    );
    // audit: one interval per attempt, never overlapping on a node; none pending; the last outcome matches the step
    const rows = await db().auditEvent.findMany({ where: { action: "rollout.update.node" }, orderBy: { at: "asc" } });
    for (const i of items) {
      const mine = rows.filter((r) => r.requestId.startsWith(`${i.id}:`));
      if (!mine.length) violations.push(`${i.nodeIpv4}: no audit row for its step`);
      if (mine.some((r) => r.status === "pending")) violations.push(`${i.nodeIpv4}: an audit row left pending`);
      const last = mine[mine.length - 1];
      const want = i.status === "succeeded" ? "succeeded" : "failed";
      if (last && last.status !== want) violations.push(`${i.nodeIpv4}: step ${i.status} but its audit outcome is ${last.status}`);
      for (let k = 1; k < mine.length; k++) {
        const prevEnd = mine[k - 1].finishedAt?.getTime() ?? Infinity;
        if (mine[k].at.getTime() < prevEnd - 50) violations.push(`${i.nodeIpv4}: two steps at once (attempts ${mine[k - 1].requestId} and ${mine[k].requestId} overlap)`);
      }
    }
    for (const ip of ips) {
      for (const c of f.fleet.commands(ip)) {
        if (c.command.includes(SECRET) || knownSecretMatches(c.command).length) violations.push(`${ip}: a secret on a command line`);
        if (/compose\s+down/.test(c.command)) violations.push(`${ip}: compose down was sent`);
      }
    }
  } finally {
    for (const c of consoles) if (c.exitCode === null) c.kill("SIGKILL");
    await stopJobEngine({ timeoutMs: 5000 }).catch(() => undefined);
    await f.stop().catch(() => undefined);
  }
  const wallMs = Date.now() - t0;
  log(`seed ${o.seed}: ${status} ${JSON.stringify(counts)} in ${(wallMs / 1000).toFixed(0)} s, ${violations.length} violation(s)`);
  for (const v of violations) log(`  VIOLATION ${v}`);
  return { seed: o.seed, violations, events, status, counts, wallMs };
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

async function main(): Promise<void> {
  const seeds = arg("seeds", 20);
  const first = arg("first", 1);
  const nodes = arg("nodes", 50);
  const dir = "/tmp/k2ops-chaos-pg";
  const r = spawnSync("bash", [path.join(ROOT, "scripts/pg-test-server.sh"), "start", dir, "55471"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`PostgreSQL could not start: ${r.stderr}`);
  const pg = r.stdout.trim();
  let bad = 0;
  try {
    for (let s = first; s < first + seeds; s++) {
      const res = await runChaos({ seed: s, nodes, pgAdminUrl: pg, ipPrefix: "127.0.90", stateDir: `/tmp/k2ops-chaos-${s}` });
      fs.writeFileSync(`/tmp/k2ops-chaos-${s}.events.txt`, res.events.join("\n") + "\n");
      if (res.violations.length) bad++;
    }
  } finally {
    spawnSync("bash", [path.join(ROOT, "scripts/pg-test-server.sh"), "stop", dir]);
  }
  console.log(`${seeds} seed(s), ${nodes} nodes each: ${bad} with violations`);
  process.exit(bad ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
}
