import { msg, textOf } from "@/lib/text";
import { describe, expect, it } from "vitest";
import { rolloutAdvance } from "./advance";
import { planRollout, type PlanNode } from "./plan";
import { batchSizeOf, describeThreshold, failureLimitOf, rolloutParamsSchema, strategySchema } from "./strategy";
import type { ItemView, JobView } from "@/lib/jobs/kinds";

const node = (i: number, over: Partial<PlanNode> = {}): PlanNode => ({
  ipv4: `10.0.0.${i}`,
  name: `n${i}`,
  activity: "active",
  arch: "k2s",
  deployDir: "/apps/k2s",
  hostKeyState: "trusted",
  versionTag: "v0.4.8-9d7c6f95",
  verificationStatus: "pass",
  lockedBy: null,
  reachable: true,
  ...over,
});
const update = rolloutParamsSchema.parse({ kind: "update", targetTag: "v0.4.9-0a1b2c3d" });

describe("rollout strategy", () => {
  it("defaults: canary 1, manual promotion, batches of 5, 1 failure halts, auto-revert on", () => {
    expect(strategySchema.parse({})).toMatchObject({ canary: 1, promotion: "manual", batchSize: { mode: "count", value: 5 }, failureThreshold: { mode: "count", value: 1 }, autoRevert: true });
  });
  it("refuses an unpinned tag and names the field", () => {
    const r = rolloutParamsSchema.safeParse({ kind: "update", targetTag: "latest" });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(["targetTag"]);
  });
  it("batch size and failure limit as counts or percentages of the targeted nodes", () => {
    expect(batchSizeOf({ batchSize: { mode: "percent", value: 25 } }, 10)).toBe(3);
    expect(batchSizeOf({ batchSize: { mode: "count", value: 10 } }, 3)).toBe(10);
    expect(failureLimitOf({ failureThreshold: { mode: "percent", value: 10 } }, 20)).toBe(2);
    expect(failureLimitOf({ failureThreshold: { mode: "percent", value: 0 } }, 20)).toBe(1);
    expect(describeThreshold({ failureThreshold: { mode: "percent", value: 10 } }, 20)).toBe("halt when 2 nodes failed (10% of 20 targeted nodes)");
  });
});

describe("planRollout", () => {
  it("canary first, then batches; every left-out node with its reason", () => {
    const nodes = [
      node(1),
      node(2, { activity: "decommissioned" }),
      node(3, { deployDir: "/apps/kaitu-slave", arch: "kaitu-slave" }),
      node(4, { hostKeyState: "changed" }),
      node(5, { reachable: false }),
      node(6, { lockedBy: "node.update" }),
      node(7, { versionTag: "v0.4.9-0a1b2c3d" }),
      node(8),
      node(9),
      node(10),
      node(11, { arch: null, deployDir: null }),
    ];
    const plan = planRollout(nodes, update, strategySchema.parse({ canary: 1, batchSize: { mode: "count", value: 2 } }));
    expect(plan.batches.map((b) => b.map((n) => n.ipv4))).toEqual([["10.0.0.1"], ["10.0.0.8", "10.0.0.9"], ["10.0.0.10"]]);
    expect(plan.targeted).toBe(4);
    expect(Object.fromEntries(plan.skipped.map((s) => [s.ipv4, s.reason.text]))).toEqual({
      "10.0.0.2": expect.stringContaining("decommissioned"),
      "10.0.0.3": expect.stringContaining("DIR-migration guard"),
      "10.0.0.4": expect.stringContaining("host key changed"),
      "10.0.0.5": expect.stringContaining("unreachable at plan time"),
      "10.0.0.6": expect.stringContaining("locked by another operation (node.update)"),
      "10.0.0.7": "already on v0.4.9-0a1b2c3d and healthy",
      "10.0.0.11": expect.stringContaining("never checked"),
    });
  });
  it("the directory migration takes only legacy nodes, one at a time", () => {
    const plan = planRollout([node(1), node(2, { deployDir: "/apps/kaitu-slave" }), node(3, { arch: "kaitu-slave", deployDir: "/apps/kaitu-slave" }), node(4, { arch: "kaitu-slave" })], { kind: "dir-migration" }, strategySchema.parse({ batchSize: { mode: "count", value: 10 } }));
    expect(plan.batches.map((b) => b.map((n) => n.ipv4))).toEqual([["10.0.0.2"], ["10.0.0.3"], ["10.0.0.4"]]);
    expect(plan.skipped).toEqual([{ ipv4: "10.0.0.1", name: "n1", reason: msg`already in /apps/k2s: nothing to migrate` }]);
  });
});

const job = (over: Partial<JobView> = {}, strategy: Record<string, unknown> = {}): JobView => ({
  id: "j1",
  kind: "rollout",
  status: "running",
  concurrency: 5,
  cancelRequested: false,
  phase: "",
  currentBatch: 0,
  nextBatchAt: null,
  strategy: { ...strategySchema.parse({}), ...strategy },
  params: {},
  ...over,
});
const items = (spec: [number, string][]): ItemView[] => spec.map(([batch, status], i) => ({ id: `i${i}`, nodeIpv4: `10.0.0.${i + 1}`, status, batch }));

describe("rolloutAdvance", () => {
  it("starts with the canary alone, then waits for a manual promotion (and says so once)", () => {
    const its = items([[0, "queued"], [1, "queued"], [1, "queued"], [2, "queued"]]);
    expect(rolloutAdvance(job({ status: "queued" }), its)).toMatchObject({ dispatch: ["i0"], job: { phase: "canary", status: "running" } });
    const after = items([[0, "succeeded"], [1, "queued"], [1, "queued"], [2, "queued"]]);
    const d = rolloutAdvance(job({ phase: "canary" }), after);
    expect(d.job).toEqual({ phase: "awaiting_promotion" });
    expect(d.notify?.[0].event).toBe("awaiting_promotion");
    expect(rolloutAdvance(job({ phase: "awaiting_promotion" }), after)).toEqual({});
    // promoted: batch 1, all of it at once
    expect(rolloutAdvance(job({ phase: "batches" }), after)).toMatchObject({ dispatch: ["i1", "i2"], job: { currentBatch: 1 } });
  });
  it("auto promotion goes on; a failed canary halts", () => {
    const ok = items([[0, "succeeded"], [1, "queued"]]);
    expect(rolloutAdvance(job({ phase: "canary" }, { promotion: "auto" }), ok)).toMatchObject({ job: { phase: "batches" } });
    const bad = items([[0, "reverted"], [1, "queued"]]);
    expect(rolloutAdvance(job({ phase: "canary" }, { promotion: "auto" }), bad)).toMatchObject({ job: { status: "halted" } });
  });
  it("waits for in-flight nodes; halts at the threshold before the next batch; in-flight ones are never cut", () => {
    const s = { failureThreshold: { mode: "count", value: 2 }, canary: 0 };
    expect(rolloutAdvance(job({ phase: "batches", currentBatch: 1 }, s), items([[1, "failed"], [1, "running"], [2, "queued"]]))).toEqual({});
    expect(rolloutAdvance(job({ phase: "batches", currentBatch: 1 }, s), items([[1, "failed"], [1, "succeeded"], [2, "queued"]]))).toMatchObject({ dispatch: ["i2"] });
    const halted = rolloutAdvance(job({ phase: "batches", currentBatch: 2 }, s), items([[1, "failed"], [1, "succeeded"], [2, "reverted"], [3, "queued"]]));
    expect(halted.job?.status).toBe("halted");
    expect(textOf(halted.job?.haltReason ?? "").text).toMatch(/2 of 4 targeted nodes failed \(limit 2\)/);
    // a halted rollout starts nothing; resumed with the failures accepted it goes on
    expect(rolloutAdvance(job({ status: "halted", phase: "batches", currentBatch: 2 }, s), items([[1, "failed"], [1, "succeeded"], [2, "reverted"], [3, "queued"]]))).toEqual({});
    expect(rolloutAdvance(job({ phase: "batches", currentBatch: 2 }, { ...s, acceptedFailures: 2 }), items([[1, "failed"], [1, "succeeded"], [2, "reverted"], [3, "queued"]]))).toMatchObject({ dispatch: ["i3"] });
  });
  it("a batch where every node failed halts even under the threshold", () => {
    const s = { failureThreshold: { mode: "count", value: 10 }, canary: 0 };
    expect(rolloutAdvance(job({ phase: "batches", currentBatch: 1 }, s), items([[1, "failed"], [1, "failed"], [2, "queued"]])).job?.haltReason).toEqual(msg`every node of batch ${1} failed`);
  });
  it("staggers between batches: sets the time, waits, then starts", () => {
    const s = { staggerSeconds: 30, canary: 0 };
    const its = items([[1, "succeeded"], [2, "queued"]]);
    const now = new Date("2026-12-01T00:00:00Z");
    const d = rolloutAdvance(job({ phase: "batches", currentBatch: 1 }, s), its, now);
    expect(d.job?.nextBatchAt?.toISOString()).toBe("2026-12-01T00:00:30.000Z");
    expect(d.wakeAt?.toISOString()).toBe("2026-12-01T00:00:30.000Z");
    expect(rolloutAdvance(job({ phase: "batches", currentBatch: 1, nextBatchAt: d.job!.nextBatchAt! }, s), its, new Date(now.getTime() + 10_000))).toEqual({ wakeAt: d.job!.nextBatchAt });
    expect(rolloutAdvance(job({ phase: "batches", currentBatch: 1, nextBatchAt: d.job!.nextBatchAt! }, s), its, new Date(now.getTime() + 31_000))).toMatchObject({ dispatch: ["i1"] });
  });
  it("retried nodes of an earlier batch run first, without a stagger; paused starts nothing; the end says failed if any node failed", () => {
    const s = { staggerSeconds: 30, canary: 0 };
    expect(rolloutAdvance(job({ phase: "batches", currentBatch: 3 }, s), items([[1, "queued"], [2, "succeeded"], [3, "succeeded"]]))).toMatchObject({ dispatch: ["i0"] });
    expect(rolloutAdvance(job({ status: "paused", phase: "batches" }, s), items([[1, "queued"]]))).toEqual({});
    expect(rolloutAdvance(job({ phase: "batches" }, s), items([[1, "succeeded"], [1, "reverted"]]))).toEqual({ finish: "failed" });
    expect(rolloutAdvance(job({ phase: "batches" }, s), items([[1, "succeeded"], [1, "skipped"]]))).toEqual({ finish: "succeeded" });
    expect(rolloutAdvance(job({ phase: "batches", cancelRequested: true }, s), items([[1, "running"], [2, "cancelled"]]))).toEqual({});
    expect(rolloutAdvance(job({ phase: "batches", cancelRequested: true }, s), items([[1, "succeeded"], [2, "cancelled"]]))).toEqual({ finish: "cancelled" });
  });
});
