import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCenterClient } from "@/lib/center/client";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { createLightsailClient } from "@/lib/lightsail/client";
import { startCenterSim, type CenterSim } from "@/simulator/center";
import { startLightsailSim, type LightsailSim } from "@/simulator/lightsail";
import { claimWorkItem } from "./claim";
import { carryOutLifecycle, lifecycleView } from "./lifecycle";

// The lifecycle work items (issue #14; center-api.md §5.7): a stop or destroy of
// a private subscription's instance, carried out at the Lightsail simulator
// (linked to the Center simulator), confirmed there, typed-name gated, and
// reported done; idempotent; a provider k2ops cannot act on is explained.

let t: TestDatabase;
let center: CenterSim;
let ls: LightsailSim;
const gone: string[] = [];
const stoppedIps: string[] = [];
const client = () => createCenterClient({ baseUrl: center.url, accessKey: center.accessKeys.editor, getRetries: 0 });
const lightsail = () => createLightsailClient({ region: "ap-northeast-1", endpoint: ls.url, credentials: { accessKeyId: "AKIASIM", secretAccessKey: "not-checked" }, maxAttempts: 1 });
const deps = () => ({ center: client(), lightsail: lightsail(), pollMs: 200, timeoutMs: 10_000, actor: "op@k2ops.local" });

beforeAll(async () => {
  t = await createTestDatabase();
  center = await startCenterSim({
    fleet: [],
    decommissioned: [],
    realCerts: false,
    sweepIntervalMs: 0,
    cloudSyncIntervalMs: 0,
    provisionQueue: 0,
    onDeleteInstance: async (ip) => void gone.push(ip),
  });
  center.setHooks({ onStopInstance: async (ip: string) => void stoppedIps.push(ip), onDeleteInstance: async (ip: string) => void gone.push(ip) });
  ls = await startLightsailSim({ center, pendingSeconds: 0 });
});
afterAll(async () => {
  await ls?.close();
  await center?.close();
  await t?.close();
});

/** A private subscription whose node runs on the Lightsail instance `name`, and its `action` item claimed by k2ops. */
async function heldItem(name: string, action: "stop" | "destroy"): Promise<{ opId: number; ip: string }> {
  center.createProvisionRequest({ region: "ap-tokyo", trafficTotalBytes: 500 * 2 ** 30, ipType: "non_residential" });
  const sub = center.state.subs.at(-1)!;
  await lightsail().createInstance({ name, availabilityZone: "ap-northeast-1a", bundleId: "micro_3_2", blueprintId: "ubuntu_22_04" });
  await expect.poll(() => center.state.instances.find((i) => i.name === name)?.ip_address ?? "").not.toBe("");
  const inst = center.state.instances.find((i) => i.name === name)!;
  Object.assign(sub, { status: action === "stop" ? "suspended" : "deprovisioned", cloudInstanceId: inst.id, boundIpv4: inst.ip_address });
  for (const o of center.state.ops) if (o.subId === sub.id) o.status = "done";
  const op = await client().createNodeOperation({ action, subId: sub.id, params: { reason: action === "stop" ? "grace ended" : "suspend ended" } });
  await claimWorkItem(op.id, { actor: "op@k2ops.local", requestId: "r", client: client() });
  return { opId: op.id, ip: inst.ip_address };
}
const opOf = (id: number) => center.state.ops.find((o) => o.id === id)!;

describe("stop and destroy work items", () => {
  it("a stop: the view names the instance and its state; a wrong typed name changes nothing; the right one stops it at Lightsail, confirmed there, and the item is done", async () => {
    const { opId, ip } = await heldItem("pn-7001", "stop");
    const v = await lifecycleView(opId, deps());
    expect(v).toMatchObject({ action: "stop", reason: "grace ended", confirmName: "pn-7001", providerState: "running", blocked: null, instance: { ip_address: ip, provider: "aws_lightsail" } });
    // Lightsail's own state word is shown verbatim; nothing blocks it
    expect(v).toMatchObject({ providerStatePhrase: null, blockedPhrase: null });
    await expect(carryOutLifecycle(opId, "pn-7002", deps())).rejects.toThrow(/^name: type the instance's name \(pn-7001\) to stop it\. Nothing was changed\./);
    expect(ls.stops).toEqual([]);
    const r = await carryOutLifecycle(opId, "pn-7001", deps());
    expect(r).toMatchObject({ state: "stopped", summary: `pn-7001 (${ip}) stopped at Lightsail; work item done` });
    expect(stoppedIps).toContain(ip);
    expect(opOf(opId)).toMatchObject({ status: "done" });
    expect(JSON.parse(opOf(opId).result ?? "{}")).toMatchObject({ instanceId: "pn-7001", state: "stopped", by: "k2ops:op@k2ops.local" });
    expect(await t.prisma.provisionRun.findUniqueOrThrow({ where: { operationId: opId } })).toMatchObject({ status: "done" });
    expect(await lightsail().getInstance("pn-7001")).toMatchObject({ state: "stopped" });
  });

  it("a destroy deletes the instance (gone at Lightsail), removes the node's record at Center, and is done; an instance already gone is the result, not an error", async () => {
    const { opId, ip } = await heldItem("pn-7003", "destroy");
    // the node (registered from that machine) is in Center's list until the destroy
    center.registerNode(ip, { country: "JP", name: "pn-7003", secretToken: "ab".repeat(32), region: "ap-tokyo" });
    expect((await client().listAllNodes()).map((n) => n.ipv4)).toContain(ip);
    await expect(carryOutLifecycle(opId, "pn-7003", deps())).resolves.toMatchObject({ state: "gone", summary: `pn-7003 (${ip}) deleted at Lightsail; work item done; node ${ip} removed from Center` });
    expect((await client().listAllNodes()).map((n) => n.ipv4)).not.toContain(ip);
    expect(ls.deletes.map((x) => x.name)).toEqual(["pn-7003"]);
    expect(gone).toContain(ip);
    expect(opOf(opId).status).toBe("done");
    await expect(lightsail().getInstance("pn-7003")).rejects.toMatchObject({ code: "NotFoundException" });
    // a second item on an instance someone already deleted: nothing deleted twice
    const again = await heldItem("pn-7004", "destroy");
    await lightsail().deleteInstance("pn-7004");
    await carryOutLifecycle(again.opId, "pn-7004", deps());
    expect(ls.deletes.filter((x) => x.name === "pn-7004")).toHaveLength(1);
    expect(opOf(again.opId).status).toBe("done");
  });

  it("an item on another provider's instance is explained, never acted on", async () => {
    center.createProvisionRequest({ region: "cn-hongkong", trafficTotalBytes: 300 * 2 ** 30, ipType: "non_residential" });
    const sub = center.state.subs.at(-1)!;
    const id = center.addCloudInstance({ provider: "aliyun_swas", account: "aliyun-hk", ipv4: "198.51.100.77", name: "pn-hk", plan: "swas.s.c2m1s40b30t1" });
    Object.assign(sub, { status: "suspended", cloudInstanceId: id });
    for (const o of center.state.ops) if (o.subId === sub.id) o.status = "done";
    const op = await client().createNodeOperation({ action: "stop", subId: sub.id, params: { reason: "grace ended" } });
    await claimWorkItem(op.id, { actor: "op@k2ops.local", requestId: "r", client: client() });
    const v = await lifecycleView(op.id, deps());
    expect(v.blocked).toMatch(/pn-hk is a aliyun_swas instance: k2ops acts at Lightsail only/);
    // the page words it from the catalog (lib/provisioning/phrases.test.ts checks the English is the same)
    expect(v.blockedPhrase).toEqual({ code: "blocked.lifecycleProvider", values: { name: "pn-hk", provider: "aliyun_swas" } });
    expect(v.providerStatePhrase).toEqual({ code: "providerState.unknown", values: {} });
    await expect(carryOutLifecycle(op.id, "pn-hk", deps())).rejects.toThrow(/acts at Lightsail only/);
    expect(opOf(op.id).status).toBe("claimed");
  });
});
