// Benchmark (not a test): rollouts of a pinned tag across N simulated nodes
// (real sshd, the simulated compose/registry) with batch sizes 1, 10 and 25 %,
// driven by the console's own job engine in this process. Prints per run:
//   wall       start of the rollout to its end (s)
//   steps      the time at least one node step was running (s; the union of the
//              steps' intervals): waiting on nodes (pre-check, pull, up -d, gate)
//   overhead   (wall - steps - configured stagger) / nodes: the time the console
//              spent with no node step running (planning, dispatch, batch
//              transitions, finishing) per node (ms/node; target < 50)
//   cpu        this process's CPU (user+sys) during the run / nodes (ms/node);
//              it includes the Center simulator answering the nodes' reports
//   npm run bench:rollout -- [--sizes 50,200] [--batches 1,10,25%]
// Needs root (simulated nodes). The gate is the real §6 checklist with a
// minimum healthy time of 0 s (one passing check), so the step time is the node's.
import crypto from "node:crypto";
import os from "node:os";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const sizes = opt("sizes", "50,200").split(",").map(Number);
const batches = opt("batches", "1,10,25%").split(",");
const ipOf = (i: number) => `127.0.${110 + Math.floor(i / 250)}.${(i % 250) + 2}`;

type Row = { nodes: number; batch: string; wallS: number; stepsS: number; overheadMs: number; cpuMs: number; status: string };

async function main(): Promise<void> {
  const { startTestFleet, verifyFixture } = await import("@/lib/node-ops/test-fleet");
  const { registerJobKinds } = await import("@/lib/jobs/console");
  const { startJobEngine, stopJobEngine } = await import("@/lib/jobs/engine");
  const { waitForJob } = await import("@/lib/jobs");
  const { db } = await import("@/lib/db");
  const { startRollout } = await import("@/lib/rollout");
  const { strategySchema } = await import("@/lib/rollout/strategy");
  const { DEFAULT_REGISTRY_TAGS } = await import("@/simulator/node/fleet");

  const runs = sizes.flatMap((n) => batches.map((b) => ({ n, b })));
  // one new pinned tag per run, all known to the simulated registry
  const tags = runs.map((_, k) => `v0.6.${k}-${crypto.createHash("sha1").update(String(k)).digest("hex").slice(0, 8)}`);
  const max = Math.max(...sizes);
  const ips = Array.from({ length: max }, (_, i) => ipOf(i));
  let t = performance.now();
  const f = await startTestFleet("/tmp/k2ops-bench-rollout", ips.map((ip) => ({ ip, scenario: "healthy" as const })), { secret: crypto.randomBytes(32).toString("hex"), namePrefix: "bench", registryTags: [...DEFAULT_REGISTRY_TAGS, ...tags] });
  console.log(`started ${max} simulated nodes in ${((performance.now() - t) / 1000).toFixed(1)} s; cores: ${os.availableParallelism()}; database: ${process.env.K2OPS_TEST_PG_URL ? "PostgreSQL" : "embedded PGlite"}`);
  const rows: Row[] = [];
  try {
    await registerJobKinds();
    await startJobEngine({ databaseUrl: f.t.url, schedules: false });
    t = performance.now();
    // the plan needs each node's checked directory, as on a console that has verified its fleet
    // (8 at a time, a check that could not run is retried once and fails the benchmark loudly: 32 at once timed out on a loaded 2-core machine)
    await verifyFixture(ips, "bench fixture");
    console.log(`verified ${max} nodes in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    for (const [k, { n, b }] of runs.entries()) {
      const batchSize = b.endsWith("%") ? { mode: "percent" as const, value: Number(b.slice(0, -1)) } : { mode: "count" as const, value: Number(b) };
      const strategy = strategySchema.parse({ canary: 0, batchSize, staggerSeconds: 0, minHealthySeconds: 0, healthyDeadlineSeconds: 300, failureThreshold: { mode: "percent", value: 100 }, autoRevert: false });
      const target = { selection: ips.slice(0, n) };
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const { jobId } = await startRollout({ target, params: { kind: "update", targetTag: tags[k], pushCompose: false }, strategy, expectedCount: n, createdBy: "bench@example.test" });
      const status = await waitForJob(jobId, { timeoutMs: 4 * 3600_000, everyMs: 50 });
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const items = await db().jobItem.findMany({ where: { jobId }, select: { startedAt: true, finishedAt: true } });
      const spans = items.flatMap((i) => (i.startedAt && i.finishedAt ? [[i.startedAt.getTime(), i.finishedAt.getTime()] as const] : [])).sort((a, x) => a[0] - x[0]);
      let stepsMs = 0;
      let end = -Infinity;
      for (const [a, z] of spans) {
        if (z <= end) continue;
        stepsMs += z - Math.max(a, end);
        end = z;
      }
      const row: Row = { nodes: n, batch: b, wallS: wallMs / 1000, stepsS: stepsMs / 1000, overheadMs: (wallMs - stepsMs) / n, cpuMs: (cpu.user + cpu.system) / 1000 / n, status };
      rows.push(row);
      console.log(`n=${n} batch=${b}: ${status}, wall ${row.wallS.toFixed(1)} s, node steps ${row.stepsS.toFixed(1)} s, overhead ${row.overheadMs.toFixed(1)} ms/node, console CPU ${row.cpuMs.toFixed(1)} ms/node`);
    }
  } finally {
    await stopJobEngine({ timeoutMs: 10_000 }).catch(() => undefined);
    await f.stop();
  }
  console.log("\n| nodes | batch | result | wall (s) | node steps (s) | overhead (ms/node) | console CPU (ms/node) |\n|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.nodes} | ${r.batch} | ${r.status} | ${r.wallS.toFixed(1)} | ${r.stepsS.toFixed(1)} | ${r.overheadMs.toFixed(1)} | ${r.cpuMs.toFixed(1)} |`);
  process.exit(rows.every((r) => r.status === "succeeded") ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
