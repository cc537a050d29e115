import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetInstancesCommand, LightsailClient, NotFoundException } from "@aws-sdk/client-lightsail";
import { startLightsailSim, setTrafficProfile, type LightsailSim } from "./index";
import { createLightsailClient, LightsailError } from "@/lib/lightsail/client";

const GiB = 2 ** 30;

describe("Lightsail simulator through the real AWS SDK", () => {
  let sim: LightsailSim;
  const reboots: string[] = [];
  const t0 = Math.floor(Date.UTC(2026, 10, 20, 12, 0, 0) / 1000);
  beforeAll(async () => {
    sim = await startLightsailSim({
      now: () => t0,
      accessKeyId: "AKIATESTSIM",
      inventory: () => [
        { name: "jp-tokyo-01", ipv4: "127.0.0.11", region: "ap-northeast-1a", bundleId: "small_3_2", blueprintId: "ubuntu_22_04", createdAt: t0 - 60 * 86400 },
        { name: "jp-new", ipv4: "127.0.0.40", region: "ap-northeast-1", bundleId: "micro_3_2", blueprintId: "ubuntu_24_04", createdAt: Date.UTC(2026, 10, 10) / 1000 },
        { name: "us-virginia-01", ipv4: "127.0.0.14", region: "us-east-1", bundleId: "medium_3_2", blueprintId: "ubuntu_22_04", createdAt: t0 - 90 * 86400 },
      ],
      onRebootInstance: async (ip) => {
        reboots.push(ip);
      },
    });
    setTrafficProfile("jp-tokyo-01", { outGiBPerDay: 10, inGiBPerDay: 4, phase: 0 });
  });
  afterAll(async () => {
    setTrafficProfile("jp-tokyo-01", null);
    await sim?.close();
  });

  const wrapper = (region = "ap-northeast-1", accessKeyId = "AKIATESTSIM") =>
    createLightsailClient({ region, endpoint: sim.url, credentials: { accessKeyId, secretAccessKey: "dummy-secret-value-123" }, maxAttempts: 1 });

  it("GetInstances via the raw SDK is region scoped and AWS-shaped", async () => {
    const c = new LightsailClient({ region: "ap-northeast-1", endpoint: sim.url, credentials: { accessKeyId: "AKIATESTSIM", secretAccessKey: "x" } });
    const out = await c.send(new GetInstancesCommand({}));
    expect(out.instances?.map((i) => i.name).sort()).toEqual(["jp-new", "jp-tokyo-01"]);
    const i = out.instances!.find((x) => x.name === "jp-tokyo-01")!;
    expect(i.publicIpAddress).toBe("127.0.0.11");
    expect(i.createdAt).toBeInstanceOf(Date);
    expect(i.location).toEqual({ availabilityZone: "ap-northeast-1a", regionName: "ap-northeast-1" });
    expect(i.networking?.monthlyTransfer?.gbPerMonthAllocated).toBe(1536);
    expect(i.state?.name).toBe("running");
    c.destroy();
  });

  it("wrapper: getInstance, listInstances, NotFound as a typed error", async () => {
    const w = wrapper();
    const one = await w.getInstance("us-virginia-01", "us-east-1");
    expect(one).toMatchObject({ name: "us-virginia-01", region: "us-east-1", publicIp: "127.0.0.14", bundleId: "medium_3_2", transferGbPerMonth: 2048 });
    expect((await w.listInstances()).length).toBe(2);
    const err = await w.getInstance("us-virginia-01").catch((e) => e); // wrong region
    expect(err).toBeInstanceOf(LightsailError);
    expect(err.code).toBe("NotFoundException");
    expect(err.httpStatus).toBe(400);
    w.destroy();
  });

  it("raw SDK maps __type to the modeled NotFoundException", async () => {
    const c = new LightsailClient({ region: "ap-northeast-1", endpoint: sim.url, credentials: { accessKeyId: "AKIATESTSIM", secretAccessKey: "x" }, maxAttempts: 1 });
    const { GetInstanceCommand } = await import("@aws-sdk/client-lightsail");
    const e = await c.send(new GetInstanceCommand({ instanceName: "nope" })).catch((x) => x);
    expect(e).toBeInstanceOf(NotFoundException);
    expect(e.message).toContain("nope");
    c.destroy();
  });

  it("unknown access key id → UnrecognizedClientException, secret never in the message", async () => {
    const w = wrapper("ap-northeast-1", "AKIAWRONG");
    const e = await w.listInstances().catch((x) => x);
    expect(e).toBeInstanceOf(LightsailError);
    expect(e.code).toBe("UnrecognizedClientException");
    expect(JSON.stringify({ m: e.message, s: e.stack })).not.toContain("dummy-secret-value-123");
    w.destroy();
  });

  it("reboot calls the hook and reports rebooting", async () => {
    const w = wrapper();
    const r = await w.rebootInstance("jp-tokyo-01");
    expect(r.status).toBe("Started");
    await new Promise((res) => setTimeout(res, 20));
    expect(reboots).toContain("127.0.0.11");
    expect((await w.getInstance("jp-tokyo-01")).state).toBe("rebooting");
    w.destroy();
  });

  it("monthly NetworkIn/Out sums match the traffic model (and clip at creation)", async () => {
    const w = wrapper();
    const m = await w.monthlyTransfer("jp-tokyo-01", { nowSec: t0 });
    expect(m.month).toBe("2026-11");
    // 19.5 days at 10 GiB/day out and 4 GiB/day in, with a daily sine that nearly averages out
    expect(m.outBytes / GiB).toBeGreaterThan(19.5 * 10 * 0.95);
    expect(m.outBytes / GiB).toBeLessThan(19.5 * 10 * 1.05);
    expect(m.inBytes / GiB).toBeGreaterThan(19.5 * 4 * 0.95);
    expect(m.billableBytes).toBe(Math.max(m.inBytes, m.outBytes));
    expect(m.sumBytes).toBe(m.inBytes + m.outBytes);
    const fresh = await w.monthlyTransfer("jp-new", { nowSec: t0 });
    const full = await w.monthlyTransfer("jp-tokyo-01", { nowSec: t0 });
    expect(fresh.outBytes).toBeGreaterThan(0);
    expect(full.from).toBe(Date.UTC(2026, 10, 1) / 1000);
    const past = await w.monthlyTransfer("jp-tokyo-01", { nowSec: t0, month: "2026-10" });
    expect(past.to).toBe(Date.UTC(2026, 10, 1) / 1000);
    expect(past.outBytes / GiB).toBeGreaterThan(31 * 10 * 0.95);
    w.destroy();
  });

  it("invalid metric input → InvalidInputException", async () => {
    const c = new LightsailClient({ region: "ap-northeast-1", endpoint: sim.url, credentials: { accessKeyId: "AKIATESTSIM", secretAccessKey: "x" }, maxAttempts: 1 });
    const { GetInstanceMetricDataCommand } = await import("@aws-sdk/client-lightsail");
    const e = await c
      .send(new GetInstanceMetricDataCommand({ instanceName: "jp-tokyo-01", metricName: "NetworkIn", period: 61, startTime: new Date((t0 - 3600) * 1000), endTime: new Date(t0 * 1000), unit: "Bytes", statistics: ["Sum"] }))
      .catch((x) => x);
    expect(e.name).toBe("InvalidInputException");
    const ok = await c.send(
      new GetInstanceMetricDataCommand({ instanceName: "jp-tokyo-01", metricName: "NetworkOut", period: 3600, startTime: new Date((t0 - 6 * 3600) * 1000), endTime: new Date(t0 * 1000), unit: "Bytes", statistics: ["Sum", "Average", "SampleCount"] }),
    );
    expect(ok.metricData).toHaveLength(6);
    expect(ok.metricData![0].unit).toBe("Bytes");
    expect(ok.metricData![0].timestamp).toBeInstanceOf(Date);
    expect(ok.metricData![0].sampleCount).toBe(12);
    c.destroy();
  });
});

describe("Lightsail simulator: CreateInstances (the wizard's step 3)", () => {
  let sim: LightsailSim;
  // the simulator's clock (unix s), moved by the tests: "pending" must not depend on how loaded the machine is
  let clock = 1_800_000_000;
  beforeAll(async () => {
    sim = await startLightsailSim({
      inventory: () => [{ name: "jp-tokyo-01", ipv4: "127.0.0.11", region: "ap-northeast-1a", bundleId: "small_3_2", blueprintId: "ubuntu_22_04", createdAt: 1 }],
      pendingSeconds: 1,
      now: () => clock,
      stopMs: 1500,
    });
  });
  afterAll(async () => {
    await sim?.close();
  });
  const w = () => createLightsailClient({ region: "ap-northeast-1", endpoint: sim.url, credentials: { accessKeyId: "AKIAX", secretAccessKey: "y" }, maxAttempts: 1 });
  const refusal = (p: Promise<unknown>) => p.then(() => null, (e: LightsailError) => [e.code, e.message]);

  it("creates a pending instance that runs a moment later with an address, in the zone's region only", async () => {
    const op = await w().createInstance({ name: "pn-3001", availabilityZone: "ap-northeast-1a", bundleId: "micro_3_2", blueprintId: "ubuntu_24_04" });
    expect(op).toMatchObject({ operationId: expect.any(String), status: "Started" });
    expect(await w().getInstance("pn-3001")).toMatchObject({ state: "pending", availabilityZone: "ap-northeast-1a", bundleId: "micro_3_2", blueprintId: "ubuntu_24_04" });
    await expect(w().getInstance("pn-3001", "us-east-1")).rejects.toMatchObject({ code: "NotFoundException" });
    clock += 2;
    expect(await w().getInstance("pn-3001")).toMatchObject({ state: "running", publicIp: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/) });
    expect((await w().listInstances()).map((i) => i.name).sort()).toEqual(["jp-tokyo-01", "pn-3001"]);
  });

  it("refuses a name in use (the idempotency key), an unknown zone, bundle or blueprint, naming what is wrong; and can fail on demand", async () => {
    const spec = { name: "jp-tokyo-01", availabilityZone: "ap-northeast-1a", bundleId: "micro_3_2", blueprintId: "ubuntu_22_04" };
    expect(await refusal(w().createInstance(spec))).toEqual(["InvalidInputException", "Some names are already in use: jp-tokyo-01"]);
    expect(await refusal(w().createInstance({ ...spec, name: "x1", availabilityZone: "ap-northeast-1" }))).toEqual(["InvalidInputException", "The Availability Zone is not valid: ap-northeast-1"]);
    expect(await refusal(w().createInstance({ ...spec, name: "x1", bundleId: "huge_9_9" }))).toEqual(["InvalidInputException", "The bundle does not exist: huge_9_9"]);
    expect(await refusal(w().createInstance({ ...spec, name: "x1", blueprintId: "windows_2022" }))).toEqual(["InvalidInputException", "The blueprint does not exist: windows_2022"]);
    sim.failCreates(1);
    expect(await refusal(w().createInstance({ ...spec, name: "x1" }))).toEqual(["ServiceException", "We encountered an internal error. Please try again."]);
    expect(await refusal(w().createInstance({ ...spec, name: "x1" }))).toBeNull();
    expect(sim.creates.map((c) => c.name)).toEqual(["pn-3001", "x1"]);
  });

  it("StopInstance: stopping, then stopped; DeleteInstance: gone at once; unknown names are NotFound", async () => {
    await w().stopInstance("x1");
    expect(await w().getInstance("x1")).toMatchObject({ state: "stopping" });
    await expect.poll(async () => (await w().getInstance("x1")).state, { timeout: 10_000, interval: 250 }).toBe("stopped");
    await w().deleteInstance("x1");
    await expect(w().getInstance("x1")).rejects.toMatchObject({ code: "NotFoundException" });
    await expect(w().deleteInstance("x1")).rejects.toMatchObject({ code: "NotFoundException" });
    await expect(w().stopInstance("nope")).rejects.toMatchObject({ code: "NotFoundException" });
    expect(sim.stops.map((x) => x.name)).toEqual(["x1"]);
    expect(sim.deletes.map((x) => x.name)).toEqual(["x1"]);
  });
});
