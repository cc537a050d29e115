import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getJob, waitForJob } from "@/lib/jobs";
import { sshEngine } from "@/lib/node-ops/engine";
import type { TestFleet } from "@/lib/node-ops/test-fleet";
import type { LightsailSim } from "@/simulator/lightsail";
import { claimWorkItem } from "./claim";
import { chooseSchema, chooseView, confirmChoices } from "./choose";
import { prepareOs } from "./os-step";
import { startProvisionRun, type StepState } from "./run";
import { startProvisioningFixture, type ProvisioningFixture } from "./test-fixture";

// The wizard's steps 3-8 on real sshd machines (issue #14): a work item from
// Center's queue to a registered private node whose checklist passes — the VPS
// created at the Lightsail simulator is a fresh simulated machine (sshd on 22),
// provision-node.sh runs on it as root on stdin and moves SSH to 1022 with the
// same host key, the .env goes on stdin, the stack comes up, the sidecar
// registers with the claim, Center marks the item done and the node private.
// Addresses 127.0.62.x are this suite's own.

let fx: ProvisioningFixture;
let f: TestFleet;
let ls: LightsailSim;
const client = () => fx.client();
const lightsail = () => fx.lightsail();
const ipOf = (name: string) => ls.inventory().find((i) => i.name === name)?.ipv4 ?? "";

beforeAll(async () => {
  fx = await startProvisioningFixture("/tmp/k2ops-test-provision", { prefix: "127.0.62", secret: "7e".repeat(32), namePrefix: "pv" });
  ({ f, ls } = fx);
}, 300_000);
afterAll(async () => {
  await fx?.stop();
});

/** Claims the queued item for `region` (ordered at Center when none is queued) and confirms the first fitting plan on an Ubuntu image. */
async function claimedAndChosen(region: string): Promise<{ opId: number; name: string }> {
  const queuedFor = () => f.center.state.ops.find((o) => o.status === "queued" && o.action === "provision" && JSON.parse(o.params).region === region);
  if (!queuedFor()) f.center.createProvisionRequest({ region, trafficTotalBytes: 500 * 2 ** 30, ipType: "non_residential" });
  const op = queuedFor()!;
  await claimWorkItem(op.id, { actor: "op@k2ops.local", requestId: "r", client: client() });
  const v = await chooseView(op.id, { client: client() });
  const plan = v.plans.find((p) => p.fits)!;
  const image = v.images.find((i) => i.usable)!;
  await confirmChoices(chooseSchema.parse({ operationId: op.id, account: v.account!.name, region: v.region!, plan: plan.id, image: image.id, version: "v0.4.8-9d7c6f95" }), { actor: "op@k2ops.local", client: client() });
  return { opId: op.id, name: v.name };
}

async function runJobFor(opId: number) {
  const { jobId } = await startProvisionRun(opId, { createdBy: "op@k2ops.local" });
  const status = await waitForJob(jobId, { timeoutMs: 600_000 });
  return { jobId, status, job: await getJob(jobId) };
}

describe("provisioning a private node end to end on simulated machines", () => {
  it("a queued item becomes a registered private node whose checklist passes; Center shows the item done; the claim token is destroyed", async () => {
    const { opId, name } = await claimedAndChosen("ap-tokyo");
    const { status, job } = await runJobFor(opId);
    expect(job!.items[0].error ?? "").toBe("");
    expect(status).toBe("succeeded");
    const run = await db().provisionRun.findUniqueOrThrow({ where: { operationId: opId } });
    const steps = run.steps as unknown as Record<string, StepState>;
    expect(run).toMatchObject({ status: "done", step: "verify", claimSealed: null });
    for (const s of ["create-vps", "os", "env", "deploy", "register", "verify"]) expect(steps[s]?.status, s).toBe("succeeded");
    expect(steps.os.summary).toMatch(/Provisioning complete\. \d+ warning\(s\); SSH now on 1022/);
    const ip = ipOf(name);
    // Center: the item done (by the registration), the node private at the VPS's address
    const op = f.center.state.ops.find((o) => o.id === opId)!;
    expect(op.status).toBe("done");
    const node = (await client().listAllNodes()).find((n) => n.ipv4 === ip);
    expect(node).toMatchObject({ name, class: "private" });
    // k2ops' fleet: the node, private, its checklist passed
    expect(await db().node.findUnique({ where: { ipv4: ip } })).toMatchObject({ class: "private", verificationStatus: "pass" });
    // the machine: SSH on 1022 only, the .env root-only with the claim and a node secret, never on a command line
    const env = f.fleet.readNodeFile(ip, "/apps/k2s/.env");
    expect(env).toMatch(/^K2_NODE_NAME=pn-\d+$/m);
    expect(env).toMatch(/^K2_NODE_BILLING_START_DATE=2026-01-01$/m);
    const secret = /^K2_NODE_SECRET=([0-9a-f]{64})$/m.exec(env)![1];
    const claim = /^K2_PRIVATE_CLAIM=([0-9a-f]{64})$/m.exec(env)![1];
    for (const c of f.fleet.commands(ip)) {
      expect(c.command).not.toContain(secret);
      expect(c.command).not.toContain(claim);
    }
    // nowhere in k2ops' database (the claim's sealed copy is gone too), nor in the audit
    const dump = JSON.stringify(await Promise.all([db().provisionRun.findMany(), db().auditEvent.findMany(), db().jobItem.findMany(), db().job.findMany(), db().node.findMany(), db().verificationRun.findMany()]), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(claim);
  }, 600_000);

  it("a console killed while provision-node.sh ran resumes the step on the same VPS: no second instance, the claim kept", async () => {
    const { opId, name } = await claimedAndChosen("ap-singapore");
    // steps 3 and 4 by hand, the "kill" in the middle of the script
    const { ensureVps } = await import("./create-vps");
    await ensureVps(opId, { center: client(), lightsail: lightsail(), pollMs: 500 });
    const abort = new AbortController();
    const killed = await prepareOs(opId, { ssh: sshEngine(), signal: abort.signal, progress: (l) => void (/^\[5\/16\]/.test(l) && abort.abort()) }).catch((e: Error) => e);
    expect(killed).toBeInstanceOf(Error);
    const before = await db().provisionRun.findUniqueOrThrow({ where: { operationId: opId } });
    expect(before).toMatchObject({ step: "os", claimSealed: expect.any(String) });
    const { status, job } = await runJobFor(opId);
    expect(job!.items[0].error ?? "").toBe("");
    expect(status).toBe("succeeded");
    expect(ls.creates.filter((c) => c.name === name)).toHaveLength(1);
    expect(f.center.state.ops.find((o) => o.id === opId)?.status).toBe("done");
  }, 600_000);

  /** Steps 1-3 by hand: the item claimed and chosen, its VPS (a fresh machine) running; returns the machine's handle. */
  async function withVps(region: string) {
    const r = await claimedAndChosen(region);
    const { ensureVps } = await import("./create-vps");
    const { vps } = await ensureVps(r.opId, { center: client(), lightsail: lightsail(), pollMs: 500 });
    return { ...r, ip: vps.ipv4, machine: f.fleet.node(vps.ipv4) };
  }
  const opOf = (opId: number) => f.center.state.ops.find((o) => o.id === opId)!;

  it("provision-node.sh failing fails step 4 with its FATAL line, tells Center `failed` (no secret), and the retry from step 4 finishes", async () => {
    const { opId, machine } = await withVps("eu-frankfurt");
    machine.failProvision("docker-install");
    const first = await runJobFor(opId);
    expect(first.status).toBe("failed");
    expect(first.job!.items[0].error).toMatch(/^os: provision-node\.sh failed on 127\.0\.62\.\d+: FATAL: Docker CE could not be installed\. Last lines: /);
    expect(opOf(opId)).toMatchObject({ status: "failed", lastError: expect.stringMatching(/^os: provision-node\.sh failed/) });
    expect(await db().provisionRun.findUniqueOrThrow({ where: { operationId: opId } })).toMatchObject({ step: "os", claimSealed: expect.any(String) });
    machine.failProvision(null);
    const again = await runJobFor(opId);
    expect(again.job!.items[0].error ?? "").toBe("");
    expect(opOf(opId).status).toBe("done");
  }, 600_000);

  it("a different host key after the move to 1022 is refused like any changed key: nothing runs there", async () => {
    const { opId, ip, machine } = await withVps("ap-seoul");
    machine.rekeyOnPortMove();
    const before = f.fleet.commands(ip).length;
    const r = await runJobFor(opId);
    expect(r.status).toBe("failed");
    expect(r.job!.items[0].error).toMatch(new RegExp(`^os: ${ip.replace(/\./g, "\\.")}:1022 presented a host key other than the one pinned`));
    // the script ran on 22; on 1022 the connection was refused before any command
    const after = f.fleet.commands(ip).slice(before).map((c) => c.command);
    expect(after.filter((c) => /bash -s/.test(c))).toHaveLength(1);
    expect(await db().provisionRun.findUniqueOrThrow({ where: { operationId: opId } })).toMatchObject({ step: "os" });
  }, 600_000);

  it("a node that never registers with its claim fails cleanly at the deadline: Center told, the node left as it is", async () => {
    const { opId } = await withVps("us-oregon");
    // Center no longer knows the claim (as after its sweep): the sidecar registers (private: any claim does that), the item stays open
    const sub = f.center.state.subs.find((x) => x.id === opOf(opId).subId)!;
    sub.provisionClaimToken = "0".repeat(64);
    fx.timing.registerWaitMs = 15_000;
    try {
      const r = await runJobFor(opId);
      expect(r.status).toBe("failed");
      expect(r.job!.items[0].error).toMatch(/^register: the node did not register with its claim in time \(127\.0\.62\.\d+ registered, but its claim activated nothing: the item is still in_progress \(the claim expired or was already used\)\)/);
      expect(opOf(opId)).toMatchObject({ status: "failed", lastError: expect.stringMatching(/^register: /) });
      const run = await db().provisionRun.findUniqueOrThrow({ where: { operationId: opId } });
      expect(run).toMatchObject({ step: "register", claimSealed: expect.any(String) });
    } finally {
      fx.timing.registerWaitMs = 90_000;
    }
  }, 600_000);

  it("the host's own files are untouched by the machines' provisioning", () => {
    expect(fs.readFileSync("/etc/sysctl.conf", "utf8")).not.toMatch(/net\.ipv4\.tcp_congestion_control = bbr/);
    expect(fs.existsSync("/etc/ssh/sshd_config.d/99-k2s-port.conf")).toBe(false);
    expect(fs.existsSync("/etc/docker/daemon.json") && fs.readFileSync("/etc/docker/daemon.json", "utf8").includes("fd00:1::/80")).toBe(false);
  });
});
