import { createTranslator } from "next-intl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCenterClient } from "@/lib/center/client";
import { en, zhCN } from "@/messages";
import { startCenterSim, type CenterSim } from "@/simulator/center";
import { LIST_PHRASES, listWorkItems } from "./index";

// The Provisioning page's data against the Center simulator over HTTP (center-api.md §5.2):
// paging past Center's 100-item pages, filters, an unreachable Center.
let sim: CenterSim;
const seeds = Array.from({ length: 120 }, (_, i) => ({ region: i % 2 ? "ap-tokyo" : "ap-seoul", trafficTotalBytes: (100 + i) * 2 ** 30, ipType: "non_residential" as const }));
beforeAll(async () => {
  sim = await startCenterSim({ fleet: [], decommissioned: [], realCerts: false, sweepIntervalMs: 0, cloudSyncIntervalMs: 0, provisionQueue: seeds });
});
afterAll(async () => {
  await sim?.close();
});
const client = () => createCenterClient({ baseUrl: sim.url, accessKey: sim.accessKeys.editor, getRetries: 0 });

describe("listWorkItems", () => {
  it("reads every page, newest first, and filters by action and status", async () => {
    const all = await listWorkItems({}, { client: client() });
    expect(all).toMatchObject({ configured: true, error: null, errorPhrase: null, truncated: false, total: 120, queued: 120 });
    expect(all.items).toHaveLength(120);
    expect(all.items[0].asks).toBe("ap-tokyo · 219 GiB a month sold · non_residential");
    const claimed = await listWorkItems({ status: "claimed" }, { client: client() });
    expect(claimed.items).toEqual([]);
    const stops = await listWorkItems({ action: "stop" }, { client: client() });
    expect(stops.total).toBe(0);
    const one = await listWorkItems({}, { client: client(), maxPages: 1 });
    expect(one).toMatchObject({ truncated: true, total: 120 });
    expect(one.items).toHaveLength(100);
  });

  it("no Center configured: nothing to show, said so; Center unreachable: the error, never the access key", async () => {
    expect(await listWorkItems({}, { client: null })).toMatchObject({ configured: false, items: [] });
    const down = createCenterClient({ baseUrl: "http://127.0.0.1:9", accessKey: sim.accessKeys.editor, getRetries: 0, timeoutMs: 2000 });
    const r = await listWorkItems({}, { client: down });
    expect(r.error).toMatch(/^Center's work items could not be read: /);
    expect(r.error).not.toContain(sim.accessKeys.editor);
    // the page shows it from the catalog: the same English, the Chinese with Center's error verbatim
    const tEn = createTranslator({ locale: "en", messages: en, namespace: "provisioning" });
    const tZh = createTranslator({ locale: "zh-CN", messages: zhCN, namespace: "provisioning" });
    expect(r.errorPhrase?.code).toBe("listError.read");
    expect(tEn(r.errorPhrase!.code, r.errorPhrase!.values)).toBe(r.error);
    expect(tZh(r.errorPhrase!.code, r.errorPhrase!.values)).toContain(String(r.errorPhrase!.values.error));
    expect(Object.keys(LIST_PHRASES)).toEqual(["listError.read"]);
  });
});
