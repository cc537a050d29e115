import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { registerJobKinds } from "@/lib/jobs/console";
import { startJobEngine, stopJobEngine } from "@/lib/jobs/engine";
import { getJob, waitForJob } from "@/lib/jobs";
import { startTestFleet, type TestFleet } from "@/lib/node-ops/test-fleet";
import { verifyNode } from "@/lib/node-ops/verify";
import { unwrappedCommand } from "@/lib/ssh/engine";
import { DEFAULT_REGISTRY_TAGS } from "@/simulator/node/fleet";
import { startRollout } from "./index";
import { strategySchema } from "./strategy";

// A node cut by the meter (k2s paused by the sidecar's enforcer, runbook §4.5,
// §4.9) in a rollout. Compose refuses to start a paused container, and
// recreating k2s would run it unpaused until the enforcer pauses it again: the
// update recreates only k2-sidecar (`up -d k2-sidecar`), k2s stays paused and
// untouched, the gate accepts the cutoff (and nothing else), and the outcome
// says the node is still cut. A healthy node in the same rollout still gets the
// whole `up -d --remove-orphans`. Addresses 127.0.83.20-29 are this suite's own.

const SECRET = "3c".repeat(32);
const OLD = "v0.4.8-9d7c6f95";
const NEW = "v0.4.9-0a1b2c3d";
const CUT = "127.0.83.20";
const HEALTHY = "127.0.83.21";
let f: TestFleet;

const k2s = (ip: string) => f.fleet.node(ip).state().containers.find((c) => c.name === "k2s")!;
const sidecar = (ip: string) => f.fleet.node(ip).state().containers.find((c) => c.name === "k2-sidecar")!;
const tagOf = (ip: string) => /^K2_VERSION=(.*)$/m.exec(f.fleet.readNodeFile(ip, "/apps/k2s/.env"))?.[1];
const sentSince = (ip: string, n: number) => f.fleet.commands(ip).slice(n).map((c) => unwrappedCommand(c.command));
const fast = strategySchema.parse({ canary: 0, batchSize: { mode: "count", value: 2 }, minHealthySeconds: 1, healthyDeadlineSeconds: 60, failureThreshold: { mode: "count", value: 2 } });

beforeAll(async () => {
  f = await startTestFleet(
    "/tmp/k2ops-test-cut-update",
    [
      { ip: CUT, scenario: "cut" },
      { ip: HEALTHY, scenario: "healthy" },
    ],
    { secret: SECRET, namePrefix: "cu", registryTags: [...DEFAULT_REGISTRY_TAGS, NEW] },
  );
  await registerJobKinds();
  await startJobEngine({ databaseUrl: f.t.url, schedules: false, pollingIntervalSeconds: 0.5 });
  await Promise.all([CUT, HEALTHY].map((ip) => verifyNode(ip, { triggeredBy: "fixture" })));
}, 300_000);
afterAll(async () => {
  await stopJobEngine({ timeoutMs: 10_000 });
  await f?.stop();
});

describe("a cut node in a rollout", () => {
  it("the fixture's verification stored its run and put, in the same write, its verdict, the SSH contact and the node's facts on the row", async () => {
    const row = await f.t.prisma.node.findUnique({ where: { ipv4: HEALTHY } });
    expect(row).toMatchObject({ verificationStatus: "pass", lastSshError: null, versionTag: OLD, sidecarHealth: "healthy", lastOperation: "verify", failingChecks: [] });
    expect(row?.lastSeenSshAt).toBeInstanceOf(Date);
    const run = await f.t.prisma.verificationRun.findFirst({ where: { nodeIpv4: HEALTHY }, orderBy: { finishedAt: "desc" } });
    expect(run).toMatchObject({ status: "pass", triggeredBy: "fixture" });
    expect(row?.verificationAt?.getTime()).toBe(run?.finishedAt?.getTime());
    expect(row!.lastSeenSshAt!.getTime()).toBeLessThanOrEqual(run!.finishedAt!.getTime());
  });

  it("update: only k2-sidecar is recreated; k2s stays paused and untouched; the outcome says the node is still cut", async () => {
    const was = k2s(CUT);
    expect(was.state).toBe("paused");
    expect(f.fleet.readNodeFile(CUT, "/etc/kaitu/cutoff.state")).toContain('"cut":true');
    const n = { cut: f.fleet.commands(CUT).length, healthy: f.fleet.commands(HEALTHY).length };
    const { jobId } = await startRollout({ target: { selection: [CUT, HEALTHY] }, params: { kind: "update", targetTag: NEW, pushCompose: false }, strategy: fast, expectedCount: 2, createdBy: "op@example.test" });
    expect(await waitForJob(jobId, { timeoutMs: 300_000 })).toBe("succeeded");
    const job = (await getJob(jobId))!;
    const cut = job.items.find((i) => i.nodeIpv4 === CUT)!;
    expect(cut.status).toBe("succeeded");
    expect(cut.summary).toMatch(new RegExp(`^k2-sidecar on ${NEW}; the node stays cut: k2s paused by the traffic cutoff, not recreated nor unpaused \\(still ${OLD}`));
    expect(cut.evidence).toMatchObject({ cut: { k2sPaused: true, k2sTag: OLD }, gate: { passed: true, cut: true } });
    // the node: .env and the sidecar on the new tag; k2s the same paused container on its old image; still cut
    expect(tagOf(CUT)).toBe(NEW);
    expect(sidecar(CUT).image).toBe(`public.ecr.aws/d6n9t2r2/k2-sidecar:${NEW}`);
    const now = k2s(CUT);
    expect(now.state).toBe("paused");
    expect(now.image).toBe(was.image);
    expect(now.created).toBe(was.created);
    expect(now.started).toBe(was.started);
    expect(f.fleet.readNodeFile(CUT, "/etc/kaitu/cutoff.state")).toContain('"cut":true');
    // what the cut node received: the sidecar's up -d only, no whole-stack up, no unpause, no down
    const sent = sentSince(CUT, n.cut);
    expect(sent).toContain("cd '/apps/k2s' && sudo docker compose up -d k2-sidecar");
    expect(sent.filter((c) => /compose up -d --remove-orphans|unpause|compose\s+down/.test(c))).toEqual([]);
    // the healthy node: the whole stack as before
    const healthy = job.items.find((i) => i.nodeIpv4 === HEALTHY)!;
    expect(healthy.summary).toMatch(new RegExp(`^on ${NEW}; healthy`));
    expect(sentSince(HEALTHY, n.healthy)).toContain("cd '/apps/k2s' && sudo docker compose up -d --remove-orphans");
    expect(k2s(HEALTHY)).toMatchObject({ state: "running", image: `public.ecr.aws/d6n9t2r2/k2s:${NEW}` });
    // the audit row of the cut node's step says the same
    const row = (await db().auditEvent.findMany({ where: { action: "rollout.update.node", targetId: CUT } })).find((r) => (r.params as { jobId?: string }).jobId === jobId)!;
    expect(row.status).toBe("succeeded");
    expect((row.result as { summary: string }).summary).toBe(cut.summary);
  }, 400_000);

  it("restart-sidecar on a cut node: the sidecar is recreated, k2s stays paused, the outcome says the node is cut", async () => {
    const was = k2s(CUT);
    const { jobId } = await startRollout({ target: { selection: [CUT] }, params: { kind: "restart-sidecar" }, strategy: fast, expectedCount: 1, createdBy: "op@example.test" });
    expect(await waitForJob(jobId, { timeoutMs: 200_000 })).toBe("succeeded");
    const item = (await getJob(jobId))!.items[0];
    expect(item.summary).toBe("sidecar recreated with its .env; healthy; the node is cut: k2s paused by the traffic cutoff (k2s was not touched)");
    expect(k2s(CUT)).toMatchObject({ state: "paused", created: was.created, started: was.started });
  }, 300_000);
});
