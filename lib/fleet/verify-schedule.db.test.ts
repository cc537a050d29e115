import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { createJob, type ItemRunner } from "@/lib/jobs";
import { engine, startJobEngine, stopJobEngine } from "@/lib/jobs/engine";
import { saveVerification } from "@/lib/verification/store";
import { fleetTable, parseFleetQuery, syncFleet, type CenterNode } from "./index";
import { everyMinutesCron, runScheduledVerify, scheduleFleetVerify, verifyEveryMinutes, VERIFY_SCHEDULE_QUEUE, type ScheduledVerifyResult } from "./verify-schedule";

// Issue #10 item 18: the fleet's first view said "0 failing" about nodes nobody had verified.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await startJobEngine({ databaseUrl: t.url, schedules: true, pollingIntervalSeconds: 0.5 });
});
afterAll(async () => {
  await stopJobEngine({ timeoutMs: 5000 });
  await t?.close();
});

const node = (i: number, over: Partial<CenterNode> = {}): CenterNode => ({
  id: i,
  name: `sg-singapore.wm${i}`,
  country: "SG",
  region: "sg-singapore",
  ipv4: `203.0.113.${i}`,
  ipv6: "",
  class: "shared",
  updatedAt: 1_790_000_000,
  tunnels: [{ id: i, name: "SG", domain: `203-0-113-${i}.sslip.io`, protocol: "k2s", port: 443 }],
  ...over,
});

// stands in for the SSH checklist: every node fails its timezone check, and the result lands on the node row as verifyNode's would
const failingChecklist: ItemRunner = async (ip) => {
  await saveVerification(ip, { status: "fail", failingChecks: ["timezone"], checks: [], durationMs: 1 }, { triggeredBy: "schedule" });
  return { ok: false, summary: "fail: timezone" };
};

describe("scheduled verification of the active fleet", () => {
  it("does nothing while the fleet is empty", async () => {
    expect(await runScheduledVerify({ runner: failingChecklist })).toEqual({ status: "empty" });
    expect(await t.prisma.job.count()).toBe(0);
  });

  it("creates one verify job of the active nodes (created by schedule), and the table then tells the truth", async () => {
    await syncFleet([node(1), node(2), node(3), node(9, { name: "203.0.113.9", tunnels: [] })]);
    const before = await fleetTable(parseFleetQuery({}));
    expect(before.summary).toMatchObject({ failing: 0, neverVerified: 3 });

    const r = await runScheduledVerify({ runner: failingChecklist });
    expect(r).toMatchObject({ status: "started", nodes: 3 });
    if (r.status !== "started") return;
    await r.done;
    const job = await t.prisma.job.findUniqueOrThrow({ where: { id: r.jobId }, include: { items: true } });
    expect(job).toMatchObject({ kind: "verify", createdBy: "schedule", status: "failed", total: 3, done: 3, failed: 3 });
    // the decommissioned record (no tunnel, IP as name) is not verified
    expect(job.items.map((i) => i.nodeIpv4).sort()).toEqual(["203.0.113.1", "203.0.113.2", "203.0.113.3"]);
    const after = await fleetTable(parseFleetQuery({}));
    expect(after.summary).toMatchObject({ failing: 3, neverVerified: 0 });
    expect(after.rows.every((row) => row.verificationStatus === "fail")).toBe(true);
  });

  it("skips while a verify job is running (whoever started it)", async () => {
    const running = await createJob({ kind: "verify", createdBy: "op@example.test", nodes: ["203.0.113.1"], start: false });
    await t.prisma.job.update({ where: { id: running }, data: { status: "running" } });
    const jobs = await t.prisma.job.count();
    expect(await runScheduledVerify({ runner: failingChecklist })).toEqual({ status: "skipped", runningJobId: running });
    expect(await t.prisma.job.count()).toBe(jobs);
    await t.prisma.job.update({ where: { id: running }, data: { status: "succeeded" } });
  });

  it("reads K2OPS_VERIFY_EVERY_MINUTES (default 30, 0 = off) and does nothing when off", async () => {
    expect(verifyEveryMinutes(undefined)).toBe(30);
    expect(verifyEveryMinutes("")).toBe(30);
    expect(verifyEveryMinutes("5")).toBe(5);
    expect(verifyEveryMinutes("0")).toBe(0);
    expect(verifyEveryMinutes("soon")).toBe(30);
    expect(verifyEveryMinutes("-1")).toBe(30);
    const jobs = await t.prisma.job.count();
    const runs: ScheduledVerifyResult[] = [];
    expect(await scheduleFleetVerify({ everyMinutes: 0, firstDelayMs: 1, runner: failingChecklist, onRun: (r) => runs.push(r) })).toBe(false);
    const prev = process.env.K2OPS_VERIFY_EVERY_MINUTES;
    process.env.K2OPS_VERIFY_EVERY_MINUTES = "0";
    try {
      expect(await scheduleFleetVerify({ firstDelayMs: 1, runner: failingChecklist, onRun: (r) => runs.push(r) })).toBe(false);
    } finally {
      if (prev === undefined) delete process.env.K2OPS_VERIFY_EVERY_MINUTES;
      else process.env.K2OPS_VERIFY_EVERY_MINUTES = prev;
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(runs).toEqual([]);
    expect(await t.prisma.job.count()).toBe(jobs);
    expect(await engine()!.boss.getSchedules(VERIFY_SCHEDULE_QUEUE)).toEqual([]);
  });

  it("schedule intervals become minute-grained cron expressions", () => {
    expect(everyMinutesCron(30)).toBe("*/30 * * * *");
    expect(everyMinutesCron(0.2)).toBe("*/1 * * * *");
    expect(everyMinutesCron(120)).toBe("0 */2 * * *");
    expect(everyMinutesCron(5000)).toBe("0 0 * * *");
  });

  it("is one schedule on the job engine, with one first run shortly after start even when registered twice (two processes starting)", async () => {
    const since = new Date();
    const runs: ScheduledVerifyResult[] = [];
    expect(await scheduleFleetVerify({ everyMinutes: 15, firstDelayMs: 10, runner: failingChecklist, onRun: (r) => runs.push(r) })).toBe(true);
    expect(await scheduleFleetVerify({ everyMinutes: 15, firstDelayMs: 10, runner: failingChecklist, onRun: (r) => runs.push(r) })).toBe(true);
    const schedules = await engine()!.boss.getSchedules(VERIFY_SCHEDULE_QUEUE);
    expect(schedules.map((x) => x.cron)).toEqual(["*/15 * * * *"]);
    await expect.poll(() => runs.length, { timeout: 15_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    expect(runs[0].status).toBe("started");
    await Promise.all(runs.map((r) => (r.status === "started" ? r.done : undefined)));
    await new Promise((r) => setTimeout(r, 2500));
    // the second registration's first run was the same queued run: one job, not two
    expect(runs).toHaveLength(1);
    const scheduled = await t.prisma.job.findMany({ where: { createdBy: "schedule", createdAt: { gte: since } } });
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]).toMatchObject({ kind: "verify", status: "failed", failed: 3 });
    await engine()!.boss.unschedule(VERIFY_SCHEDULE_QUEUE);
  });
});
