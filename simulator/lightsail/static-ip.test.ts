import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AllocateStaticIpCommand, GetStaticIpCommand, GetStaticIpsCommand, LightsailClient, NotFoundException } from "@aws-sdk/client-lightsail";
import { startLightsailSim, type LightsailSim } from "./index";
import { startCenterSim, type CenterSim } from "@/simulator/center/index";
import { createCenterClient } from "@/lib/center/client";
import { createLightsailClient, LightsailError } from "@/lib/lightsail/client";

// The Lightsail simulator's static IPs through the console's own client (and the raw SDK where
// the wire shape matters): Center's change-IP sequence (aws_lightsail.go ChangeIP: detach and
// release the instance's static IP, allocate `<name>-ip-<unix>`, attach it), the refusals, the
// failure knob, pagination; then linked to the Center simulator, where an attach or detach moves
// the machine through Center's hooks and Center's own deferred change-ip shows at Lightsail.

const refusal = (p: Promise<unknown>) => p.then(() => null, (e: LightsailError) => [e.code, e.message]);
const TEST_NET = /^203\.0\.113\.\d+$/;

describe("Lightsail simulator: static IPs (no Center)", () => {
  let sim: LightsailSim;
  const t0 = 1_790_000_000;
  let clock = t0;
  beforeAll(async () => {
    sim = await startLightsailSim({
      now: () => clock,
      pendingSeconds: 5,
      inventory: () => [
        { name: "jp-tokyo-01", ipv4: "127.0.0.11", region: "ap-northeast-1a", bundleId: "small_3_2", blueprintId: "ubuntu_22_04", createdAt: t0 - 60 * 86400 },
        { name: "jp-tokyo-02", ipv4: "127.0.0.12", region: "ap-northeast-1", bundleId: "micro_3_2", blueprintId: "ubuntu_22_04", createdAt: t0 - 50 * 86400 },
        { name: "us-virginia-01", ipv4: "127.0.0.14", region: "us-east-1", bundleId: "medium_3_2", blueprintId: "ubuntu_22_04", createdAt: t0 - 90 * 86400 },
      ],
    });
  });
  afterAll(async () => {
    await sim?.close();
  });
  const w = (region = "ap-northeast-1") => createLightsailClient({ region, endpoint: sim.url, credentials: { accessKeyId: "AKIAX", secretAccessKey: "y" }, maxAttempts: 1 });
  const raw = (region = "ap-northeast-1") => new LightsailClient({ region, endpoint: sim.url, credentials: { accessKeyId: "AKIAX", secretAccessKey: "y" }, maxAttempts: 1 });

  it("the inventory's instances have a static IP attached (StaticIp-<name>, their address), region by region", async () => {
    expect(await w().getInstance("jp-tokyo-01")).toMatchObject({ publicIp: "127.0.0.11", isStaticIp: true });
    expect(await w().findStaticIp("StaticIp-jp-tokyo-01")).toEqual({ name: "StaticIp-jp-tokyo-01", ipAddress: "127.0.0.11", attachedTo: "jp-tokyo-01", isAttached: true });
    expect((await w().listStaticIps()).map((s) => s.name)).toEqual(["StaticIp-jp-tokyo-01", "StaticIp-jp-tokyo-02"]);
    expect((await w("us-east-1").listStaticIps()).map((s) => [s.name, s.ipAddress])).toEqual([["StaticIp-us-virginia-01", "127.0.0.14"]]);
    // names are per region: Tokyo's is not in Virginia
    expect(await w("us-east-1").findStaticIp("StaticIp-jp-tokyo-01")).toBeNull();
    expect(await w().findStaticIp("nope")).toBeNull();
    // the wire: AWS's StaticIp shape, the modeled NotFoundException
    const c = raw();
    const out = await c.send(new GetStaticIpCommand({ staticIpName: "StaticIp-jp-tokyo-02" }));
    expect(out.staticIp).toMatchObject({ name: "StaticIp-jp-tokyo-02", ipAddress: "127.0.0.12", attachedTo: "jp-tokyo-02", isAttached: true, resourceType: "StaticIp", location: { availabilityZone: "all", regionName: "ap-northeast-1" }, supportCode: "123456789012/127.0.0.12" });
    expect(out.staticIp!.arn).toMatch(/^arn:aws:lightsail:ap-northeast-1:123456789012:StaticIp\/[0-9a-f-]{36}$/);
    expect(out.staticIp!.createdAt).toBeInstanceOf(Date);
    const e = await c.send(new GetStaticIpCommand({ staticIpName: "nope" })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotFoundException);
    expect((e as Error).message).toContain("nope");
    c.destroy();
  });

  it("Center's change-IP sequence: detach (a new dynamic address), release, allocate, attach (the static IP's address)", async () => {
    const before = sim.staticIpCalls.length;
    const ls = w();
    const attached = (await ls.listStaticIps()).find((s) => s.attachedTo === "jp-tokyo-01")!;
    expect(await ls.detachStaticIp(attached.name)).toMatchObject({ operationId: expect.any(String), status: "Succeeded" });
    const dynamic = await ls.getInstance("jp-tokyo-01");
    expect(dynamic.isStaticIp).toBe(false);
    expect(dynamic.publicIp).toMatch(TEST_NET);
    // the static IP keeps its address until released
    expect(await ls.findStaticIp(attached.name)).toEqual({ name: attached.name, ipAddress: "127.0.0.11", attachedTo: null, isAttached: false });
    await ls.releaseStaticIp(attached.name);
    expect(await ls.findStaticIp(attached.name)).toBeNull();
    const name = `jp-tokyo-01-ip-${t0}`;
    await ls.allocateStaticIp(name);
    const fresh = (await ls.findStaticIp(name))!;
    expect(fresh).toMatchObject({ attachedTo: null, isAttached: false, ipAddress: expect.stringMatching(TEST_NET) });
    expect(fresh.ipAddress).not.toBe(dynamic.publicIp);
    // unattached: no attachedTo on the wire
    const c = raw();
    expect((await c.send(new GetStaticIpCommand({ staticIpName: name }))).staticIp).not.toHaveProperty("attachedTo");
    c.destroy();
    expect(await ls.attachStaticIp(name, "jp-tokyo-01")).toMatchObject({ status: "Succeeded" });
    expect(await ls.getInstance("jp-tokyo-01")).toMatchObject({ publicIp: fresh.ipAddress, isStaticIp: true });
    expect(await ls.findStaticIp(name)).toEqual({ name, ipAddress: fresh.ipAddress, attachedTo: "jp-tokyo-01", isAttached: true });
    expect(sim.staticIpCalls.slice(before).map((x) => [x.op, x.name, x.instanceName ?? ""])).toEqual([
      ["DetachStaticIp", attached.name, "jp-tokyo-01"],
      ["ReleaseStaticIp", attached.name, ""],
      ["AllocateStaticIp", name, ""],
      ["AttachStaticIp", name, "jp-tokyo-01"],
    ]);
    ls.destroy();
  });

  it("refuses what AWS refuses, naming it; nothing changes", async () => {
    const ls = w();
    const calls = sim.staticIpCalls.length;
    await ls.allocateStaticIp("spare-1");
    expect(await refusal(ls.allocateStaticIp("spare-1"))).toEqual(["InvalidInputException", "Some names are already in use: spare-1"]);
    expect(await refusal(ls.allocateStaticIp("-bad"))).toEqual(["InvalidInputException", "staticIpName must match \\w[\\w\\-]*\\w: -bad"]);
    // attached elsewhere; an instance that has one already
    expect(await refusal(ls.attachStaticIp("StaticIp-jp-tokyo-02", "jp-tokyo-01"))).toEqual(["InvalidInputException", "The static IP StaticIp-jp-tokyo-02 is already attached to jp-tokyo-02"]);
    expect(await refusal(ls.attachStaticIp("spare-1", "jp-tokyo-02"))).toEqual(["InvalidInputException", "The instance jp-tokyo-02 already has the static IP StaticIp-jp-tokyo-02 attached"]);
    expect(await refusal(ls.releaseStaticIp("StaticIp-jp-tokyo-02"))).toEqual(["InvalidInputException", "The static IP StaticIp-jp-tokyo-02 is attached to jp-tokyo-02: detach it first"]);
    expect(await refusal(ls.detachStaticIp("spare-1"))).toEqual(["InvalidInputException", "The static IP spare-1 is not attached to an instance"]);
    expect(await refusal(ls.attachStaticIp("spare-1", "nope"))).toEqual(["NotFoundException", "The Instance does not exist: nope"]);
    expect(await refusal(ls.detachStaticIp("nope"))).toEqual(["NotFoundException", "The StaticIp does not exist: nope"]);
    // region-scoped: Virginia's instance is not Tokyo's
    expect(await refusal(ls.attachStaticIp("spare-1", "us-virginia-01"))).toEqual(["NotFoundException", "The Instance does not exist: us-virginia-01"]);
    expect(await ls.getInstance("jp-tokyo-02")).toMatchObject({ publicIp: "127.0.0.12", isStaticIp: true });
    expect(await ls.findStaticIp("spare-1")).toMatchObject({ attachedTo: null });
    expect(sim.staticIpCalls.length).toBe(calls + 1);
    await ls.releaseStaticIp("spare-1");
    ls.destroy();
  });

  it("a created instance has a dynamic address until a static IP is attached; pending, it takes none", async () => {
    const ls = w();
    await ls.allocateStaticIp("pn-7001-ip");
    const ip = (await ls.findStaticIp("pn-7001-ip"))!.ipAddress;
    await ls.createInstance({ name: "pn-7001", availabilityZone: "ap-northeast-1c", bundleId: "micro_3_2", blueprintId: "ubuntu_24_04" });
    expect(await ls.getInstance("pn-7001")).toMatchObject({ state: "pending", isStaticIp: false });
    expect(await refusal(ls.attachStaticIp("pn-7001-ip", "pn-7001"))).toEqual(["InvalidInputException", "The instance pn-7001 is pending: a static IP can be attached to a running instance only"]);
    clock += 10; // pendingSeconds later
    const running = await ls.getInstance("pn-7001");
    expect(running).toMatchObject({ state: "running", isStaticIp: false, publicIp: expect.stringMatching(TEST_NET) });
    expect(running.publicIp).not.toBe(ip);
    await ls.attachStaticIp("pn-7001-ip", "pn-7001");
    expect(await ls.getInstance("pn-7001")).toMatchObject({ publicIp: ip, isStaticIp: true });
    // deleted, its static IP stays allocated, detached
    await ls.deleteInstance("pn-7001");
    expect(await ls.findStaticIp("pn-7001-ip")).toEqual({ name: "pn-7001-ip", ipAddress: ip, attachedTo: null, isAttached: false });
    await ls.releaseStaticIp("pn-7001-ip");
    ls.destroy();
  });

  it("failStaticIp: the next calls of one operation fail with the AWS error, then it works again", async () => {
    const ls = w();
    sim.failStaticIp("AllocateStaticIp", 1);
    expect(await refusal(ls.allocateStaticIp("knob-1"))).toEqual(["ServiceException", "We encountered an internal error. Please try again."]);
    expect(await ls.findStaticIp("knob-1")).toBeNull();
    await ls.allocateStaticIp("knob-1");
    sim.failStaticIp("ReleaseStaticIp", 2, "ThrottlingException", "Rate exceeded");
    const e = (await ls.releaseStaticIp("knob-1").catch((x: unknown) => x)) as LightsailError;
    expect(e).toBeInstanceOf(LightsailError);
    expect([e.code, e.message, e.httpStatus]).toEqual(["ThrottlingException", "Rate exceeded", 400]);
    expect(await refusal(ls.releaseStaticIp("knob-1"))).toEqual(["ThrottlingException", "Rate exceeded"]);
    expect(await refusal(ls.releaseStaticIp("knob-1"))).toBeNull();
    expect(sim.staticIpCalls.filter((c) => c.name === "knob-1").map((c) => c.op)).toEqual(["AllocateStaticIp", "ReleaseStaticIp"]);
    expect(() => sim.failStaticIp("GetInstance" as never, 1)).toThrow(/not a static-IP operation/);
    ls.destroy();
  });

  it("GetStaticIps pages by 25; the client follows every page; every address is different", async () => {
    const ls = w("us-east-1");
    for (let i = 0; i < 30; i++) await ls.allocateStaticIp(`page-${String(i).padStart(2, "0")}`);
    const c = raw("us-east-1");
    const p1 = await c.send(new GetStaticIpsCommand({}));
    expect(p1.staticIps).toHaveLength(25);
    expect(p1.nextPageToken).toBeTruthy();
    const p2 = await c.send(new GetStaticIpsCommand({ pageToken: p1.nextPageToken }));
    expect(p2.staticIps).toHaveLength(6);
    expect(p2.nextPageToken).toBeUndefined();
    const all = await ls.listStaticIps();
    expect(all).toHaveLength(31);
    expect(new Set(all.map((s) => s.ipAddress)).size).toBe(31);
    // Tokyo's are not listed in Virginia
    expect(all.some((s) => s.name.startsWith("StaticIp-jp"))).toBe(false);
    await expect(c.send(new AllocateStaticIpCommand({ staticIpName: "page-00" }))).rejects.toMatchObject({ name: "InvalidInputException" });
    c.destroy();
    ls.destroy();
  });
});

describe("Lightsail simulator's static IPs linked to the Center simulator", () => {
  let center: CenterSim;
  let ls: LightsailSim;
  const moves: [string, string | undefined][] = [];
  let next = 1;
  let failMove = false;
  beforeAll(async () => {
    center = await startCenterSim({
      realCerts: false,
      sweepIntervalMs: 0,
      cloudSyncIntervalMs: 0,
      deferred: "manual",
      // the node simulator's part: free machine addresses, machines that move
      onReserveAddress: async () => `127.0.99.${next++}`,
      onChangeIp: async (old, inst) => {
        if (failMove) throw new Error("sshd could not start");
        moves.push([old, inst.wantedIpv4]);
        return { ipv4: inst.wantedIpv4 ?? `127.0.99.${next++}` };
      },
    });
    ls = await startLightsailSim({ center });
  });
  afterAll(async () => {
    await ls?.close();
    await center?.close();
  });
  const w = () => createLightsailClient({ region: "ap-northeast-1", endpoint: ls.url, credentials: { accessKeyId: "AKIAX", secretAccessKey: "y" }, maxAttempts: 1 });
  const row = (name: string) => center.state.instances.find((i) => i.name === name && !i.deletedAt)!;

  it("detach and attach move the machine through Center's hooks; Center's row follows", async () => {
    const c = w();
    expect(await c.findStaticIp("StaticIp-jp-tokyo-02")).toMatchObject({ ipAddress: "127.0.0.12", attachedTo: "jp-tokyo-02" });
    await c.detachStaticIp("StaticIp-jp-tokyo-02");
    expect(moves).toEqual([["127.0.0.12", "127.0.99.1"]]);
    expect(row("jp-tokyo-02").ip_address).toBe("127.0.99.1");
    expect(await c.getInstance("jp-tokyo-02")).toMatchObject({ publicIp: "127.0.99.1", isStaticIp: false });
    await c.releaseStaticIp("StaticIp-jp-tokyo-02");
    await c.allocateStaticIp("jp-tokyo-02-ip-1");
    expect(await c.findStaticIp("jp-tokyo-02-ip-1")).toMatchObject({ ipAddress: "127.0.99.2", attachedTo: null });
    await c.attachStaticIp("jp-tokyo-02-ip-1", "jp-tokyo-02");
    expect(moves[1]).toEqual(["127.0.99.1", "127.0.99.2"]);
    expect(row("jp-tokyo-02").ip_address).toBe("127.0.99.2");
    expect(await c.getInstance("jp-tokyo-02")).toMatchObject({ publicIp: "127.0.99.2", isStaticIp: true });
    // Center's own view: the instance's new address (its node row follows only when the sidecar re-registers)
    const api = createCenterClient({ baseUrl: center.url, accessKey: center.accessKeys.viewer });
    expect((await api.listAllCloudInstances({ provider: "aws_lightsail" })).find((i) => i.name === "jp-tokyo-02")?.ip_address).toBe("127.0.99.2");
    c.destroy();
  });

  it("a machine that cannot move: ServiceException, the static IP and the instance as they were", async () => {
    const c = w();
    failMove = true;
    const e = (await c.detachStaticIp("jp-tokyo-02-ip-1").catch((x: unknown) => x)) as LightsailError;
    failMove = false;
    expect(e).toBeInstanceOf(LightsailError);
    expect([e.code, e.httpStatus, e.retryable]).toEqual(["ServiceException", 500, true]);
    expect(await c.findStaticIp("jp-tokyo-02-ip-1")).toMatchObject({ attachedTo: "jp-tokyo-02", ipAddress: "127.0.99.2" });
    expect(await c.getInstance("jp-tokyo-02")).toMatchObject({ publicIp: "127.0.99.2", isStaticIp: true });
    expect(row("jp-tokyo-02").ip_address).toBe("127.0.99.2");
    expect(await center.moveLightsailInstance("no-such-instance", "127.0.99.50")).toBe(false);
    c.destroy();
  });

  it("Center's deferred change-ip still moves the machine (a fresh address), and Lightsail shows a new static IP attached", async () => {
    const c = w();
    // Lightsail has seen jp-tokyo-01 at its first address
    expect(await c.getInstance("jp-tokyo-01")).toMatchObject({ publicIp: "127.0.0.11", isStaticIp: true });
    const editor = createCenterClient({ baseUrl: center.url, accessKey: center.accessKeys.editor });
    await editor.changeCloudInstanceIp(row("jp-tokyo-01").id);
    // the hook's own fresh address (the failed detach above used one up)
    const fresh = `127.0.99.${next}`;
    const [res] = await center.runDeferredTasks((t) => t.kind === "change_ip");
    expect(res).toMatchObject({ ok: true, ipv4: fresh });
    expect(moves.at(-1)).toEqual(["127.0.0.11", undefined]);
    expect(await c.getInstance("jp-tokyo-01")).toMatchObject({ publicIp: fresh, isStaticIp: true });
    const mine = (await c.listStaticIps()).filter((s) => s.attachedTo === "jp-tokyo-01");
    expect(mine).toEqual([{ name: expect.stringMatching(/^jp-tokyo-01-ip-\d+$/), ipAddress: fresh, attachedTo: "jp-tokyo-01", isAttached: true }]);
    expect(await c.findStaticIp("StaticIp-jp-tokyo-01")).toBeNull();
    c.destroy();
  });
});
