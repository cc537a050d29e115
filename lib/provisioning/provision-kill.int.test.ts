import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCenterClient } from "@/lib/center/client";
import { db } from "@/lib/db";
import { getJob, waitForJob } from "@/lib/jobs";
import { registerJobKinds } from "@/lib/jobs/console";
import { startJobEngine, stopJobEngine } from "@/lib/jobs/engine";
import { createsFreshMachines, itPostgres, startTestFleet, type TestFleet } from "@/lib/node-ops/test-fleet";
import { startLightsailSim, type LightsailSim } from "@/simulator/lightsail";
import { claimWorkItem } from "./claim";
import { chooseSchema, chooseView, confirmChoices } from "./choose";
import { BUILT_JOB_STEPS, startProvisionRun, type StepState } from "./run";

// Issue #14: "a console killed at each step resumes without a second VPS and
// without losing the claim". The provision job runs in console processes
// (scripts/worker.ts, the console's job engine without the web server) on a real
// PostgreSQL 15 server; each time the run reaches the next step, the process
// working it is SIGKILLed and a fresh one started: the job engine hands the
// step to the new process (attempt n+1), which resumes it from the run's record.
// Addresses 127.0.63.x are this suite's own.

const ROOT = path.resolve(import.meta.dirname, "../..");
const DIR = "/tmp/k2ops-test-provision-kill";
let f: TestFleet;
let ls: LightsailSim;
let pg: Awaited<ReturnType<typeof itPostgres>> | undefined;
const workers: ChildProcess[] = [];
const client = () => createCenterClient({ baseUrl: f.center.url, accessKey: f.center.accessKeys.editor, getRetries: 0 });

beforeAll(async () => {
  pg = await itPostgres("/tmp/k2ops-pg-provision-kill", 55463);
  process.env.K2OPS_TEST_PG_URL = pg.url;
  f = await startTestFleet(DIR, [], { secret: "7f".repeat(32), namePrefix: "pk" });
  delete process.env.K2OPS_TEST_PG_URL;
  await createsFreshMachines(f, "127.0.63");
  ls = await startLightsailSim({ center: f.center, pendingSeconds: 1 });
  process.env.K2OPS_CLAIM_KEY = crypto.randomBytes(32).toString("hex");
  await registerJobKinds();
  // this process claims and confirms (the operator's steps 1-2) and hands the job to the queue: the workers run it
  await startJobEngine({ databaseUrl: f.t.url, schedules: false, workers: false });
}, 300_000);
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
  delete process.env.K2OPS_CLAIM_KEY;
  await stopJobEngine({ timeoutMs: 5000 });
  await ls?.close();
  await f?.stop();
  pg?.stop();
});

function startWorker(id: string): ChildProcess {
  // node runs the worker itself (tsx as a loader): the SIGKILL hits the process doing the work
  const w = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/worker.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: f.t.url,
      K2OPS_INSTANCE_ID: id,
      K2OPS_WORKER_SCHEDULES: "0",
      K2OPS_JOB_HEARTBEAT_SECONDS: "10",
      // everything the console logs, for the secret search below
      LOG_LEVEL: "debug",
      KAITU_CENTER_URL: f.center.url,
      KAITU_ACCESS_KEY: f.center.accessKeys.editor,
      ...ls.env,
    },
    stdio: ["ignore", fs.openSync(`${DIR}/worker-${id}.log`, "w"), "inherit"],
  });
  workers.push(w);
  return w;
}

describe("a console killed again and again as the provision job reaches each step", () => {
  it("resumes every step in a new process: one VPS, the claim kept, one node secret, the item done by the registration", async () => {
    f.center.createProvisionRequest({ region: "ap-tokyo", trafficTotalBytes: 500 * 2 ** 30, ipType: "non_residential" });
    const op = f.center.state.ops.find((o) => o.status === "queued" && o.action === "provision")!;
    await claimWorkItem(op.id, { actor: "op@k2ops.local", requestId: "r", client: client() });
    const v = await chooseView(op.id, { client: client() });
    await confirmChoices(
      chooseSchema.parse({ operationId: op.id, account: v.account!.name, region: v.region!, plan: v.plans.find((p) => p.fits)!.id, image: v.images.find((i) => i.usable)!.id, version: "v0.4.8-9d7c6f95" }),
      { actor: "op@k2ops.local", client: client() },
    );
    let workerId = "console-1";
    let worker = startWorker(workerId);
    const { jobId } = await startProvisionRun(op.id, { createdBy: "op@k2ops.local" });
    const killedAt: string[] = [];
    const at = (s: string) => BUILT_JOB_STEPS.indexOf(s as (typeof BUILT_JOB_STEPS)[number]);
    // the run at each built step in turn: kill the process working it as soon as the step is under way.
    // The kill waits until the live process holds the item: a step that ended between the read and the
    // SIGKILL moved the run on in the process just killed, and its successor has not taken the item yet.
    // A step quicker than the poll may be passed over; the kill then lands in the step the run is at.
    for (const step of BUILT_JOB_STEPS) {
      await expect
        .poll(
          async () => {
            const [run, item] = await Promise.all([db().provisionRun.findUniqueOrThrow({ where: { operationId: op.id } }), db().jobItem.findFirstOrThrow({ where: { jobId } })]);
            return item.owner === workerId && item.status === "running" && run.status !== "done" && at(run.step) >= at(step);
          },
          { timeout: 300_000, interval: 50 },
        )
        .toBe(true);
      worker.kill("SIGKILL");
      await new Promise((r) => worker.once("exit", r));
      killedAt.push((await db().provisionRun.findUniqueOrThrow({ where: { operationId: op.id } })).step);
      workerId = `console-${killedAt.length + 1}`;
      worker = startWorker(workerId);
    }
    console.log(`provision job killed at: ${killedAt.join(", ")}`);
    // six kills, each in a step of the build (most runs hit every step; a quick one may be passed over)
    expect(killedAt).toHaveLength(BUILT_JOB_STEPS.length);
    for (const s of killedAt) expect(BUILT_JOB_STEPS).toContain(s);
    expect(new Set(killedAt).size, `killed at ${killedAt.join(", ")}`).toBeGreaterThanOrEqual(3);
    expect(await waitForJob(jobId, { timeoutMs: 600_000 })).toBe("succeeded");
    const job = (await getJob(jobId))!;
    // every kill took the item away from the process that held it: one attempt more than the kills
    expect(job.items[0].attempts).toBeGreaterThanOrEqual(killedAt.length + 1);
    const run = await db().provisionRun.findUniqueOrThrow({ where: { operationId: op.id } });
    expect(run).toMatchObject({ status: "done", step: "verify", claimSealed: null });
    for (const s of BUILT_JOB_STEPS) expect((run.steps as unknown as Record<string, StepState>)[s]?.status, s).toBe("succeeded");
    // no second VPS; Center: the item done (by the node's registration with the claim), the node private
    const name = `pn-${op.subId}`;
    expect(ls.creates.filter((c) => c.name === name)).toHaveLength(1);
    expect(f.center.state.ops.find((o) => o.id === op.id)?.status).toBe("done");
    const ip = ls.inventory().find((i) => i.name === name)!.ipv4;
    const node = (await client().listAllNodes()).find((n) => n.ipv4 === ip);
    expect(node).toMatchObject({ name, class: "private" });
    // one node secret: the one on the node is the one Center registered (a re-run of the env step kept it)
    const env = f.fleet.readNodeFile(ip, "/apps/k2s/.env");
    const secret = /^K2_NODE_SECRET=([0-9a-f]{64})$/m.exec(env)![1];
    expect(f.center.state.nodes.find((n) => n.ipv4 === ip)?.secretToken).toBe(secret);
    expect(await db().node.findUnique({ where: { ipv4: ip } })).toMatchObject({ class: "private", verificationStatus: "pass" });
    // the claim token and the node secret: in no console log line, no command line, nowhere in the database
    const claim = /^K2_PRIVATE_CLAIM=([0-9a-f]{64})$/m.exec(env)![1];
    // the last process stops gently, so its log is complete (the others were killed)
    const alive = workers.filter((w) => w.exitCode === null && w.signalCode === null);
    await Promise.all(alive.map((w) => new Promise((r) => (w.once("exit", r), w.kill("SIGTERM")))));
    const logs = fs.readdirSync(DIR).filter((n) => n.startsWith("worker-"));
    expect(logs.length).toBe(BUILT_JOB_STEPS.length + 1);
    const logText = logs.map((n) => fs.readFileSync(`${DIR}/${n}`, "utf8")).join("\n");
    expect(logText).toMatch(/job engine started/);
    for (const s of [secret, claim]) {
      expect(logText).not.toContain(s);
      for (const c of f.fleet.commands(ip)) expect(c.command).not.toContain(s);
    }
    const dump = JSON.stringify(await Promise.all([db().provisionRun.findMany(), db().auditEvent.findMany(), db().jobItem.findMany(), db().job.findMany(), db().node.findMany(), db().verificationRun.findMany()]), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(claim);
  }, 900_000);
});
