import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { db } from "@/lib/db";
import { createJob } from "@/lib/jobs";
import { activeRollout, activeRolloutSteps } from "./index";

// The fleet table's rollout badge: each node's step in the newest unfinished rollout.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const rollout = (items: { nodeIpv4: string; batch?: number; skipped?: string }[]) => createJob({ kind: "rollout", createdBy: "op@example.test", items, start: false });

describe("activeRolloutSteps", () => {
  it("is empty while no rollout runs, and ignores ended rollouts and other kinds", async () => {
    expect(await activeRollout()).toBeNull();
    const done = await rollout([{ nodeIpv4: "127.0.70.1" }]);
    await db().job.update({ where: { id: done }, data: { status: "succeeded" } });
    await createJob({ kind: "verify", createdBy: "op@example.test", nodes: ["127.0.70.1"], start: false });
    expect((await activeRolloutSteps()).size).toBe(0);
  });

  it("takes the newest unfinished rollout: each taking-part node's step (its status before the first step), skipped nodes left out", async () => {
    const older = await rollout([{ nodeIpv4: "127.0.70.9" }]);
    await db().job.update({ where: { id: older }, data: { status: "paused" } });
    await new Promise((r) => setTimeout(r, 10));
    const id = await rollout([{ nodeIpv4: "127.0.70.1", batch: 0 }, { nodeIpv4: "127.0.70.2", batch: 1 }, { nodeIpv4: "127.0.70.3", skipped: "decommissioned" }]);
    await db().job.update({ where: { id }, data: { status: "halted" } });
    await db().jobItem.updateMany({ where: { jobId: id, nodeIpv4: "127.0.70.1" }, data: { status: "running", step: "pulling" } });
    const a = await activeRollout();
    expect(a).toMatchObject({ jobId: id, status: "halted" });
    expect(Object.fromEntries(a!.steps)).toEqual({ "127.0.70.1": "pulling", "127.0.70.2": "queued" });
    expect(await activeRolloutSteps()).toEqual(a!.steps);
  });
});
