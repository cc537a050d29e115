import { describe, expect, it } from "vitest";
import type { JobView, RolloutJobView } from "@/components/jobs/job-progress";
import { controlsFor } from "./control-rules";
import { elapsed, formatMs, nodeLabel } from "./format";

const node = (ip: string, status: string, batch: number) => ({ node: ip, status, step: status, batch, attempts: 1, summary: null, error: null });

function job(status: string, rollout: Partial<RolloutJobView> = {}, extra: Partial<JobView> = {}): JobView {
  return {
    id: "job0000000001",
    kind: "rollout",
    status,
    total: 3,
    done: 0,
    failed: 0,
    cancelRequested: false,
    items: [],
    rollout: {
      batches: [
        { index: 0, label: "canary", nodes: [node("10.0.0.1", "succeeded", 0)], status: "done" },
        { index: 1, label: "batch 1", nodes: [node("10.0.0.2", "queued", 1), node("10.0.0.3", "queued", 1)], status: "pending" },
      ],
      skipped: [],
      targeted: 3,
      failures: 0,
      failureLimit: 1,
      threshold: "halt when 1 node failed of 3 targeted nodes",
      perNodeMs: null,
      etaMs: null,
      phase: "canary",
      haltReason: null,
      currentBatch: 0,
      nextBatchAt: null,
      params: { kind: "restart-sidecar" },
      strategy: {},
      ...rollout,
    },
    ...extra,
  };
}
const keys = (j: JobView) => controlsFor(j).map((c) => c.key);

describe("rollout controls by state", () => {
  it("running: pause and cancel", () => {
    expect(keys(job("running"))).toEqual(["pause", "cancel"]);
  });
  it("waiting for promotion: promote, and it counts the batches that follow", () => {
    const c = controlsFor(job("running", { phase: "awaiting_promotion" }));
    expect(c.map((x) => x.key)).toEqual(["pause", "promote", "cancel"]);
    expect(c.find((x) => x.key === "promote")!.values).toMatchObject({ nodes: 2, batches: 1 });
  });
  it("paused or halted: resume (a halt says its failures are accepted), retry when nodes failed", () => {
    expect(keys(job("paused"))).toEqual(["resume", "cancel"]);
    const halted = controlsFor(job("halted", { failures: 2, haltReason: "every node of batch 0 (canary) failed" }));
    expect(halted.map((x) => x.key)).toEqual(["resume", "retryFailed", "cancel"]);
    expect(halted[0].values).toEqual({ failed: 2, nodes: 0, batches: 0, halted: true, reason: "every node of batch 0 (canary) failed" });
    expect(controlsFor(job("paused"))[0].values.halted).toBe(false);
    expect(halted[1].values.failed).toBe(2);
    // the server's answer names the nodes it retries; without it, the failures so far
    expect(halted[1].doneCount!({ nodes: 3 })).toBe(3);
    expect(halted[1].doneCount!(null)).toBe(2);
  });
  it("only cancel is destructive", () => {
    const c = controlsFor(job("halted", { failures: 1 }));
    expect(c.filter((x) => x.destructive).map((x) => x.key)).toEqual(["cancel"]);
  });
  it("ended: only retry, and never after a cancel", () => {
    expect(keys(job("succeeded"))).toEqual([]);
    expect(keys(job("failed", { failures: 1 }))).toEqual(["retryFailed"]);
    expect(keys(job("cancelled", { failures: 1 }))).toEqual([]);
  });
  it("a cancel under way leaves nothing to press", () => {
    expect(keys(job("running", { failures: 1 }, { cancelRequested: true }))).toEqual([]);
  });
  it("a job without rollout data offers nothing", () => {
    expect(keys({ ...job("running"), rollout: null })).toEqual([]);
  });
});

describe("format", () => {
  it("durations", () => {
    expect(formatMs(null)).toBe("—");
    expect(formatMs(850)).toBe("850 ms");
    expect(formatMs(12_400)).toBe("12.4 s");
    expect(formatMs(185_000)).toBe("3 min 5 s");
    expect(formatMs(3_720_000)).toBe("1 h 2 min");
  });
  it("elapsed so far or until finished", () => {
    expect(elapsed(null, null)).toBeNull();
    expect(elapsed("2026-01-01T00:00:00Z", "2026-01-01T00:00:05Z")).toBe(5000);
    expect(elapsed("2026-01-01T00:00:00Z", null, Date.parse("2026-01-01T00:00:02Z"))).toBe(2000);
  });
  it("node labels", () => {
    expect(nodeLabel({ node: "10.0.0.1", name: "jp-tokyo-01" })).toBe("jp-tokyo-01 (10.0.0.1)");
    expect(nodeLabel({ ipv4: "10.0.0.1", name: "10.0.0.1" })).toBe("10.0.0.1");
  });
});
