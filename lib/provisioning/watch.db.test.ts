import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCenterClient } from "@/lib/center/client";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { startCenterSim, type CenterSim } from "@/simulator/center";
import { announceNewWorkItems } from "./watch";

// New queued work items reach the operators' channel once each (issue #14),
// across restarts and consoles (the announced set is in the database): here a
// real HTTP webhook receives them from the Center simulator's queue.

let t: TestDatabase;
let center: CenterSim;
let hook: http.Server;
const got: { event: string; text: string; jobId: string }[] = [];
const client = () => createCenterClient({ baseUrl: center.url, accessKey: center.accessKeys.viewer, getRetries: 0 });

beforeAll(async () => {
  t = await createTestDatabase();
  center = await startCenterSim({ fleet: [], decommissioned: [], realCerts: false, sweepIntervalMs: 0, cloudSyncIntervalMs: 0 });
  hook = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d));
    req.on("end", () => {
      got.push(JSON.parse(body) as { event: string; text: string; jobId: string });
      res.end("ok");
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
  process.env.K2OPS_NOTIFY_WEBHOOK = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  delete process.env.K2OPS_NOTIFY_WEBHOOK;
  await new Promise((r) => hook?.close(r));
  await center?.close();
  await t?.close();
});

describe("announcing new queued work items", () => {
  it("each queued item is announced once with what it asks for; a new order is announced at the next read; a taken item is forgotten", async () => {
    const queued = center.state.ops.filter((o) => o.status === "queued").map((o) => o.id);
    expect(queued.length).toBeGreaterThan(0);
    expect((await announceNewWorkItems(client())).sort()).toEqual([...queued].sort());
    expect(got.map((g) => g.event)).toEqual(queued.map(() => "work-item-queued"));
    expect(got[0].text).toMatch(/^new provision work item \d+ queued at Center: .*GiB.*; Center fails it if the node has not registered within \d+ min/);
    // read again (another console, or after a restart): nothing new
    expect(await announceNewWorkItems(client())).toEqual([]);
    center.createProvisionRequest({ region: "eu-frankfurt", trafficTotalBytes: 300 * 2 ** 30, ipType: "residential" });
    const fresh = await announceNewWorkItems(client());
    expect(fresh).toHaveLength(1);
    expect(got.at(-1)?.text).toMatch(/eu-frankfurt/);
    const row = await t.prisma.setting.findUniqueOrThrow({ where: { key: "provisioning.announced" } });
    expect((row.value as number[]).sort()).toEqual([...queued, ...fresh].sort());
    // taken (claimed) by someone: no longer queued, no longer kept
    center.state.ops.find((o) => o.id === queued[0])!.status = "claimed";
    expect(await announceNewWorkItems(client())).toEqual([]);
    const after = await t.prisma.setting.findUniqueOrThrow({ where: { key: "provisioning.announced" } });
    expect(after.value as number[]).not.toContain(queued[0]);
  });

  it("without a channel nothing is read or recorded", async () => {
    const url = process.env.K2OPS_NOTIFY_WEBHOOK;
    delete process.env.K2OPS_NOTIFY_WEBHOOK;
    try {
      center.createProvisionRequest({ region: "ap-seoul", trafficTotalBytes: 300 * 2 ** 30, ipType: "residential" });
      expect(await announceNewWorkItems(client())).toEqual([]);
    } finally {
      process.env.K2OPS_NOTIFY_WEBHOOK = url;
    }
    // configured again: the item waiting is announced then
    expect(await announceNewWorkItems(client())).toHaveLength(1);
  });
});
