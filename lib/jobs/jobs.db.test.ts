import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { ambientSignal } from "@/lib/ssh/scope";
import { advance, runNodeStep, setLocalRunner, startJobEngine, stopJobEngine, sweep } from "./engine";
import { cancelJob, createJob, getJob, listJobs, runJob, waitForJob } from "./index";
import { defineJobKind, type StepContext } from "./kinds";
import { parseJobSort } from "./sort";
import { haltColumns, itemSentenceColumns, itemSentences } from "./sentences";
import { Prisma } from "@/lib/db/generated/client";
import { ActionFailure } from "@/lib/errors";
import { msg } from "@/lib/text";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await startJobEngine({ databaseUrl: t.url, schedules: false, pollingIntervalSeconds: 0.5 });
});
afterAll(async () => {
  await stopJobEngine({ timeoutMs: 5000 });
  await t?.close();
});

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `127.0.50.${i + 1}`);

describe("jobs", () => {
  it("runs every item with at most `concurrency` at once and records progress and failures", async () => {
    const id = await createJob({ kind: "verify", createdBy: "op@example.test", nodes: nodes(12), concurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    await runJob(id, async (ip) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 300));
      inFlight--;
      return ip.endsWith(".5") ? { ok: false, error: "K2_NODE_SECRET=abcdef123456 leaked?" } : { ok: true, summary: "pass" };
    });
    expect(peak).toBe(3);
    const job = await getJob(id);
    expect(job).toMatchObject({ status: "failed", total: 12, done: 12, failed: 1 });
    const bad = job!.items.find((i) => i.nodeIpv4 === "127.0.50.5")!;
    expect(bad.status).toBe("failed");
    expect(bad.error).not.toContain("abcdef123456");
  });

  it("a runner that throws fails its item, not the job runner", async () => {
    const id = await createJob({ kind: "verify", createdBy: "x", nodes: nodes(2), concurrency: 2 });
    await runJob(id, async (ip) => {
      if (ip.endsWith(".1")) throw new Error("ssh exploded");
      return { ok: true };
    });
    const job = await getJob(id);
    expect(job?.items.map((i) => [i.nodeIpv4, i.status, i.error])).toEqual(
      expect.arrayContaining([["127.0.50.1", "failed", "ssh exploded"], ["127.0.50.2", "succeeded", null]]),
    );
  });

  it("cancel stops queued items; running ones finish", async () => {
    const id = await createJob({ kind: "verify", createdBy: "x", nodes: nodes(10), concurrency: 2 });
    let started = 0;
    const p = runJob(id, async () => {
      started++;
      if (started === 2) await cancelJob(id);
      await new Promise((r) => setTimeout(r, 30));
      return { ok: true };
    });
    await p;
    const job = await getJob(id);
    expect(job?.status).toBe("cancelled");
    expect(job?.items.filter((i) => i.status === "cancelled").length).toBeGreaterThanOrEqual(7);
    expect(job?.items.filter((i) => i.status === "succeeded").length).toBe(started);
  });

  it("a cancel that arrives after every node ran leaves the job's real outcome, not 'cancelled' (issue #10 item 19)", async () => {
    const id = await createJob({ kind: "verify", createdBy: "x", nodes: nodes(3), concurrency: 3 });
    let finished = 0;
    await runJob(id, async (_node, signal) => {
      if (++finished === 3) {
        await cancelJob(id);
        // the runner notices the request (it polls), after this item's work is already done
        await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener("abort", () => r(), { once: true })));
      }
      return { ok: true, summary: "pass" };
    });
    const job = await getJob(id);
    expect(job?.items.map((i) => i.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(job?.status).toBe("succeeded");
  });

  it("cancel reaches running items: their signal (also the ambient one SSH commands use) aborts, and they end cancelled", async () => {
    const id = await createJob({ kind: "verify", createdBy: "x", nodes: nodes(6), concurrency: 2 });
    let started = 0;
    const sawAmbient: boolean[] = [];
    await runJob(id, async (_ip, signal) => {
      started++;
      if (started === 2) void cancelJob(id);
      // a long remote command: only the cancel ends it
      const ambient = ambientSignal();
      sawAmbient.push(ambient !== undefined);
      await new Promise<void>((resolve) => {
        if (ambient?.aborted) return resolve();
        ambient?.addEventListener("abort", () => resolve(), { once: true });
      });
      return { ok: false, error: `cancelled: ${signal.aborted}` };
    });
    const job = await getJob(id);
    expect(sawAmbient).toEqual([true, true]);
    expect(job?.status).toBe("cancelled");
    expect(job?.failed).toBe(0);
    expect(job?.items.filter((i) => i.status === "cancelled")).toHaveLength(6);
    expect(job?.items.filter((i) => i.error === "cancelled: true")).toHaveLength(2);
  });

  it("a step left running by a dead worker is resumed once, told it was resumed, and the job finishes (not 'interrupted')", async () => {
    const seen: { ip: string; resumed: boolean; attempt: number }[] = [];
    defineJobKind({
      kind: "test-resume",
      abortInFlightOnCancel: true,
      async run(ctx: StepContext) {
        seen.push({ ip: ctx.nodeIpv4, resumed: ctx.resumed, attempt: ctx.attempt });
        return { status: "succeeded", summary: ctx.resumed ? "re-checked" : "ran" };
      },
    });
    const id = await createJob({ kind: "test-resume", createdBy: "x", nodes: nodes(3), start: false });
    // what a SIGKILLed process leaves: the job running, one step taken (attempt 1) and never finished, its queue hand-off gone
    await t.prisma.job.update({ where: { id }, data: { status: "running", startedAt: new Date() } });
    await t.prisma.jobItem.updateMany({ where: { jobId: id, nodeIpv4: "127.0.50.1" }, data: { status: "running", attempts: 1, owner: "dead-process", step: "pulling" } });
    await sweep();
    expect(await waitForJob(id, { timeoutMs: 20_000 })).toBe("succeeded");
    const job = await getJob(id);
    const resumed = job!.items.find((i) => i.nodeIpv4 === "127.0.50.1")!;
    expect(resumed).toMatchObject({ status: "succeeded", attempts: 2, summary: "re-checked", owner: null });
    expect(seen.filter((s) => s.ip === "127.0.50.1")).toEqual([{ ip: "127.0.50.1", resumed: true, attempt: 2 }]);
    // every node exactly once
    expect(seen.map((s) => s.ip).sort()).toEqual(nodes(3));
    // more sweeps and advances change nothing: finished steps are never run again
    await sweep();
    await advance(id);
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen).toHaveLength(3);
  });

  it("a step's summary and error said as sentences reach each reader in their language; the columns keep English; secrets masked in both", async () => {
    const secret = "K2_NODE_SECRET=abcdef1234567890";
    defineJobKind({
      kind: "test-sentences",
      abortInFlightOnCancel: true,
      async run(ctx: StepContext) {
        if (ctx.nodeIpv4.endsWith(".1")) return { status: "succeeded", summary: msg`on ${"v0.4.9-0a1b2c3d"}; healthy for ${60} s (${msg`${3} checks, ${61} s`})` };
        if (ctx.nodeIpv4.endsWith(".2")) return { status: "failed", error: msg`pre-check: ${`leaked ${secret}`}` };
        if (ctx.nodeIpv4.endsWith(".3")) throw new ActionFailure("conflict", msg`the node is locked: ${"node.update"}`);
        return { status: "succeeded", summary: "pass" };
      },
    });
    const id = await createJob({ kind: "test-sentences", createdBy: "x", nodes: nodes(4), items: [...nodes(4).map((n) => ({ nodeIpv4: n })), { nodeIpv4: "127.0.50.9", skipped: msg`locked by another operation (${"node.update"})` }] });
    expect(await waitForJob(id, { timeoutMs: 20_000 })).toBe("failed");
    const items = new Map((await getJob(id))!.items.map((i) => [i.nodeIpv4, i]));
    const [ok, bad, threw, plain, skipped] = ["1", "2", "3", "4", "9"].map((n) => items.get(`127.0.50.${n}`)!);
    // the columns the audit log, CSV and notifications read stay English
    expect(ok.summary).toBe("on v0.4.9-0a1b2c3d; healthy for 60 s (3 checks, 61 s)");
    expect(itemSentences(ok, "en").summary).toBe(ok.summary);
    expect(itemSentences(ok, "zh-CN").summary).toBe("已为 v0.4.9-0a1b2c3d；健康 60 秒（3 次检查，61 秒）");
    expect(bad.error).toMatch(/^pre-check: leaked /);
    expect(JSON.stringify([bad.error, bad.errorText])).not.toContain("abcdef1234567890");
    expect(itemSentences(bad, "zh-CN").error).toMatch(/^预检查：leaked /);
    expect(itemSentences(bad, "zh-CN").error).not.toContain("abcdef1234567890");
    // a k2ops failure thrown by the step keeps its sentence
    expect(threw.error).toBe("the node is locked: node.update");
    expect(itemSentences(threw, "zh-CN").error).toBe("节点已被锁定：node.update");
    // a plain line that is one of the tables' fixed sentences is said too; a skipped node's reason as well
    expect(plain.summaryText).toBeNull();
    expect(itemSentences(plain, "zh-CN").summary).toBe("通过");
    expect(skipped.summary).toBe("locked by another operation (node.update)");
    expect(itemSentences(skipped, "zh-CN").summary).toBe("被另一个操作锁定（node.update）");
  });

  it("a sentence longer than its column keeps only the cut English (a translation would say more than the record)", () => {
    const long = msg`pre-check: ${"x".repeat(3000)}`;
    const c = itemSentenceColumns({ error: long, summary: msg`fail: ${"timezone"}` });
    expect(c.error).toHaveLength(2000);
    expect(c.errorText).toBe(Prisma.DbNull);
    expect(c.summaryText).toEqual(msg`fail: ${"timezone"}`);
    expect(haltColumns(msg`every node of batch ${2} failed`)).toEqual({ haltReason: "every node of batch 2 failed", haltReasonText: msg`every node of batch ${2} failed` });
    expect(haltColumns(null)).toEqual({ haltReason: null, haltReasonText: Prisma.DbNull });
  });

  it("a hand-off wakes as many of this process's workers as it sends steps: none waits for its poll (issue 17)", async () => {
    // polls 30 s apart: only the wake-up can start the steps in the next seconds
    await stopJobEngine({ timeoutMs: 5000 });
    await startJobEngine({ databaseUrl: t.url, schedules: false, pollingIntervalSeconds: 30, localConcurrency: 6 });
    try {
      const id = await createJob({ kind: "verify", createdBy: "x", nodes: nodes(6), concurrency: 6, start: false });
      let started = 0;
      let release!: () => void;
      const all = new Promise<void>((r) => (release = r));
      const done = runJob(id, async () => {
        if (++started === 6) release();
        await all;
        return { ok: true };
      });
      // each step waits for the other five: they all run at once, or the job never ends
      await vi.waitFor(() => expect(started).toBe(6), { timeout: 10_000, interval: 50 });
      await done;
      expect((await getJob(id))?.status).toBe("succeeded");
    } finally {
      await stopJobEngine({ timeoutMs: 5000 });
      await startJobEngine({ databaseUrl: t.url, schedules: false, pollingIntervalSeconds: 0.5 });
    }
  });

  it("advances asked for while one runs share a single follow-up: steps ending together cost two transactions, not one each (issue 17)", async () => {
    let decisions = 0;
    defineJobKind({
      kind: "test-advance-count",
      abortInFlightOnCancel: true,
      run: async () => ({ status: "succeeded" }),
      advance: () => {
        decisions++;
        return {};
      },
    });
    const id = await createJob({ kind: "test-advance-count", createdBy: "x", nodes: nodes(3), start: false });
    await Promise.all(Array.from({ length: 20 }, () => advance(id)));
    // the first call's advance, then one more that every later call waited for
    expect(decisions).toBe(2);
    // and each caller's change is seen: a call after they settled runs a fresh advance
    await advance(id);
    expect(decisions).toBe(3);
  });

  it("two deliveries of one step that read it together: one claims and runs it, the other does nothing (issue 17)", async () => {
    const id = await createJob({ kind: "verify", createdBy: "x", nodes: nodes(1), concurrency: 1, start: false });
    const [item] = await t.prisma.jobItem.findMany({ where: { jobId: id } });
    await t.prisma.jobItem.update({ where: { id: item.id }, data: { status: "dispatched" } });
    let runs = 0;
    setLocalRunner(id, async () => {
      runs++;
      return { ok: true };
    });
    await Promise.all([runNodeStep(item.id), runNodeStep(item.id)]);
    expect(runs).toBe(1);
    expect(await t.prisma.jobItem.findUnique({ where: { id: item.id } })).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("a claimed step shows its kind's first step while it runs, with no progress write of its own (issue 17)", async () => {
    let seen: string | null | undefined;
    defineJobKind({
      kind: "test-first-step",
      abortInFlightOnCancel: true,
      firstStep: "checking",
      run: async (ctx) => {
        seen = (await t.prisma.jobItem.findUnique({ where: { id: ctx.itemId } }))?.step;
        return { status: "succeeded" };
      },
    });
    const id = await createJob({ kind: "test-first-step", createdBy: "x", nodes: nodes(1), concurrency: 1, start: false });
    const [item] = await t.prisma.jobItem.findMany({ where: { jobId: id } });
    await t.prisma.jobItem.update({ where: { id: item.id }, data: { status: "dispatched" } });
    await runNodeStep(item.id);
    expect(seen).toBe("checking");
    expect(await t.prisma.jobItem.findUnique({ where: { id: item.id } })).toMatchObject({ status: "succeeded", step: "succeeded" });
  });

  it("the engine starts again on a database it already set up (a console restart): queues exist, jobs still run", async () => {
    await stopJobEngine({ timeoutMs: 5000 });
    await startJobEngine({ databaseUrl: t.url, schedules: false, pollingIntervalSeconds: 0.5 });
    const id = await createJob({ kind: "verify", createdBy: "x", nodes: nodes(2), start: false });
    await runJob(id, async () => ({ ok: true, summary: "pass" }));
    expect((await getJob(id))?.status).toBe("succeeded");
  });

  it("lists jobs newest first, filtered by status, paginated", async () => {
    const before = await listJobs({ pageSize: 1000 });
    const a = await createJob({ kind: "verify", createdBy: "list@example.test", nodes: nodes(1) });
    await runJob(a, async () => ({ ok: true }));
    const b = await createJob({ kind: "verify", createdBy: "list@example.test", nodes: nodes(2), start: false });
    const all = await listJobs({ pageSize: 1000 });
    expect(all.total).toBe(before.total + 2);
    expect(all.rows[0].id).toBe(b);
    expect(all.rows[1]).toMatchObject({ id: a, status: "succeeded", done: 1, total: 1, createdBy: "list@example.test" });
    await cancelJob(b);
    const cancelled = await listJobs({ status: "cancelled", pageSize: 1000 });
    expect(cancelled.rows.map((r) => r.id)).toContain(b);
    expect(cancelled.rows.every((r) => r.status === "cancelled")).toBe(true);
    const queued = await listJobs({ status: "queued", pageSize: 1000 });
    expect(queued.rows.map((r) => r.id)).not.toContain(b);
    const p2 = await listJobs({ page: 2, pageSize: 1 });
    expect(p2).toMatchObject({ page: 2, pageCount: all.total });
    expect(p2.rows[0].id).toBe(a);
    expect((await listJobs({ page: 999, pageSize: 1 })).page).toBe(all.total); // clamped to the last page
  });

  it("sorts the whole list on the server (?sort=&dir=): by starter or kind, ties newest first; the oldest first on request", async () => {
    const x = await createJob({ kind: "verify", createdBy: "aaa-first@example.test", nodes: nodes(1), start: false });
    const y = await createJob({ kind: "verify", createdBy: "zzz-last@example.test", nodes: nodes(1), start: false });
    const z = await createJob({ kind: "verify", createdBy: "aaa-first@example.test", nodes: nodes(1), start: false });
    const by = async (o: Parameters<typeof listJobs>[0]) => (await listJobs({ pageSize: 1000, ...o })).rows;
    const starters = (await by({ sort: "startedBy" })).map((r) => r.createdBy);
    expect(starters).toEqual([...starters].sort());
    expect((await by({ sort: "startedBy" })).slice(0, 2).map((r) => r.id)).toEqual([z, x]);
    expect((await by({ sort: "startedBy", dir: "desc" }))[0].id).toBe(y);
    const oldest = await by({ sort: "created", dir: "asc" });
    expect(oldest.at(-1)!.id).toBe(z);
    expect(oldest.map((r) => r.createdAt.getTime())).toEqual([...oldest.map((r) => r.createdAt.getTime())].sort((a, b) => a - b));
    // a URL's junk falls back to newest first
    expect(parseJobSort("secret", "sideways")).toEqual({ sort: "created", dir: "desc" });
    expect(parseJobSort("kind", undefined)).toEqual({ sort: "kind", dir: "asc" });
    for (const id of [x, y, z]) await cancelJob(id);
  });
});
