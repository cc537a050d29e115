import fs from "node:fs";
import path from "node:path";
import { acceptsTcp } from "./net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCenterClient } from "@/lib/center/client";
import { createLightsailClient } from "@/lib/lightsail/client";
import { MemoryHostKeyStore } from "@/lib/ssh/host-keys";
import { SshEngine } from "@/lib/ssh/engine";
import { startCenterSim, type CenterSim } from "@/simulator/center";
import { startLightsailSim, type LightsailSim } from "@/simulator/lightsail";
import { SimFleet } from "./fleet";
import { machineAddresses } from "./launch-nodes";

// A Lightsail "change IP" on a real simulated machine: Center's ChangeIP sequence
// (aws_lightsail.go: detach + release the instance's static IP, allocate `<name>-ip-<unix>`,
// attach it) through the console's Lightsail client against the Lightsail simulator linked to
// the Center simulator, whose hooks are the demo's (launch-nodes machineAddresses). The machine
// moves: SSH refused at the old addresses, the same host key at the new one; the running
// sidecar keeps the identity it registered with (its usage reports go on for the old address)
// until `docker compose restart k2-sidecar`, after which Center has the node at the new address
// only: private (the claim) but owned by no one, its subscription being bound to the old address
// (center-api.md, reconcilePrivate). Then Center's own deferred change-ip task moves it again.
// Addresses 127.0.67.x are this suite's own.

const OLD = "127.0.67.11";
const dir = "/tmp/k2ops-test-fidelity-change-ip";
const SECRET = "67".repeat(32);
const NAME = "pn-6701";

let center: CenterSim;
let ls: LightsailSim;
let fleet: SimFleet;
let keys: MemoryHostKeyStore;
let ssh: SshEngine;
let hostKey = "";

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  center = await startCenterSim({
    port: 0,
    fleet: [{ name: NAME, ipv4: OLD, country: "JP", region: "jp-tokyo", provider: "aws_lightsail", account: "aws-tokyo", plan: "small_3_2", ipType: "non_residential", arch: "k2v5", privateSubId: 6701 }],
    decommissioned: [],
    provisionQueue: 0,
    deferred: "manual",
    realCerts: false,
    sweepIntervalMs: 0,
    cloudSyncIntervalMs: 0,
  });
  const key = SimFleet.clientKey(path.join(dir, "keys"));
  fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey);
  await fleet.addNode({ ip: OLD, name: NAME, country: "JP", region: "jp-tokyo", scenario: "healthy", secret: SECRET, centerUrl: center.url });
  center.setHooks(machineAddresses(fleet, { prefix: "127.0.67", first: 20, used: [OLD] }).hooks);
  ls = await startLightsailSim({ center });
  keys = new MemoryHostKeyStore();
  ssh = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: keys });
  hostKey = fleet.node(OLD).hostPublicKey();
  // a provisioned private node: its claim in the .env, the stack brought up again (it re-registers with it)
  fs.appendFileSync(fleet.node(OLD).hostPath("/apps/k2s/.env"), "K2_PRIVATE_CLAIM=spent-claim\n");
  const up = await run(OLD, "cd /apps/k2s && sudo docker compose up -d");
  expect(up.code, up.err).toBe(0);
}, 120_000);
afterAll(async () => {
  await ssh?.closeAll();
  await ls?.close();
  await fleet?.stop();
  await center?.close();
});

async function run(host: string, command: string, timeoutMs = 30_000) {
  const r = await ssh.exec({ host, port: 1022 }, command as never, { timeoutMs });
  return { out: r.stdout, err: r.stderr, code: r.code };
}
const pinned = async (ip: string) => (await keys.list(ip)).map((k) => `${k.algorithm} ${k.publicKey}`);
const lightsail = () => createLightsailClient({ region: "ap-northeast-1", endpoint: ls.url, credentials: { accessKeyId: "AKIASIMULATED", secretAccessKey: "simulated-secret-not-checked" }, maxAttempts: 1 });
const nodeAt = (ip: string) => center.state.nodes.find((n) => n.ipv4 === ip);
const instance = () => center.state.instances.find((i) => i.name === NAME && !i.deletedAt)!;
/** The sidecar's slog lines of one message, their attributes as written (the node's own view: its log). */
const sidecarLines = (ip: string, msg: string) =>
  fleet
    .node(ip)
    .sidecarLog()
    .stderr.split("\n")
    .filter((l) => l.includes(`msg="${msg}"`));

describe("a Lightsail static IP swap moves a private node's machine", () => {
  let NEW = "";
  let DYN = "";

  it("Detach / Release / Allocate / Attach: the machine answers at the new address only, with the same host key", async () => {
    expect((await run(OLD, "echo ok")).out).toBe("ok\n");
    expect(await pinned(OLD)).toEqual([hostKey]);
    expect(nodeAt(OLD)).toMatchObject({ class: "private", privateOwnerUserId: 504, privateSubId: 6701 });
    const c = lightsail();
    expect(await c.getInstance(NAME)).toMatchObject({ publicIp: OLD, isStaticIp: true });

    const attached = (await c.listStaticIps()).find((s) => s.attachedTo === NAME)!;
    expect(attached).toMatchObject({ ipAddress: OLD });
    await c.detachStaticIp(attached.name);
    DYN = (await c.getInstance(NAME)).publicIp;
    expect(DYN).toBe("127.0.67.20");
    expect([fleet.has(OLD), fleet.has(DYN)]).toEqual([false, true]);
    await c.releaseStaticIp(attached.name);
    const ipName = `${NAME}-ip-${Math.floor(Date.now() / 1000)}`;
    await c.allocateStaticIp(ipName);
    NEW = (await c.findStaticIp(ipName))!.ipAddress;
    expect(NEW).toBe("127.0.67.21");
    await c.attachStaticIp(ipName, NAME);
    expect(await c.getInstance(NAME)).toMatchObject({ publicIp: NEW, isStaticIp: true });
    expect(ls.staticIpCalls.map((x) => x.op)).toEqual(["DetachStaticIp", "ReleaseStaticIp", "AllocateStaticIp", "AttachStaticIp"]);
    c.destroy();

    // Center's cloud instance follows; the fleet knows the machine by its new address only
    expect(instance().ip_address).toBe(NEW);
    expect(fleet.ips()).toEqual([NEW]);
    // refused where it was, the same machine where it is
    expect(await acceptsTcp(OLD, 1022)).toBe(false);
    expect(await acceptsTcp(DYN, 1022)).toBe(false);
    expect((await run(NEW, "echo ok")).out).toBe("ok\n");
    expect(await pinned(NEW)).toEqual([hostKey]);
    // the machine's own view: its public address (the echo services its containers ask) is the new one
    expect((await run(NEW, "sudo docker exec k2-sidecar wget -qO- https://api.ipify.org")).out).toBe(NEW);
  }, 120_000);

  it("the running sidecar keeps its identity: Center still has the node at the old address, its usage reports go on there", async () => {
    expect(NEW).not.toBe("");
    expect(nodeAt(OLD)).toBeDefined();
    expect(nodeAt(NEW)).toBeUndefined();
    const before = center.state.usages[OLD]!.lastReportAt;
    const okBefore = sidecarLines(NEW, "DIAG: usage-reporter-cycle-ok").length;
    // a report is due every 5 s (60 simulated seconds at the meter's 12x); the next look at the node writes what fell due
    await new Promise((r) => setTimeout(r, 6500));
    expect((await run(NEW, "docker ps --format '{{.Names}}'")).code).toBe(0);
    expect(center.state.usages[OLD]!.lastReportAt).toBeGreaterThan(before);
    expect(sidecarLines(NEW, "DIAG: usage-reporter-cycle-ok").length).toBeGreaterThan(okBefore);
    expect(sidecarLines(NEW, "DIAG: usage-reporter-cycle-fail")).toEqual([]);
    expect(center.state.usages[NEW]).toBeUndefined();
  }, 60_000);

  it("after `docker compose restart k2-sidecar` Center has the node at the new address only: private, owned by no one", async () => {
    expect(NEW).not.toBe("");
    const r = await run(NEW, "cd /apps/k2s && sudo docker compose restart k2-sidecar");
    expect(r.code, r.err).toBe(0);
    // the graceful stop unregistered what it had registered; the new process registered where the machine is
    expect(sidecarLines(NEW, "Unregistering node").at(-1)).toContain(`ipv4=${OLD}`);
    expect(sidecarLines(NEW, "Auto-detected IPv4").at(-1)).toContain(`ipv4=${NEW}`);
    expect(sidecarLines(NEW, "Registration completed").at(-1)).toContain(`ipv4=${NEW}`);
    expect(nodeAt(OLD)).toBeUndefined();
    const node = nodeAt(NEW)!;
    expect(node).toMatchObject({ name: NAME, class: "private", privateOwnerUserId: null, privateSubId: null });
    // the subscription stays bound to the address it was bought for
    expect(center.state.subs.find((s) => s.id === 6701)).toMatchObject({ boundIpv4: OLD, status: "active" });
    expect(center.state.tunnels.filter((t) => !t.deleted).map((t) => [t.nodeIpv4, t.domain])).toEqual([[NEW, `${NEW.replace(/\./g, "-")}.sslip.io`]]);
    // the console's view of Center
    const api = createCenterClient({ baseUrl: center.url, accessKey: center.accessKeys.viewer });
    const listed = (await api.listAllNodes()).map((n) => n.ipv4);
    expect(listed).toContain(NEW);
    expect(listed).not.toContain(OLD);
    // its reports now come from the new address
    await new Promise((res) => setTimeout(res, 6500));
    expect((await run(NEW, "docker ps --format '{{.Names}}'")).code).toBe(0);
    expect(center.state.usages[NEW]?.lastReportAt).toBeGreaterThan(0);
  }, 90_000);

  it("Center's own deferred change-ip moves the machine again (a fresh address); Lightsail shows a new static IP attached", async () => {
    expect(NEW).not.toBe("");
    const editor = createCenterClient({ baseUrl: center.url, accessKey: center.accessKeys.editor });
    await editor.changeCloudInstanceIp(instance().id);
    const [res] = await center.runDeferredTasks((t) => t.kind === "change_ip");
    expect(res).toMatchObject({ ok: true, ipv4: "127.0.67.22" });
    expect(fleet.ips()).toEqual(["127.0.67.22"]);
    expect(await acceptsTcp(NEW, 1022)).toBe(false);
    expect((await run("127.0.67.22", "echo ok")).out).toBe("ok\n");
    expect(await pinned("127.0.67.22")).toEqual([hostKey]);
    const c = lightsail();
    expect(await c.getInstance(NAME)).toMatchObject({ publicIp: "127.0.67.22", isStaticIp: true });
    expect((await c.listStaticIps()).filter((s) => s.attachedTo === NAME).map((s) => s.ipAddress)).toEqual(["127.0.67.22"]);
    c.destroy();
  }, 60_000);

  it("no new machine lands in a moved one's state dir; a simulator restart finds the machine where it went", async () => {
    const spec = { ip: OLD, name: NAME, country: "JP", region: "jp-tokyo", scenario: "healthy" as const, secret: SECRET, centerUrl: center.url };
    await expect(fleet.addNode(spec)).rejects.toThrow(`node ${OLD}: its state dir belongs to the node now at 127.0.67.22`);
    expect(fleet.ips()).toEqual(["127.0.67.22"]);
    // the same state dir started again (a restarted simulator): node.env says where the machine is
    await fleet.removeNode("127.0.67.22");
    expect(await acceptsTcp("127.0.67.22", 1022)).toBe(false);
    const back = await fleet.addNode(spec);
    expect(back.ip).toBe("127.0.67.22");
    expect(fleet.ips()).toEqual(["127.0.67.22"]);
    expect(await acceptsTcp(OLD, 1022)).toBe(false);
    ssh.forget({ host: "127.0.67.22", port: 1022 });
    expect((await run("127.0.67.22", "echo ok")).out).toBe("ok\n");
    expect(await pinned("127.0.67.22")).toEqual([hostKey]);
  }, 60_000);
});
