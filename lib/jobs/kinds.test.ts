import { describe, expect, it } from "vitest";
import { countByStatus, poolAdvance, type JobView } from "./kinds";

const job = (over: Partial<JobView> = {}): JobView => ({
  id: "j",
  kind: "verify",
  status: "running",
  concurrency: 3,
  cancelRequested: false,
  phase: "run",
  currentBatch: 0,
  nextBatchAt: null,
  strategy: null,
  params: {},
  ...over,
});

describe("poolAdvance (the default policy, from status counts)", () => {
  it("fills the room left by in-flight steps with the next queued items, in the order given", () => {
    expect(poolAdvance(job(), { queued: 5, running: 1 }, ["a", "b", "c"]).dispatch).toEqual(["a", "b"]);
    expect(poolAdvance(job(), { queued: 5, running: 2, dispatched: 1 }, ["a", "b", "c"]).dispatch).toEqual([]);
  });

  it("starts a queued job", () => {
    expect(poolAdvance(job({ status: "queued" }), { queued: 2 }, ["a", "b"])).toEqual({ dispatch: ["a", "b"], job: { status: "running" } });
  });

  it("finishes when nothing is queued or in flight: failed if any failed, else succeeded", () => {
    expect(poolAdvance(job(), { succeeded: 4, failed: 1 }, [])).toEqual({ finish: "failed" });
    expect(poolAdvance(job(), { succeeded: 4, skipped: 1 }, [])).toEqual({ finish: "succeeded" });
    expect(poolAdvance(job(), { succeeded: 4, running: 1 }, [])).toEqual({ dispatch: [], job: undefined });
  });

  it("after a cancel: waits for in-flight steps, then ends cancelled", () => {
    expect(poolAdvance(job({ cancelRequested: true }), { running: 1, cancelled: 3 }, [])).toEqual({});
    expect(poolAdvance(job({ cancelRequested: true }), { succeeded: 1, cancelled: 3 }, [])).toEqual({ finish: "cancelled" });
    expect(poolAdvance(job({ cancelRequested: true }), { succeeded: 2 }, [])).toEqual({ finish: "succeeded" });
  });
});

describe("countByStatus", () => {
  it("counts items per status", () => {
    expect(countByStatus([{ status: "queued" }, { status: "failed" }, { status: "queued" }])).toEqual({ queued: 2, failed: 1 });
  });
});
