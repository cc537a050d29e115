import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCenterSim, type CenterSim } from "@/simulator/center/index";
import { startLightsailSim, type LightsailSim } from "./index";
import { createLightsailClient, lightsailTargetOf } from "@/lib/lightsail/client";
import { createCenterClient } from "@/lib/center/client";

// The Lightsail simulator mirroring the Center simulator: same inventory,
// reboot routed to the Center's onRebootInstance hook, and provider traffic
// that agrees with Center's aws_lightsail traffic_used_gb (NetworkIn + NetworkOut).
describe("Lightsail simulator linked to the Center simulator", () => {
  let center: CenterSim;
  let ls: LightsailSim;
  const reboots: string[] = [];
  beforeAll(async () => {
    center = await startCenterSim({ realCerts: false, sweepIntervalMs: 0, cloudSyncIntervalMs: 0, deferred: "manual", onRebootInstance: async (ip) => void reboots.push(ip) });
    ls = await startLightsailSim({ center });
  });
  afterAll(async () => {
    await ls?.close();
    await center?.close();
  });

  it("inventory, reboot hook and traffic agree with Center", async () => {
    const w = createLightsailClient({ region: "ap-northeast-1", endpoint: ls.url, credentials: { accessKeyId: "AKIAX", secretAccessKey: "y" }, maxAttempts: 1 });
    const tokyo = await w.listInstances();
    expect(tokyo.map((i) => i.name).sort()).toEqual(["jp-tokyo-01", "jp-tokyo-02", "pn-1001"]);
    const sg = await w.listInstances("ap-southeast-1");
    expect(sg.map((i) => i.name)).toEqual(["sg-singapore-01"]);
    await w.rebootInstance("jp-tokyo-02");
    await new Promise((r) => setTimeout(r, 20));
    expect(reboots).toEqual(["127.0.0.12"]);

    const c = createCenterClient({ baseUrl: center.url, accessKey: center.accessKeys.viewer });
    const inst = (await c.listAllCloudInstances({ provider: "aws_lightsail" })).find((i) => i.name === "jp-tokyo-01")!;
    const target = lightsailTargetOf(inst)!;
    expect(target).toEqual({ name: "jp-tokyo-01", region: "ap-northeast-1" });
    const m = await w.monthlyTransfer(target.name, { region: target.region, nowSec: inst.last_synced_at });
    expect(m.sumBytes / 2 ** 30).toBeCloseTo(inst.traffic_used_gb, 3);

    // a new Lightsail instance created through Center appears at Lightsail after the deferred run
    await c.listCloudAccounts();
    const editor = createCenterClient({ baseUrl: center.url, accessKey: center.accessKeys.editor });
    await editor.createCloudInstance({ account_name: "aws-tokyo", region: "ap-northeast-1a", plan: "micro_3_2", image_id: "ubuntu_22_04", name: "pn-3001" });
    await center.runDeferredTasks();
    const fresh = await w.getInstance("pn-3001");
    expect(fresh).toMatchObject({ region: "ap-northeast-1", bundleId: "micro_3_2", state: "running" });
    w.destroy();
  });
});
