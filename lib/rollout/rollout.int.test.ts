import { msg } from "@/lib/text";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { startTestFleet, verifyFixture, type TestFleet } from "@/lib/node-ops/test-fleet";
import { registerJobKinds } from "@/lib/jobs/console";
import { startJobEngine, stopJobEngine } from "@/lib/jobs/engine";
import { getJob, waitForJob } from "@/lib/jobs";
import { knownSecretMatches } from "@/lib/redact";
import { DEFAULT_REGISTRY_TAGS, type Scenario } from "@/simulator/node/fleet";
import { cancelRollout, pauseRollout, previewRollout, promoteCanary, resumeRollout, retryFailedNodes, startRollout } from "./index";
import { rolloutParamsSchema, strategySchema } from "./strategy";

// Rollouts against real sshd simulated nodes (issue #12): a 20-node rollout
// where one node's new tag is unhealthy halts at the threshold and auto-reverts
// that node; a pull failure changes nothing; a node unreachable mid-rollout
// fails with evidence; pause/resume; retry touches only the failed nodes; the
// DIR-migration guard keeps an un-migrated node out of a compose push.
// Addresses 127.0.81.x are this suite's own.

const SECRET = "5e".repeat(32);
const OLD = "v0.4.8-9d7c6f95";
const NEW = "v0.4.9-0a1b2c3d";
const ips = Array.from({ length: 24 }, (_, i) => `127.0.81.${i + 10}`);
const scen = (ip: string): Scenario => (ip === ips[22] ? "unmigrated" : ip === ips[23] ? "legacy-k2-slave" : "healthy");
const BAD = ips[7]; // its new tag never gets healthy
const PULLFAIL = ips[21];
let f: TestFleet;
// the operators' channels: a generic webhook and a Slack incoming webhook (both this process's own HTTP server)
const notices: { path: string; body: Record<string, unknown> }[] = [];
let hooks: http.Server;

beforeAll(async () => {
  hooks = http.createServer((req, res) => {
    let b = "";
    req.on("data", (c) => (b += c));
    req.on("end", () => (notices.push({ path: req.url ?? "", body: JSON.parse(b) as Record<string, unknown> }), res.end("ok")));
  });
  await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
  const port = (hooks.address() as AddressInfo).port;
  process.env.K2OPS_NOTIFY_WEBHOOK = `http://127.0.0.1:${port}/generic`;
  process.env.K2OPS_NOTIFY_SLACK_WEBHOOK = `http://127.0.0.1:${port}/slack/T000/B000/XXXX`;
  f = await startTestFleet("/tmp/k2ops-test-rollout", ips.map((ip) => ({ ip, scenario: scen(ip) })), { secret: SECRET, namePrefix: "ro", registryTags: [...DEFAULT_REGISTRY_TAGS, NEW, "v0.5.0-1a2b3c4d"] });
  await registerJobKinds();
  await startJobEngine({ databaseUrl: f.t.url, schedules: false, pollingIntervalSeconds: 0.5 });
  // the fleet has been checked once (the plan needs each node's directory)
  await verifyFixture(ips);
}, 600_000);
afterAll(async () => {
  delete process.env.K2OPS_NOTIFY_WEBHOOK;
  delete process.env.K2OPS_NOTIFY_SLACK_WEBHOOK;
  hooks?.close();
  await stopJobEngine({ timeoutMs: 10_000 });
  await f?.stop();
});

const upCount = (ip: string) => f.fleet.commands(ip).filter((c) => /docker compose up -d/.test(c.command)).length;
const tagOf = (ip: string) => /^K2_VERSION=(.*)$/m.exec(f.fleet.readNodeFile(ip, "/apps/k2s/.env"))?.[1];
const items = async (jobId: string) => (await getJob(jobId))!.items;
const fast = (o: Record<string, unknown> = {}) => strategySchema.parse({ minHealthySeconds: 1, healthyDeadlineSeconds: 25, ...o });

describe("rollout of a pinned tag", () => {
  it("20 nodes: canary, batches of 5; the unhealthy node is reverted and the rollout halts at the threshold; nothing starts after", async () => {
    await f.fleet.setFault(BAD, { unhealthyTag: NEW });
    const target = { selection: ips.slice(0, 20) };
    const params = rolloutParamsSchema.parse({ kind: "update", targetTag: NEW });
    const strategy = fast({ canary: 1, promotion: "auto", batchSize: { mode: "count", value: 5 }, failureThreshold: { mode: "count", value: 1 } });
    const preview = await previewRollout(target, params, strategy);
    expect(preview.targeted).toBe(20);
    expect(preview.batches.map((b) => b.length)).toEqual([1, 5, 5, 5, 4]);
    const { jobId } = await startRollout({ target, params, strategy, expectedCount: 20, createdBy: "op@example.test" });
    await expect.poll(async () => (await db().job.findUnique({ where: { id: jobId } }))!.status, { timeout: 240_000, interval: 1000 }).toBe("halted");
    const job = (await getJob(jobId))!;
    expect(job.haltReason).toMatch(/failure threshold reached: 1 of 20/);
    const bad = job.items.find((i) => i.nodeIpv4 === BAD)!;
    expect(bad.status).toBe("reverted");
    expect(bad.summary).toContain(`reverted to ${OLD}`);
    expect(tagOf(BAD)).toBe(OLD);
    // BAD is in batch 2 (nodes 7-11 after the canary and batch 1): batches 1 and 2 ran, nothing after
    expect(job.items.filter((i) => i.batch <= 2).every((i) => ["succeeded", "reverted"].includes(i.status))).toBe(true);
    expect(job.items.filter((i) => i.batch > 2).every((i) => i.status === "queued")).toBe(true);
    for (const i of job.items.filter((x) => x.status === "succeeded")) expect(tagOf(i.nodeIpv4)).toBe(NEW);
    for (const i of job.items.filter((x) => x.batch > 2)) expect(tagOf(i.nodeIpv4)).toBe(OLD);
    // evidence: what it ran before, the failed gate's history
    expect(bad.evidence).toMatchObject({ before: { tag: OLD } });
    // the bad tag's sidecar never got healthy: up -d itself refused (dependency unhealthy) or the gate did not pass
    expect(JSON.stringify(bad.evidence)).toMatch(/unhealthy|"passed":false/);
    // the guardrails held on every command line: no down, no secret
    for (const ip of ips.slice(0, 20)) {
      for (const c of f.fleet.commands(ip)) {
        expect(c.command).not.toMatch(/compose\s+down/);
        expect(knownSecretMatches(c.command)).toEqual([]);
        expect(c.command).not.toContain(SECRET);
      }
    }
    // resumed with the failure accepted: the rest goes, and the job ends "failed" (one node did not take the tag)
    await f.fleet.setFault(BAD, {});
    await resumeRollout(jobId);
    expect(await waitForJob(jobId, { timeoutMs: 240_000 })).toBe("failed");
    expect((await items(jobId)).filter((i) => i.status === "succeeded")).toHaveLength(19);
    // retry touches only the reverted node
    const before = Object.fromEntries(ips.slice(0, 20).map((ip) => [ip, upCount(ip)]));
    expect(await retryFailedNodes(jobId)).toBe(1);
    expect(await waitForJob(jobId, { timeoutMs: 120_000 })).toBe("succeeded");
    for (const ip of ips.slice(0, 20)) expect(upCount(ip) - before[ip]).toBe(ip === BAD ? 1 : 0);
    expect(tagOf(BAD)).toBe(NEW);
    // the channels heard the halt and each end, on both targets, with no secret in them
    // delivery follows the job's last decision: wait for it
    const mine = () => notices.filter((n) => JSON.stringify(n.body).includes(jobId));
    await expect.poll(() => mine().length, { timeout: 30_000 }).toBe(6);
    expect(mine().filter((n) => n.path === "/generic").map((n) => n.body.event)).toEqual(["halted", "finished", "finished"]);
    expect(mine().filter((n) => n.path.startsWith("/slack/")).map((n) => String(n.body.text))).toEqual([
      expect.stringMatching(/halted: failure threshold reached/),
      expect.stringMatching(/ended failed: 20\/20 nodes done, 1 failed/),
      expect.stringMatching(/ended succeeded/),
    ]);
    for (const n of mine()) expect(knownSecretMatches(JSON.stringify(n.body))).toEqual([]);
    // the job's rows as the API serves them and its audit rows carry no secret either
    const stepIds = (await items(jobId)).map((i) => i.id);
    const audit = await db().auditEvent.findMany({ where: { OR: stepIds.map((id) => ({ requestId: { startsWith: `${id}:` } })) } });
    expect(audit.length).toBeGreaterThanOrEqual(21);
    const rows = JSON.stringify({ job: await getJob(jobId), audit });
    expect(rows).not.toContain(SECRET);
    expect(knownSecretMatches(rows)).toEqual([]);
  }, 600_000);

  it("a pull failure changes nothing on the node; an unreachable node fails with evidence; both count", async () => {
    await f.fleet.setFault(PULLFAIL, { pullFails: true });
    const target = { selection: [PULLFAIL, ips[20]] };
    const params = rolloutParamsSchema.parse({ kind: "update", targetTag: "v0.5.0-1a2b3c4d" });
    const strategy = fast({ canary: 0, batchSize: { mode: "count", value: 1 }, failureThreshold: { mode: "count", value: 5 } });
    // unreachable at plan time: skipped with its reason
    await f.fleet.setReachable(ips[20], false);
    expect((await previewRollout(target, params, strategy)).skipped).toEqual([{ ipv4: ips[20], name: expect.any(String), reason: msg`unreachable at plan time (SSH did not answer)` }]);
    await f.fleet.setReachable(ips[20], true);
    expect((await previewRollout(target, params, strategy)).targeted).toBe(2);
    const upBefore = upCount(PULLFAIL);
    const tagBefore = tagOf(PULLFAIL);
    const { jobId } = await startRollout({ target, params, strategy, expectedCount: 2, createdBy: "op@example.test" });
    // it goes down after the plan, while the first node (batch 1) is updated
    await f.fleet.setReachable(ips[20], false);
    // batches of one: a batch where every node failed halts; the operator resumes past it
    const halted = async () => expect.poll(async () => (await db().job.findUnique({ where: { id: jobId } }))!.status, { timeout: 120_000, interval: 500 }).toBe("halted");
    await halted();
    expect((await db().job.findUnique({ where: { id: jobId } }))!.haltReason).toBe("every node of batch 1 failed");
    await resumeRollout(jobId);
    // the last batch failed too: nothing is left to start, the rollout ends failed
    expect(await waitForJob(jobId, { timeoutMs: 120_000 })).toBe("failed");
    const its = await items(jobId);
    const pull = its.find((i) => i.nodeIpv4 === PULLFAIL)!;
    expect(pull.status).toBe("failed");
    expect(pull.error).toMatch(/compose pull/);
    expect(pull.error).toContain("left on");
    expect(tagOf(PULLFAIL)).toBe(tagBefore);
    expect(upCount(PULLFAIL)).toBe(upBefore);
    const down = its.find((i) => i.nodeIpv4 === ips[20])!;
    expect(down.status).toBe("failed");
    expect(down.error).toMatch(/pre-check: .*(refused|unreachable|connect)/i);
    await f.fleet.setReachable(ips[20], true);
    await f.fleet.setFault(PULLFAIL, {});
  }, 300_000);

  it("pause stops new nodes from starting, in-flight ones finish; resume goes on; manual promotion waits for the operator", async () => {
    const target = { selection: ips.slice(0, 6) };
    const params = rolloutParamsSchema.parse({ kind: "restart-sidecar" });
    const strategy = fast({ canary: 1, promotion: "manual", batchSize: { mode: "count", value: 2 } });
    const { jobId } = await startRollout({ target, params, strategy, expectedCount: 6, createdBy: "op@example.test" });
    await expect.poll(async () => (await db().job.findUnique({ where: { id: jobId } }))!.phase, { timeout: 60_000, interval: 500 }).toBe("awaiting_promotion");
    expect((await items(jobId)).filter((i) => i.status === "succeeded")).toHaveLength(1);
    await promoteCanary(jobId);
    // pause as soon as batch 1 is in flight
    await expect.poll(async () => (await items(jobId)).filter((i) => i.batch === 1 && i.status !== "queued").length, { timeout: 30_000, interval: 200 }).toBeGreaterThan(0);
    await pauseRollout(jobId);
    await expect.poll(async () => (await items(jobId)).filter((i) => i.batch === 1 && i.status === "succeeded").length, { timeout: 60_000, interval: 500 }).toBe(2);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await items(jobId)).filter((i) => i.batch > 1).every((i) => i.status === "queued")).toBe(true);
    expect((await db().job.findUnique({ where: { id: jobId } }))!.status).toBe("paused");
    await resumeRollout(jobId);
    expect(await waitForJob(jobId, { timeoutMs: 120_000 })).toBe("succeeded");
  }, 300_000);

  it("cancel: no new node starts, the in-flight one finishes and is verified", async () => {
    const target = { selection: ips.slice(0, 4) };
    const { jobId } = await startRollout({ target, params: { kind: "restart-sidecar" }, strategy: fast({ canary: 0, batchSize: { mode: "count", value: 1 } }), expectedCount: 4, createdBy: "op@example.test" });
    await expect.poll(async () => (await items(jobId)).some((i) => i.status === "running"), { timeout: 30_000, interval: 100 }).toBe(true);
    await cancelRollout(jobId);
    expect(await waitForJob(jobId, { timeoutMs: 60_000 })).toBe("cancelled");
    const its = await items(jobId);
    expect(its.filter((i) => i.status === "succeeded")).toHaveLength(1);
    expect(its.filter((i) => i.status === "cancelled")).toHaveLength(3);
  }, 120_000);

  it("the DIR-migration guard keeps un-migrated and legacy nodes out of a compose push, at plan time and on the node", async () => {
    const preview = await previewRollout({ selection: [ips[0], ips[22], ips[23]] }, { kind: "push-compose" }, fast());
    expect(preview.targeted).toBe(1);
    expect(preview.skipped.map((s) => [s.ipv4, s.reason.text])).toEqual([
      [ips[22], expect.stringContaining("DIR-migration guard")],
      [ips[23], expect.stringContaining("DIR-migration guard")],
    ]);
    // the node-side guard, should a stale plan let one through
    await db().node.update({ where: { ipv4: ips[22] }, data: { arch: "k2s", archDetail: { deployDir: "/apps/k2s" } } });
    const { jobId } = await startRollout({ target: { selection: [ips[22]] }, params: { kind: "push-compose" }, strategy: fast({ canary: 0 }), expectedCount: 1, createdBy: "op@example.test" });
    expect(await waitForJob(jobId, { timeoutMs: 60_000 })).toBe("failed");
    expect((await items(jobId))[0].error).toContain("DIR-MIGRATION GUARD");
    expect(f.fleet.readNodeFile(ips[22], "/apps/kaitu-slave/docker-compose.yml")).toContain("kaitu-slave");
  }, 120_000);
});
