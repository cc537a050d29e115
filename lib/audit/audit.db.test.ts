import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { beat, consoleProcessId, sweepInterrupted } from "./process";
import { INTERRUPTED_MESSAGE, auditCsv, listAuditEvents, markInterruptedAudit, parseAuditFilter, recordDenied, recordIntent, recordOutcome } from "./index";

let t: TestDatabase;
const ctx = (email: string) => ({ requestId: "r-" + email, actor: { id: null, email, role: "operator" }, ip: "10.9.8.7", userAgent: "test" });

beforeAll(async () => {
  t = await createTestDatabase();
  for (let i = 0; i < 7; i++) {
    const id = await recordIntent(ctx(`op${i % 2}@example.test`), { action: i % 2 ? "node.restart" : "node.update", target: { type: "node", id: `203.0.113.${i}` }, params: { container: "k2s", K2_NODE_SECRET: "f".repeat(64) } });
    await recordOutcome(id, { status: i === 3 ? "failed" : "succeeded", startedAt: performance.now(), error: i === 3 ? "=cmd|' /C calc'!A0" : undefined });
  }
  await recordDenied(ctx("viewer@example.test"), { action: "node.restart", target: { type: "node", id: "203.0.113.9" }, reason: "needs the operator role" });
});
afterAll(async () => {
  await t?.close();
});

describe("audit queries", () => {
  it("filters by user, action, node and outcome, newest first, paginated", async () => {
    expect((await listAuditEvents(parseAuditFilter({ outcome: "denied" }))).rows.map((r) => r.actorEmail)).toEqual(["viewer@example.test"]);
    expect((await listAuditEvents(parseAuditFilter({ action: "node.restart" }))).total).toBe(4);
    expect((await listAuditEvents(parseAuditFilter({ node: "203.0.113.4" }))).rows).toHaveLength(1);
    expect((await listAuditEvents(parseAuditFilter({ user: "OP1@" }))).total).toBe(3);
    const p2 = await listAuditEvents(parseAuditFilter({ pageSize: "10", page: "1" }));
    expect(p2.total).toBe(8);
    expect(p2.rows[0].at.getTime()).toBeGreaterThanOrEqual(p2.rows[7].at.getTime());
    // junk filter values are ignored, not errors
    expect((await listAuditEvents(parseAuditFilter({ outcome: "exploded", page: "-4", from: "not a date" }))).total).toBe(8);
  });

  it("sorts the whole filtered log on the server by the table's column (?sort=&dir=), then newest first; junk sort values fall back to time", async () => {
    const list = async (sp: Record<string, string>) => (await listAuditEvents(parseAuditFilter({ pageSize: "10", ...sp }))).rows;
    const actors = (await list({ sort: "actor" })).map((r) => r.actorEmail);
    expect(actors).toEqual([...actors].sort());
    expect(actors[0]).toBe("op0@example.test");
    expect((await list({ sort: "actor", dir: "desc" }))[0].actorEmail).toBe("viewer@example.test");
    // within one actor, newest first
    const op0 = (await list({ sort: "actor" })).filter((r) => r.actorEmail === "op0@example.test").map((r) => r.at.getTime());
    expect(op0).toEqual([...op0].sort((a, b) => b - a));
    // by outcome: each outcome's rows together (in the enum's order: succeeded, failed, denied)
    const outcomes = (await list({ sort: "outcome" })).map((r) => r.status);
    expect(outcomes.filter((s, i) => s !== outcomes[i - 1])).toEqual(["succeeded", "failed", "denied"]);
    const oldest = await list({ sort: "at", dir: "asc" });
    expect(oldest[0].at.getTime()).toBeLessThanOrEqual(oldest[7].at.getTime());
    const junk = await list({ sort: "secret", dir: "sideways" });
    expect(junk.map((r) => r.id)).toEqual((await list({})).map((r) => r.id));
  });

  it("stores parameters redacted and exports CSV safely (no secrets, no formula injection)", async () => {
    const rows = await t.prisma.auditEvent.findMany();
    expect(JSON.stringify(rows)).not.toContain("f".repeat(64));
    let csv = "";
    for await (const chunk of auditCsv(parseAuditFilter({}))) csv += chunk;
    expect(csv.trim().split("\n")).toHaveLength(9);
    expect(csv).not.toContain("f".repeat(64));
    expect(csv).toContain("'=cmd|");
  });
});

describe("time filter", () => {
  it("reads zone-less times as UTC (the page shows UTC) and makes 'to' cover its minute or day", () => {
    expect(parseAuditFilter({ from: "2026-11-30T14:05" }).from?.toISOString()).toBe("2026-11-30T14:05:00.000Z");
    expect(parseAuditFilter({ to: "2026-11-30T14:05" }).to?.toISOString()).toBe("2026-11-30T14:05:59.999Z");
    expect(parseAuditFilter({ to: "2026-11-30" }).to?.toISOString()).toBe("2026-11-30T23:59:59.999Z");
    expect(parseAuditFilter({ from: "2026-11-30T22:05:00+08:00" }).from?.toISOString()).toBe("2026-11-30T14:05:00.000Z");
    expect(parseAuditFilter({ from: "yesterday-ish" }).from).toBeUndefined();
  });

  it("selects the rows inside the window", async () => {
    const all = await listAuditEvents(parseAuditFilter({ pageSize: "200" }));
    const first = all.rows[all.rows.length - 1].at;
    const minute = first.toISOString().slice(0, 16);
    const inWindow = all.rows.filter((r) => r.at.toISOString().slice(0, 16) === minute).length;
    expect((await listAuditEvents(parseAuditFilter({ from: minute, to: minute, pageSize: "200" }))).total).toBe(inWindow);
    expect((await listAuditEvents(parseAuditFilter({ to: new Date(first.getTime() - 60_000).toISOString().slice(0, 16) }))).total).toBe(0);
  });
});

describe("a console killed mid-operation", () => {
  const as = async <T,>(proc: string | undefined, f: () => Promise<T>): Promise<T> => {
    const g = globalThis as unknown as { k2opsProcessId?: string };
    const saved = g.k2opsProcessId;
    g.k2opsProcessId = proc;
    try {
      return await f();
    } finally {
      g.k2opsProcessId = saved;
    }
  };
  it("its unfinished intents become interrupted; a live replica's and this process's own pending rows stay", async () => {
    const me = consoleProcessId();
    await beat(me);
    // a replica that beat 2 minutes ago (dead), one beating now (live), one never registered
    await t.prisma.consoleProcess.create({ data: { id: "replica-dead", host: "h1", pid: 1, lastSeen: new Date(Date.now() - 120_000) } });
    await beat("replica-live");
    const dead = await as("replica-dead", () => recordIntent(ctx("op9@example.test"), { action: "node.update", target: { type: "node", id: "198.51.100.1" } }));
    const live = await as("replica-live", () => recordIntent(ctx("op9@example.test"), { action: "node.update", target: { type: "node", id: "198.51.100.3" } }));
    const ghost = await as("replica-ghost", () => recordIntent(ctx("op9@example.test"), { action: "node.update", target: { type: "node", id: "198.51.100.4" } }));
    // a row from before processes were recorded: closed only when it predates this start
    const legacy = (await t.prisma.auditEvent.create({ data: { requestId: "r-legacy", actorEmail: "op9@example.test", actorRole: "operator", action: "node.update", status: "pending" } })).id;
    await new Promise((r) => setTimeout(r, 20));
    const started = new Date();
    const mine = await recordIntent(ctx("op9@example.test"), { action: "node.restart", target: { type: "node", id: "198.51.100.2" } });
    expect(await markInterruptedAudit(started)).toBe(3);
    const rows = await t.prisma.auditEvent.findMany({ where: { id: { in: [dead, live, ghost, legacy, mine] } } });
    const st = (id: string) => rows.find((r) => r.id === id);
    for (const id of [dead, ghost, legacy]) {
      expect(st(id)).toMatchObject({ status: "interrupted", error: INTERRUPTED_MESSAGE });
      expect(st(id)?.finishedAt).not.toBeNull();
    }
    expect(st(live)).toMatchObject({ status: "pending", finishedAt: null, process: "replica-live" });
    expect(st(mine)).toMatchObject({ status: "pending", finishedAt: null, process: me });
    expect((await listAuditEvents(parseAuditFilter({ outcome: "interrupted" }))).rows.map((r) => r.id).sort()).toEqual([dead, ghost, legacy].sort());
    // the live replica stops beating: a later sweep (any process, every minute) closes its row
    await t.prisma.consoleProcess.update({ where: { id: "replica-live" }, data: { lastSeen: new Date(Date.now() - 120_000) } });
    expect(await sweepInterrupted({ startedBefore: started })).toBe(1);
    expect((await t.prisma.auditEvent.findUniqueOrThrow({ where: { id: live } })).status).toBe("interrupted");
    // which process wrote an intent is part of it: never rewritten
    await expect(t.prisma.auditEvent.update({ where: { id: mine }, data: { process: "replica-live" } })).rejects.toThrow(/never rewritten/);
    await recordOutcome(mine, { status: "succeeded", startedAt: performance.now() });
  });
});

describe("append-only at the database", () => {
  it("refuses to delete, truncate, or change a completed row, or rewrite an intent; an outcome can still be added", async () => {
    const done = (await t.prisma.auditEvent.findFirstOrThrow({ where: { status: "succeeded" } })).id;
    await expect(t.prisma.auditEvent.delete({ where: { id: done } })).rejects.toThrow(/never deleted/);
    await expect(t.prisma.auditEvent.deleteMany({})).rejects.toThrow(/never deleted/);
    await expect(t.prisma.$executeRawUnsafe(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/never truncated/);
    await expect(t.prisma.auditEvent.update({ where: { id: done }, data: { status: "failed" } })).rejects.toThrow(/completed audit row is never changed/);

    const open = await recordIntent(ctx("op7@example.test"), { action: "node.update", target: { type: "node", id: "192.0.2.7" } });
    await expect(t.prisma.auditEvent.update({ where: { id: open }, data: { actorEmail: "someone-else@example.test" } })).rejects.toThrow(/intent is never rewritten/);
    await expect(t.prisma.auditEvent.update({ where: { id: open }, data: { targetId: "192.0.2.8" } })).rejects.toThrow(/intent is never rewritten/);
    await recordOutcome(open, { status: "succeeded", startedAt: performance.now() });
    expect(await t.prisma.auditEvent.findUniqueOrThrow({ where: { id: open } })).toMatchObject({ status: "succeeded", actorEmail: "op7@example.test", targetId: "192.0.2.7" });
    await expect(recordOutcome(open, { status: "failed", startedAt: performance.now() })).rejects.toThrow(/never changed/);
    expect(await t.prisma.auditEvent.count({ where: { id: { in: [done, open] } } })).toBe(2);
  });

  it("a maintenance session opts out explicitly, for itself only", async () => {
    const before = await t.prisma.auditEvent.count();
    const id = await recordDenied(ctx("op8@example.test"), { action: "node.update", reason: "test row" });
    await t.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL k2ops.audit_maintenance = 'on'`);
      await tx.auditEvent.delete({ where: { id } });
    });
    expect(await t.prisma.auditEvent.count()).toBe(before);
    // the opt-out ended with that transaction
    await expect(t.prisma.auditEvent.deleteMany({})).rejects.toThrow(/never deleted/);
  });
});
