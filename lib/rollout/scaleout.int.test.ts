import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { itPostgres, startTestFleet, verifyFixture, type TestFleet } from "@/lib/node-ops/test-fleet";
import { registerJobKinds } from "@/lib/jobs/console";
import { startJobEngine, stopJobEngine } from "@/lib/jobs/engine";
import { getJob, waitForJob } from "@/lib/jobs";
import { startRollout } from "./index";
import { strategySchema } from "./strategy";
import { DEFAULT_REGISTRY_TAGS } from "@/simulator/node/fleet";

// Durable rollouts across console processes (issue #12), on a real
// PostgreSQL 15 server: worker processes (the console's job engine, scripts/
// worker.ts) share a rollout's node steps; one is SIGKILLed while it runs a
// step and the other finishes the job; a restarted process resumes a killed
// one's step, re-checking the node instead of repeating finished work.
// Addresses 127.0.82.x are this suite's own.

const ROOT = path.resolve(import.meta.dirname, "../..");
const SECRET = "7c".repeat(32);
const NEW = "v0.4.9-0a1b2c3d";
const ips = Array.from({ length: 8 }, (_, i) => `127.0.82.${i + 10}`);
let f: TestFleet;
let pg: Awaited<ReturnType<typeof itPostgres>> | undefined;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  // the test command passes its PostgreSQL 15 server; alone, this suite starts its own
  pg = await itPostgres("/tmp/k2ops-pg-scaleout", 55461);
  process.env.K2OPS_TEST_PG_URL = pg.url;
  f = await startTestFleet("/tmp/k2ops-test-scaleout", ips.map((ip) => ({ ip, scenario: "healthy" as const })), { secret: SECRET, namePrefix: "so", registryTags: [...DEFAULT_REGISTRY_TAGS, NEW, "v0.5.0-1a2b3c4d"] });
  delete process.env.K2OPS_TEST_PG_URL;
  await registerJobKinds();
  // this process only creates jobs and hands them to the queue: the workers run them
  await startJobEngine({ databaseUrl: f.t.url, schedules: false, workers: false });
  await verifyFixture(ips);
}, 300_000);
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
  await stopJobEngine({ timeoutMs: 5000 });
  await f?.stop();
  pg?.stop();
});

function startWorker(id: string): ChildProcess {
  // node itself runs the worker (tsx as a loader): a SIGKILL must hit the process doing the work, not a tsx wrapper that leaves it running
  const w = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/worker.ts")], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: f.t.url, K2OPS_INSTANCE_ID: id, K2OPS_WORKER_SCHEDULES: "0", K2OPS_JOB_HEARTBEAT_SECONDS: "10", LOG_LEVEL: "info" },
    // each worker's log is kept for a failure's post-mortem
    stdio: ["ignore", fs.openSync(`/tmp/k2ops-test-scaleout/worker-${id}.log`, "w"), "inherit"],
  });
  workers.push(w);
  return w;
}

const ups = (ip: string) => f.fleet.commands(ip).filter((c) => /docker compose up -d/.test(c.command));
const tagOf = (ip: string) => /^K2_VERSION=(.*)$/m.exec(f.fleet.readNodeFile(ip, "/apps/k2s/.env"))?.[1];

/** Waits until one of `owners` runs a step of the job (its item is "running" with it as owner) and returns that item. */
/**
 * A node step of `jobId` running in one of `owners`. `startedWithinMs`: one that started at most that
 * long ago, so it cannot end before a kill lands (a step takes at least minHealthySeconds).
 */
async function stepOf(jobId: string, owners: string[], opts: { startedWithinMs?: number } = {}) {
  let hit: { nodeIpv4: string; step: string; owner: string | null } | undefined;
  await expect
    .poll(
      async () => {
        const fresh = opts.startedWithinMs ? { startedAt: { gte: new Date(Date.now() - opts.startedWithinMs) } } : {};
        hit = (await db().jobItem.findMany({ where: { jobId, owner: { in: owners }, status: "running", ...fresh } }))[0];
        return !!hit;
      },
      { timeout: 120_000, interval: 50 },
    )
    .toBe(true);
  return hit!;
}

describe("rollouts across console processes (PostgreSQL 15)", () => {
  it("two workers share a rollout; one is SIGKILLed mid-step; the other finishes it; every node updated once", async () => {
    const byId = { "worker-a": startWorker("worker-a"), "worker-b": startWorker("worker-b") };
    const strategy = strategySchema.parse({ canary: 0, batchSize: { mode: "count", value: 4 }, minHealthySeconds: 2, healthyDeadlineSeconds: 60 });
    const target = { selection: ips };
    const { jobId } = await startRollout({ target, params: { kind: "update", targetTag: NEW, pushCompose: false }, strategy, expectedCount: 8, createdBy: "op@example.test" });
    // whichever worker holds a step in flight is the one killed (either may have fetched the whole batch); a step
    // that began under a second ago is still running when the kill lands (a full run once saw an older one end in between)
    const killed = await stepOf(jobId, ["worker-a", "worker-b"], { startedWithinMs: 1000 });
    byId[killed.owner as keyof typeof byId].kill("SIGKILL");
    expect(await waitForJob(jobId, { timeoutMs: 300_000 })).toBe("succeeded");
    const job = (await getJob(jobId))!;
    expect(job.items.every((i) => i.status === "succeeded")).toBe(true);
    for (const ip of ips) expect(tagOf(ip)).toBe(NEW);
    // the killed step was taken again by the other worker, told it was resumed
    const resumed = job.items.find((i) => i.nodeIpv4 === killed.nodeIpv4)!;
    expect(resumed.attempts).toBe(2);
    // finished steps ran once: one up -d per node; the resumed node at most one more, only if the first never took effect
    for (const ip of ips) expect(ups(ip).length).toBe(ip === killed.nodeIpv4 ? ups(ip).length : 1);
    expect(ups(killed.nodeIpv4).length).toBeLessThanOrEqual(2);
    // never two steps on one node at once: each node's commands come from one step at a time (no overlap of pull/up pairs)
    for (const ip of ips) {
      const seq = f.fleet.commands(ip).filter((c) => /compose (pull|up -d)/.test(c.command)).map((c) => (/pull/.test(c.command) ? "pull" : "up"));
      expect(seq.join(" ")).not.toMatch(/pull pull|up up/);
    }
  }, 420_000);

  it("a console killed mid-batch and started again resumes without repeating finished nodes", async () => {
    for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
    const NEXT = "v0.5.0-1a2b3c4d";
    const a = startWorker("console-1");
    const strategy = strategySchema.parse({ canary: 0, batchSize: { mode: "count", value: 3 }, minHealthySeconds: 2, healthyDeadlineSeconds: 60 });
    const { jobId } = await startRollout({ target: { selection: ips }, params: { kind: "update", targetTag: NEXT, pushCompose: false }, strategy, expectedCount: 8, createdBy: "op@example.test" });
    // wait until the first batch is done and the second is under way, then kill
    await expect.poll(async () => (await db().jobItem.count({ where: { jobId, status: "succeeded" } })), { timeout: 120_000, interval: 200 }).toBeGreaterThanOrEqual(3);
    await stepOf(jobId, ["console-1"]);
    const finishedBefore = (await db().jobItem.findMany({ where: { jobId, status: "succeeded" }, select: { nodeIpv4: true } })).map((i) => i.nodeIpv4);
    const upsBefore = Object.fromEntries(ips.map((ip) => [ip, ups(ip).length]));
    a.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 1000));
    startWorker("console-1-restarted");
    expect(await waitForJob(jobId, { timeoutMs: 300_000 })).toBe("succeeded");
    for (const ip of ips) expect(tagOf(ip)).toBe(NEXT);
    // nodes that had finished before the kill were not touched again
    for (const ip of finishedBefore) expect(ups(ip).length).toBe(upsBefore[ip]);
  }, 420_000);
});
