import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { getJob, waitForJob } from "@/lib/jobs";
import { sshEngine } from "@/lib/node-ops/engine";
import type { TestFleet } from "@/lib/node-ops/test-fleet";
import { PrismaHostKeyStore } from "@/lib/ssh/host-keys-prisma";
import type { LightsailSim } from "@/simulator/lightsail";
import { acceptsTcp } from "@/simulator/node/net";
import { changeIpView, confirmChangeIp, moveAddress, reregister, type ChangeIpPlan } from "./change-ip";
import { claimWorkItem } from "./claim";
import { chooseSchema, chooseView, confirmChoices } from "./choose";
import { startChangeIpRun, startProvisionRun, type StepState } from "./run";
import { startProvisioningFixture, type ProvisioningFixture } from "./test-fixture";

// change_ip work items on real sshd machines (issue #14): a private node
// provisioned through the wizard's job gets a new public address — a Lightsail
// static IP swap that really moves the simulated machine — registers again from
// it (same host key, carried over from the old address), passes the checklist
// there, and Center shows the item done with {oldIp, newIp}; Center's ownership
// rule (the subscription stays bound to the old address) is reported, not hidden.
// Addresses 127.0.64.x are this suite's own.

let fx: ProvisioningFixture;
let f: TestFleet;
let ls: LightsailSim;
const client = () => fx.client();
const lightsail = () => fx.lightsail();
const ACTOR = "op@k2ops.local";
let node: { subId: number; name: string; ip: string };

beforeAll(async () => {
  fx = await startProvisioningFixture("/tmp/k2ops-test-change-ip", { prefix: "127.0.64", secret: "7d".repeat(32), namePrefix: "ci" });
  ({ f, ls } = fx);
  // a private node, provisioned by the wizard's job
  const { op } = f.center.createProvisionRequest({ region: "ap-tokyo", trafficTotalBytes: 500 * 2 ** 30, ipType: "non_residential" });
  await claimWorkItem(op.id, { actor: ACTOR, requestId: "r", client: client() });
  const v = await chooseView(op.id, { client: client() });
  await confirmChoices(chooseSchema.parse({ operationId: op.id, account: v.account!.name, region: v.region!, plan: v.plans.find((p) => p.fits)!.id, image: v.images.find((i) => i.usable)!.id, version: "v0.4.8-9d7c6f95" }), { actor: ACTOR, client: client() });
  const { jobId } = await startProvisionRun(op.id, { createdBy: ACTOR });
  expect(await waitForJob(jobId, { timeoutMs: 600_000 })).toBe("succeeded");
  node = { subId: op.subId, name: v.name, ip: ls.inventory().find((i) => i.name === v.name)!.ipv4 };
}, 900_000);
afterAll(async () => {
  await fx?.stop();
});

/** A change_ip item for the node's subscription, as an admin creates it at Center (§5.3), claimed by k2ops. */
async function claimedChangeIp(reason: string): Promise<number> {
  const op = await client().createNodeOperation({ subId: node.subId, action: "change_ip", params: { reason } });
  await claimWorkItem(op.id, { actor: ACTOR, requestId: "r", client: client() });
  return op.id;
}
const deps = () => ({ center: client(), lightsail: lightsail(), pollMs: 500 });
const opOf = (id: number) => f.center.state.ops.find((o) => o.id === id)!;
const keys = new PrismaHostKeyStore();
const pins = async (ip: string) => (await keys.list(ip)).map((k) => k.fingerprint).sort();

describe("change_ip: a private node gets a new public address", () => {
  it("the static IP swap moves the node; it registers again from the new address with the same host key, passes the checklist; Center shows the item done", async () => {
    const oldIp = node.ip;
    const oldPins = await pins(oldIp);
    expect(oldPins.length).toBeGreaterThan(0);
    const opId = await claimedChangeIp("blocked from CN");
    const v = await changeIpView(opId, deps());
    expect(v).toMatchObject({ confirmName: node.name, blocked: null, providerState: "running", publicIp: oldIp, reason: "blocked from CN" });
    // Center will leave the node unowned at its new address: said before the operator confirms
    expect(v.ownershipWarning).toMatch(new RegExp(`binds this node's subscription to ${oldIp.replace(/\./g, "\\.")}`));
    // a wrong name changes nothing
    const wrong = await confirmChangeIp(opId, "pn-other", { ...deps(), actor: ACTOR }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ActionFailure);
    expect((wrong as ActionFailure).message).toMatch(/^name: type the instance's name/);
    expect((await db().provisionRun.findUniqueOrThrow({ where: { operationId: opId } })).choices).toBeNull();
    const plan = await confirmChangeIp(opId, node.name, { ...deps(), actor: ACTOR });
    const { jobId } = await startChangeIpRun(opId, { createdBy: ACTOR });
    expect(await waitForJob(jobId, { timeoutMs: 600_000 })).toBe("succeeded");
    expect((await getJob(jobId))!.items[0].error ?? "").toBe("");
    const run = await db().provisionRun.findUniqueOrThrow({ where: { operationId: opId } });
    const done = run.choices as ChangeIpPlan;
    const newIp = done.newIp!;
    expect(newIp).toMatch(/^127\.0\.64\.\d+$/);
    expect(newIp).not.toBe(oldIp);
    expect(run).toMatchObject({ status: "done", step: "verify-ip" });
    const steps = run.steps as unknown as Record<string, StepState>;
    for (const s of ["move-ip", "reregister", "verify-ip"]) expect(steps[s]?.status, s).toBe("succeeded");
    expect(steps["verify-ip"].summary).toMatch(/WARNING: Center left the node private but owned by no one/);
    // Lightsail: one static IP allocated (the plan's) and attached; the instance shows it
    expect(ls.staticIpCalls.filter((c) => c.op === "AllocateStaticIp").map((c) => c.name)).toEqual([plan.newStaticIpName]);
    expect(ls.inventory().find((i) => i.name === node.name)?.ipv4).toBe(newIp);
    // the machine: gone from the old address, the same host key at the new one (pins carried, audited)
    expect(await acceptsTcp(oldIp, 1022)).toBe(false);
    expect(await pins(newIp)).toEqual(oldPins);
    expect(await db().auditEvent.count({ where: { action: "hostkey.carry", targetId: newIp } })).toBe(1);
    // Center: the node at the new address only; the item done with {oldIp, newIp}; ownership as Center's rule leaves it
    const nodes = await client().listAllNodes();
    expect(nodes.some((n) => n.ipv4 === oldIp)).toBe(false);
    expect(nodes.find((n) => n.ipv4 === newIp)).toMatchObject({ name: node.name, class: "private" });
    expect(opOf(opId).status).toBe("done");
    expect(JSON.parse(opOf(opId).result)).toMatchObject({ oldIp, newIp, owner: "lost" });
    // k2ops' fleet: the node at its new address, its checklist passed there
    expect(await db().node.findUnique({ where: { ipv4: newIp } })).toMatchObject({ class: "private", verificationStatus: "pass", inCenter: true });
    node.ip = newIp;
  }, 600_000);

  it("a moved machine presenting another host key at its new address is refused before anything runs; the move itself is not repeated", async () => {
    const opId = await claimedChangeIp("second change");
    await confirmChangeIp(opId, node.name, { ...deps(), actor: ACTOR });
    await moveAddress(opId, deps());
    const plan = (await db().provisionRun.findUniqueOrThrow({ where: { operationId: opId } })).choices as ChangeIpPlan;
    const calls = ls.staticIpCalls.length;
    // run again (a killed console's retry): every move is found made, nothing allocated twice
    await moveAddress(opId, deps());
    expect(ls.staticIpCalls.length).toBe(calls);
    // the instance had a static IP (the first change's): detached and released
    expect(ls.staticIpCalls.slice(-4).map((c) => c.op)).toEqual(["AllocateStaticIp", "DetachStaticIp", "AttachStaticIp", "ReleaseStaticIp"]);
    await f.fleet.changeHostKey(plan.newIp!);
    const before = f.fleet.commands(plan.newIp!).length;
    const err = await reregister(opId, { ...deps(), ssh: sshEngine(), actor: ACTOR, registerWaitMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^127\.0\.64\.\d+:1022 presented a host key other than the one pinned for the machine \(carried from 127\.0\.64\.\d+\): refused/);
    expect(f.fleet.commands(plan.newIp!).length).toBe(before);
    // the sidecar was never restarted: Center still has the node at its previous address
    expect((await client().listAllNodes()).some((n) => n.ipv4 === node.ip)).toBe(true);
  }, 600_000);
});
