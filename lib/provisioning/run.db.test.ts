import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCenterClient } from "@/lib/center/client";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { startJobEngine, stopJobEngine } from "@/lib/jobs/engine";
import { getJob, waitForJob } from "@/lib/jobs";
import { createLightsailClient } from "@/lib/lightsail/client";
import { startCenterSim, type CenterSim } from "@/simulator/center";
import { startLightsailSim, type LightsailSim } from "@/simulator/lightsail";
import { abortWorkItem, claimWorkItem } from "./claim";
import { chooseSchema, chooseView, confirmChoices } from "./choose";
import { ensureVps, type VpsRecord } from "./create-vps";
import { setProvisionDeps, startProvisionRun, type StepState } from "./run";
import { runStepper } from "./run-view";
import { itemSentences } from "@/lib/jobs/sentences";

// The wizard's step 3 on the durable job (issue #14): the VPS pn-<subId> created
// at the Lightsail simulator (linked to the Center simulator, whose inventory is
// the provider's), idempotently — a crash after the create, a retry, an instance
// someone already made all end with ONE instance; failures reach Center as
// `failed` with a concise error and are retried from the failed step. This
// console has no SSH key (no machines here: provision.int.test.ts runs the rest),
// so every job stops at step 4 saying so.

let t: TestDatabase;
let center: CenterSim;
let ls: LightsailSim;
const key = { key: crypto.randomBytes(32), id: "k1", source: "env" as const };
const reports: { id: number; status: string; result?: unknown; error?: string }[] = [];
const client = () => createCenterClient({ baseUrl: center.url, accessKey: center.accessKeys.editor, getRetries: 0 });
const lightsail = () => createLightsailClient({ region: "ap-northeast-1", endpoint: ls.url, credentials: { accessKeyId: "AKIASIM", secretAccessKey: "not-checked" }, maxAttempts: 1 });

beforeAll(async () => {
  t = await createTestDatabase();
  center = await startCenterSim({
    fleet: [],
    decommissioned: [],
    realCerts: false,
    sweepIntervalMs: 0,
    cloudSyncIntervalMs: 0,
    provisionQueue: Array.from({ length: 9 }, () => ({ region: "ap-tokyo", trafficTotalBytes: 500 * 2 ** 30, ipType: "non_residential" })),
  });
  ls = await startLightsailSim({ center, pendingSeconds: 1 });
  await t.prisma.node.create({ data: { ipv4: "10.0.0.1", name: "n1", inCenter: true, versionTag: "v0.4.8-9d7c6f95" } });
  setProvisionDeps(() => {
    // what k2ops reports to Center, in order
    const c = client();
    return { center: { ...c, updateNodeOperation: (id: number, body: Parameters<typeof c.updateNodeOperation>[1], ro?: Parameters<typeof c.updateNodeOperation>[2]) => (reports.push({ id, ...body }), c.updateNodeOperation(id, body, ro)) }, lightsail: lightsail() };
  });
  await import("./run");
  await startJobEngine({ databaseUrl: t.url, schedules: false, pollingIntervalSeconds: 0.5 });
});
afterAll(async () => {
  setProvisionDeps(null);
  await stopJobEngine({ timeoutMs: 5000 });
  await ls?.close();
  await center?.close();
  await t?.close();
});

const queued = () => center.state.ops.filter((o) => o.status === "queued" && o.action === "provision").map((o) => o.id);

/** Claims the next queued item and confirms a fitting Lightsail plan on an Ubuntu image (steps 1-2). */
async function claimedAndChosen(): Promise<{ opId: number; name: string }> {
  const opId = queued()[0];
  await claimWorkItem(opId, { actor: "op@k2ops.local", requestId: "r", client: client(), key });
  const v = await chooseView(opId, { client: client() });
  const plan = v.plans.find((p) => p.fits)!;
  const image = v.images.find((i) => i.usable)!;
  await confirmChoices(chooseSchema.parse({ operationId: opId, account: v.account!.name, region: v.region!, plan: plan.id, image: image.id, version: v.version! }), { actor: "op@k2ops.local", client: client() });
  return { opId, name: v.name };
}

const createsOf = (name: string) => ls.creates.filter((c) => c.name === name).length;
const runOf = (opId: number) => t.prisma.provisionRun.findUniqueOrThrow({ where: { operationId: opId } });

async function runJobFor(opId: number) {
  const { jobId } = await startProvisionRun(opId, { createdBy: "op@k2ops.local" });
  const status = await waitForJob(jobId, { timeoutMs: 60_000 });
  return { jobId, status, job: await getJob(jobId) };
}
const NO_SSH = /^os: no SSH key is configured in this console/;
const stepsOf = async (opId: number) => (await runOf(opId)).steps as unknown as Record<string, StepState>;

describe("the wizard's step 3 on the provision job: the VPS pn-<subId>, created once", () => {
  it("creates pn-<subId> at Lightsail in the region's first zone, waits for it to run, records it, reports in_progress to Center; step 4 then needs SSH", async () => {
    const { opId, name } = await claimedAndChosen();
    const { status, job } = await runJobFor(opId);
    expect(status).toBe("failed");
    expect(job!.items[0]).toMatchObject({ nodeIpv4: name, status: "failed", error: expect.stringMatching(NO_SSH) });
    expect(createsOf(name)).toBe(1);
    const run = await runOf(opId);
    const vps = run.vps as VpsRecord;
    expect(run).toMatchObject({ step: "os", status: "in_progress", leaseOwner: null });
    expect(vps).toMatchObject({ name, provider: "aws_lightsail", region: "ap-northeast-1", availabilityZone: "ap-northeast-1a", reused: false });
    const steps = run.steps as unknown as Record<string, StepState>;
    expect(steps["create-vps"]).toMatchObject({ status: "succeeded", summary: expect.stringMatching(new RegExp(`^created ${name} at ${vps.ipv4.replace(/\./g, "\\.")} \\(ap-northeast-1a, `)) });
    expect(steps.os).toMatchObject({ status: "failed" });
    // the provider's inventory (Center's cloud instances come from it) holds exactly one such instance, running
    expect(center.lightsailInventory().filter((i) => i.name === name)).toHaveLength(1);
    // Center heard in_progress with the instance, then the step 4 failure
    expect(reports.filter((r) => r.id === opId).map((r) => [r.status, r.result ?? r.error])).toEqual([
      ["in_progress", { instanceId: name, ipv4: vps.ipv4 }],
      ["failed", expect.stringMatching(NO_SSH)],
    ]);
    const op = center.state.ops.find((o) => o.id === opId)!;
    expect(op).toMatchObject({ status: "failed", lastError: expect.stringMatching(NO_SSH) });
    expect(JSON.parse(op.result ?? "{}")).toEqual({ instanceId: name, ipv4: vps.ipv4 });
    // audited per step, under the operator who started it
    const audits = await t.prisma.auditEvent.findMany({ where: { action: "provisioning.step", targetType: "node", targetId: name } });
    expect(audits.map((a) => [a.status, a.actorEmail])).toEqual([["failed", "op@k2ops.local"]]);
    // the choices are fixed once the VPS exists
    await expect(confirmChoices(chooseSchema.parse({ operationId: opId, account: "aws-tokyo", region: "ap-tokyo", plan: "micro_3_2", image: "ubuntu_22_04", version: "v0.4.8-9d7c6f95" }), { actor: "op@k2ops.local", client: client() })).rejects.toThrow(/is past choosing \(step os\): its VPS is being or has been created/);
  });

  it("a console killed after the create (before it recorded the instance) resumes with the SAME instance: no second VPS", async () => {
    const { opId, name } = await claimedAndChosen();
    const abort = new AbortController();
    // the "kill": the step stops as it sends the create (the instance may be running before any wait: no race on the sim's clock)
    const killed = await ensureVps(opId, { center: client(), lightsail: lightsail(), signal: abort.signal, pollMs: 200, progress: (line) => void (/^creating /.test(line) && abort.abort()) }).catch((e: Error) => e);
    expect(killed).toBeInstanceOf(Error);
    expect(createsOf(name)).toBe(1);
    expect(await runOf(opId)).toMatchObject({ step: "create-vps", vps: { name, requestedAt: expect.any(String) } });
    await runJobFor(opId);
    expect((await stepsOf(opId))["create-vps"]).toMatchObject({ status: "succeeded" });
    expect(createsOf(name)).toBe(1);
    expect((await runOf(opId)).vps).toMatchObject({ name, reused: false, ipv4: expect.stringMatching(/^\d+\./) });
  });

  it("an instance pn-<subId> that already exists (someone made it) is reused, never created again", async () => {
    const { opId, name } = await claimedAndChosen();
    await lightsail().createInstance({ name, availabilityZone: "ap-northeast-1a", bundleId: "micro_3_2", blueprintId: "ubuntu_22_04" });
    await runJobFor(opId);
    expect((await stepsOf(opId))["create-vps"].summary).toMatch(`reused ${name}`);
    expect(createsOf(name)).toBe(1);
    expect((await runOf(opId)).vps).toMatchObject({ reused: true });
  });

  it("Lightsail refusing the create fails the step with its reason, tells Center `failed`, and a retry runs from the failed step", async () => {
    const { opId, name } = await claimedAndChosen();
    ls.failCreates(1, "ServiceException", "We encountered an internal error. Please try again.");
    const first = await runJobFor(opId);
    expect(first.status).toBe("failed");
    expect(first.job!.items[0].error).toMatch(/^create-vps: Lightsail refused to create pn-\d+ in ap-northeast-1a: We encountered an internal error/);
    const run = await runOf(opId);
    expect(run).toMatchObject({ step: "create-vps", status: "claimed", leaseOwner: null, lastError: expect.stringMatching(/Lightsail refused/) });
    expect((run.steps as unknown as Record<string, StepState>)["create-vps"]).toMatchObject({ status: "failed", error: expect.stringMatching(/internal error/) });
    // a Chinese reader gets the step's failure in Chinese, on the job panel and on the wizard's stepper; the service's own words verbatim
    expect(itemSentences(first.job!.items[0], "zh-CN").error).toMatch(/^create-vps：Lightsail 拒绝在 ap-northeast-1a 中创建 pn-\d+：We encountered an internal error/);
    const stepper = await runStepper(opId, { locale: "zh-CN" });
    expect(stepper!.steps.find((st) => st.key === "create-vps")?.error).toMatch(/^Lightsail 拒绝在 ap-northeast-1a 中创建 pn-\d+：We encountered/);
    expect((await runStepper(opId))!.steps.find((st) => st.key === "create-vps")?.error).toMatch(/^Lightsail refused to create/);
    const op = center.state.ops.find((o) => o.id === opId)!;
    expect(op).toMatchObject({ status: "failed", lastError: expect.stringMatching(/^create-vps: Lightsail refused/) });
    expect(createsOf(name)).toBe(0);
    const again = await runJobFor(opId);
    expect(again.job!.items[0].error).toMatch(NO_SSH);
    expect((await stepsOf(opId))["create-vps"]).toMatchObject({ status: "succeeded", attempt: 1 });
    expect(createsOf(name)).toBe(1);
  });

  it("another console process holding the run's lease: the job does nothing and says who holds it", async () => {
    const { opId, name } = await claimedAndChosen();
    await t.prisma.provisionRun.update({ where: { operationId: opId }, data: { leaseOwner: "other-host:4242", leaseUntil: new Date(Date.now() + 60_000) } });
    const { status, job } = await runJobFor(opId);
    expect(status).toBe("failed");
    expect(job!.items[0].error).toMatch(/being worked by another console process \(other-host:4242/);
    expect(createsOf(name)).toBe(0);
  });

  it("an abort while the job works stops the job first (its step cancelled, Center told only the operator's reason); after the node's registration an abort is refused", async () => {
    const { opId } = await claimedAndChosen();
    // the instance stays pending long enough that the abort always finds the step waiting on it
    // (with the usual 1 s, a loaded machine could see the step finish before the first look)
    ls.setPendingSeconds(60);
    const { jobId } = await startProvisionRun(opId, { createdBy: "op@k2ops.local" });
    await expect.poll(async () => (await stepsOf(opId))["create-vps"]?.status, { timeout: 10_000, interval: 100 }).toBe("running");
    ls.setPendingSeconds(1);
    const before = reports.length;
    await abortWorkItem(opId, "customer cancelled", { actor: "op@k2ops.local", requestId: "r", client: client() });
    expect(await waitForJob(jobId, { timeoutMs: 30_000 })).toMatch(/cancelled|failed/);
    expect(reports.slice(before).filter((r) => r.id === opId)).toEqual([]);
    expect(center.state.ops.find((o) => o.id === opId)).toMatchObject({ status: "failed", lastError: "aborted in k2ops by op@k2ops.local: customer cancelled" });
    expect(await runOf(opId)).toMatchObject({ status: "aborted", claimSealed: null });
    expect((await stepsOf(opId))["create-vps"]).toMatchObject({ status: "failed", error: expect.stringMatching(/^cancelled while it ran/) });

    const { opId: other } = await claimedAndChosen();
    await t.prisma.provisionRun.update({ where: { operationId: other }, data: { step: "verify", status: "in_progress" } });
    await expect(abortWorkItem(other, "too late", { actor: "op@k2ops.local", requestId: "r", client: client() })).rejects.toThrow(/the node has registered and Center's item is done; there is nothing to give up/);
  });

  it("a second start while the job works the run is refused; an item without confirmed choices cannot start", async () => {
    const opId = queued()[0];
    await claimWorkItem(opId, { actor: "op@k2ops.local", requestId: "r", client: client(), key });
    await expect(startProvisionRun(opId, { createdBy: "op@k2ops.local" })).rejects.toThrow(/confirm step 2/);
    await expect(startProvisionRun(999_999, { createdBy: "op@k2ops.local" })).rejects.toThrow(/not held by k2ops/);
    const { opId: other } = await claimedAndChosen();
    const { jobId } = await startProvisionRun(other, { createdBy: "op@k2ops.local" });
    await expect(startProvisionRun(other, { createdBy: "op@k2ops.local" })).rejects.toThrow(/already being worked \(job /);
    await waitForJob(jobId, { timeoutMs: 60_000 });
  });
});
