import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCenterClient } from "@/lib/center/client";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { ActionFailure } from "@/lib/errors";
import { startCenterSim, type CenterSim } from "@/simulator/center";
import { abortWorkItem, claimWorkItem, openRunClaim, provisionRuns } from "./claim";
import type { ClaimKey } from "./claim-vault";

// Claiming Center's work items (issue #14 step 1) against the Center simulator over
// HTTP and a real database: the token sealed in the same write as the claim and
// nowhere else, 409 explained and never retried, a lost answer kept as
// "claim-unknown", abort reported to Center as failed with the token destroyed.

let t: TestDatabase;
let sim: CenterSim;
const key: ClaimKey = { key: crypto.randomBytes(32), id: "testkey00001", source: "env" };
beforeAll(async () => {
  t = await createTestDatabase();
  sim = await startCenterSim({
    fleet: [],
    decommissioned: [],
    realCerts: false,
    sweepIntervalMs: 0,
    cloudSyncIntervalMs: 0,
    provisionQueue: [
      { region: "ap-tokyo", trafficTotalBytes: 1000 * 2 ** 30, ipType: "non_residential" },
      { region: "ap-singapore", trafficTotalBytes: 500 * 2 ** 30, ipType: "non_residential" },
      { region: "us-virginia", trafficTotalBytes: 2000 * 2 ** 30, ipType: "residential" },
    ],
  });
});
afterAll(async () => {
  await sim?.close();
  await t?.close();
});
const client = () => createCenterClient({ baseUrl: sim.url, accessKey: sim.accessKeys.editor, getRetries: 0 });
const ctx = (actor = "op@k2ops.local") => ({ actor, requestId: "req-1", client: client(), key });
const queued = () => sim.state.ops.filter((o) => o.status === "queued").sort((a, b) => a.id - b.id);
const tokenOf = (subId: number) => sim.state.subs.find((s) => s.id === subId)!.provisionClaimToken;

describe("claimWorkItem", () => {
  it("claims with holder k2ops:<actor>, seals the one-time token bound to the item, and the token is nowhere else in the database", async () => {
    const op = queued()[0];
    const token = tokenOf(op.subId);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const r = await claimWorkItem(op.id, ctx());
    expect(r).toMatchObject({ operationId: op.id, subId: op.subId, action: "provision", status: "claimed", claimCaptured: true, holder: "k2ops:op@k2ops.local" });
    expect(r.params).toMatchObject({ region: "ap-tokyo", ipType: "non_residential" });
    expect(JSON.stringify(r)).not.toContain(token);
    expect(sim.state.ops.find((o) => o.id === op.id)).toMatchObject({ status: "claimed", holder: "k2ops:op@k2ops.local" });
    const run = await t.prisma.provisionRun.findUniqueOrThrow({ where: { operationId: op.id } });
    expect(run).toMatchObject({ status: "claimed", step: "choose", claimKeyId: key.id, subId: op.subId });
    expect(run.claimSealed).toMatch(/^k2v1:testkey00001:/);
    // the only copy is the sealed one: the token opens from it, and appears in no other column or table
    expect(await openRunClaim(op.id, key)).toBe(token);
    const dump = await t.prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(r)::text AS row FROM "ProvisionRun" r UNION ALL SELECT row_to_json(a)::text FROM "AuditEvent" a`);
    expect(dump.map((d) => d.row).join("\n")).not.toContain(token);
    // bound to its item: the sealed value copied onto another run does not open
    await t.prisma.provisionRun.create({ data: { operationId: 999_001, subId: 1, action: "provision", status: "claimed", holder: "x", claimedBy: "x", claimSealed: run.claimSealed, claimKeyId: key.id } });
    await expect(openRunClaim(999_001, key)).rejects.toThrow();
  });

  it("an item k2ops already works is refused before anything is sent to Center", async () => {
    const op = sim.state.ops.find((o) => o.status === "claimed")!;
    const before = JSON.stringify(sim.state.ops);
    await expect(claimWorkItem(op.id, ctx("other@k2ops.local"))).rejects.toThrow(/already being worked in k2ops \(claimed by op@k2ops.local, claimed\)\. Nothing was sent/);
    expect(JSON.stringify(sim.state.ops)).toBe(before);
  });

  it("409 (claimed elsewhere, or gone) is explained, leaves no run behind and is not retried", async () => {
    const op = queued()[0];
    // someone else (another agent) claims it first
    await client().claimNodeOperation(op.id, { holder: "agent:elsewhere" });
    const err = await claimWorkItem(op.id, ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionFailure);
    expect(err).toMatchObject({ code: "conflict" });
    expect((err as Error).message).toMatch(/no longer claimable: someone else claimed it, or it is gone .* pick another item/);
    expect(await t.prisma.provisionRun.findUnique({ where: { operationId: op.id } })).toBeNull();
    expect(sim.state.ops.find((o) => o.id === op.id)).toMatchObject({ status: "claimed", holder: "agent:elsewhere" });
    // an id Center does not have: the same 409
    await expect(claimWorkItem(987_654, ctx())).rejects.toMatchObject({ code: "conflict" });
  });

  it("Center refusing the connection: nothing claimed, no run; Center's answer lost (5xx): kept as claim-unknown and never claimed again blindly", async () => {
    const op = queued()[0];
    const down = createCenterClient({ baseUrl: "http://127.0.0.1:59999", accessKey: sim.accessKeys.editor, getRetries: 0, timeoutMs: 2000 });
    await expect(claimWorkItem(op.id, { ...ctx(), client: down })).rejects.toThrow(/connection refused\): work item \d+ was not claimed/);
    expect(await t.prisma.provisionRun.findUnique({ where: { operationId: op.id } })).toBeNull();

    // Center takes the claim but the answer is lost (a 5xx after the write)
    sim.loseAnswers(new RegExp(`^POST /app/node-operations/${op.id}/claim$`), 504);
    const lost = (await claimWorkItem(op.id, ctx()).catch((e: unknown) => e)) as Error;
    expect(sim.state.ops.find((o) => o.id === op.id)!.status).toBe("claimed");
    expect(lost.message).toMatch(/answer to the claim of work item \d+ was lost .*does not claim it again blindly/);
    expect(await t.prisma.provisionRun.findUniqueOrThrow({ where: { operationId: op.id } })).toMatchObject({ status: "claim-unknown", claimSealed: null });
    await expect(claimWorkItem(op.id, ctx())).rejects.toThrow(/may hold it with a token k2ops never received/);
  });
  it("a claim interrupted in flight (the console killed before Center answered) is shown as claim-unknown, not retried", async () => {
    await t.prisma.provisionRun.create({ data: { operationId: 777_001, subId: 0, action: "unknown", status: "claiming", holder: "k2ops:op@k2ops.local", claimedBy: "op@k2ops.local" } });
    // while its request could still be in flight: k2ops is working it
    await expect(claimWorkItem(777_001, ctx())).rejects.toThrow(/already being worked in k2ops/);
    const later = new Date(Date.now() + 61_000);
    await expect(claimWorkItem(777_001, { ...ctx(), now: later })).rejects.toThrow(/may hold it with a token k2ops never received/);
    expect(await t.prisma.provisionRun.findUniqueOrThrow({ where: { operationId: 777_001 } })).toMatchObject({ status: "claim-unknown", lastError: expect.stringMatching(/^interrupted: /) });
  });
});

describe("abortWorkItem", () => {
  it("reports the item failed at Center with a concise reason (no token), destroys the sealed token and ends the run", async () => {
    const claimed = (await t.prisma.provisionRun.findMany({ where: { status: "claimed", operationId: { lt: 999_000 } } }))[0];
    const token = tokenOf(claimed.subId);
    const r = await abortWorkItem(claimed.operationId, `wrong region ${token}`, ctx());
    expect(r.status).toBe("aborted");
    expect(r.reported).toMatch(/^aborted in k2ops by op@k2ops.local: wrong region/);
    const op = sim.state.ops.find((o) => o.id === claimed.operationId)!;
    expect(op.status).toBe("failed");
    expect(op.lastError).toMatch(/^aborted in k2ops by op@k2ops.local/);
    expect(op.lastError).not.toContain(token);
    expect(await t.prisma.provisionRun.findUniqueOrThrow({ where: { operationId: claimed.operationId } })).toMatchObject({ status: "aborted", claimSealed: null, claimKeyId: null });
    await expect(openRunClaim(claimed.operationId, key)).rejects.toMatchObject({ code: "not_found" });
    // nothing left to abort
    await expect(abortWorkItem(claimed.operationId, "again", ctx())).rejects.toMatchObject({ code: "not_found" });
    const runs = await provisionRuns([claimed.operationId]);
    expect(runs.get(claimed.operationId)).toMatchObject({ status: "aborted", claimHeld: false });
  });
});
