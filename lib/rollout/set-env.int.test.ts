import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { startTestFleet, verifyFixture, type TestFleet } from "@/lib/node-ops/test-fleet";
import { registerJobKinds } from "@/lib/jobs/console";
import { startJobEngine, stopJobEngine } from "@/lib/jobs/engine";
import { getJob, waitForJob } from "@/lib/jobs";
import { knownSecretMatches } from "@/lib/redact";
import { previewRollout, promoteCanary, startRollout } from "./index";
import { rolloutParamsSchema, strategySchema } from "./strategy";

// The set-env rollout (update-compose.sh --set-env made safe, issue #12): the
// K2_ENFORCE_AUTH=1 rollout k2ops refuses while any targeted node's users
// file is not empty (node-behavior §6.5/§9.1), at plan time, at start and
// again on each node right before its change; the setting applied with up -d
// and gated; a node that fails its gate goes back to its previous value.
// Addresses 127.0.85.x are this suite's own.

const SECRET = "6d".repeat(32);
const TOKEN = "a1".repeat(16);
const ips = Array.from({ length: 4 }, (_, i) => `127.0.85.${i + 10}`);
const [A, B, C, D] = ips;
let f: TestFleet;

beforeAll(async () => {
  f = await startTestFleet("/tmp/k2ops-test-set-env", ips.map((ip) => ({ ip, scenario: "healthy" as const })), { secret: SECRET, namePrefix: "se" });
  await registerJobKinds();
  await startJobEngine({ databaseUrl: f.t.url, schedules: false, pollingIntervalSeconds: 0.5 });
  await verifyFixture(ips);
}, 300_000);
afterAll(async () => {
  await stopJobEngine({ timeoutMs: 10_000 });
  await f?.stop();
});

const usersFile = (ip: string) => f.fleet.node(ip).hostPath("/apps/k2s/users");
const envOf = (ip: string, key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(f.fleet.readNodeFile(ip, "/apps/k2s/.env"))?.[1];
const edits = (ip: string) => f.fleet.commands(ip).filter((c) => /compose up -d|bash -s/.test(c.command)).length;
const fast = (o: Record<string, unknown> = {}) => strategySchema.parse({ minHealthySeconds: 1, healthyDeadlineSeconds: 25, ...o });
const enforce = rolloutParamsSchema.parse({ kind: "set-env", env: [{ key: "K2_ENFORCE_AUTH", value: "1" }] });

describe("set-env rollout: K2_ENFORCE_AUTH=1 behind the users-file gate", () => {
  it("the schema refuses secrets, unknown keys, bad values and duplicates, naming the field", () => {
    const bad = (env: unknown) => rolloutParamsSchema.safeParse({ kind: "set-env", env });
    expect(bad([{ key: "K2_NODE_SECRET", value: "x" }]).success).toBe(false);
    expect(bad([{ key: "K2_CENTER_URL", value: "https://evil.example" }]).success).toBe(false);
    expect(bad([]).error?.issues[0]).toMatchObject({ path: ["env"], message: "set at least one variable" });
    expect(bad([{ key: "K2_ENFORCE_AUTH", value: "yes" }]).error?.issues[0]?.path).toEqual(["env", 0, "value"]);
    expect(bad([{ key: "K2_LOG_LEVEL", value: "info" }, { key: "K2_LOG_LEVEL", value: "warn" }]).error?.issues[0]).toMatchObject({ path: ["env", 1, "key"], message: "K2_LOG_LEVEL appears twice" });
  });

  it("a dirty node blocks the plan and the start; nothing reaches any node", async () => {
    fs.writeFileSync(usersFile(B), `udid-1:${TOKEN}\n`);
    const target = { selection: ips };
    const strategy = fast({ canary: 0 });
    const preview = await previewRollout(target, enforce, strategy);
    expect(preview.targeted).toBe(4);
    expect(preview.usersFile).toEqual({ checked: 4, dirty: [{ ipv4: B, entries: 1 }] });
    const before = Object.fromEntries(ips.map((ip) => [ip, edits(ip)]));
    await expect(startRollout({ target, params: enforce, strategy, expectedCount: 4, createdBy: "op@example.test" })).rejects.toThrow(new RegExp(`K2_ENFORCE_AUTH=1 is refused: 1 of 4 targeted nodes .*${B.replace(/\./g, "\\.")}: 1 entries`));
    for (const ip of ips) {
      expect(edits(ip)).toBe(before[ip]);
      expect(envOf(ip, "K2_ENFORCE_AUTH")).toBeUndefined();
    }
    // the token never left the node: only the count did
    for (const ip of ips) for (const c of f.fleet.commands(ip)) expect(c.command).not.toContain(TOKEN);
  }, 120_000);

  it("clean at start; a node dirtied before its turn is refused on the node; the others take the setting with up -d", async () => {
    fs.writeFileSync(usersFile(B), "");
    const target = { selection: ips };
    const strategy = fast({ canary: 1, promotion: "manual", batchSize: { mode: "count", value: 3 }, failureThreshold: { mode: "count", value: 2 } });
    const { jobId } = await startRollout({ target, params: enforce, strategy, expectedCount: 4, createdBy: "op@example.test" });
    await expect.poll(async () => (await db().job.findUnique({ where: { id: jobId } }))!.phase, { timeout: 120_000, interval: 500 }).toBe("awaiting_promotion");
    // someone adds a static user on C while the canary is being watched
    fs.writeFileSync(usersFile(C), `udid-2:${TOKEN}\n`);
    await promoteCanary(jobId);
    expect(await waitForJob(jobId, { timeoutMs: 240_000 })).toBe("failed");
    const job = (await getJob(jobId))!;
    const byIp = Object.fromEntries(job.items.map((i) => [i.nodeIpv4, i]));
    for (const ip of [A, B, D]) {
      expect(byIp[ip].status).toBe("succeeded");
      expect(byIp[ip].summary).toContain("K2_ENFORCE_AUTH=1 applied with up -d");
      expect(envOf(ip, "K2_ENFORCE_AUTH")).toBe("1");
      expect(byIp[ip].evidence).toMatchObject({ before: { env: { K2_ENFORCE_AUTH: null } } });
    }
    expect(byIp[C].status).toBe("failed");
    expect(byIp[C].error).toMatch(/users-file gate: \/apps\/k2s\/users has 1 entry; K2_ENFORCE_AUTH=1 was not set/);
    expect(envOf(C, "K2_ENFORCE_AUTH")).toBeUndefined();
    // the setting reached the containers through up -d (never restart), and no secret or token was on a command line
    const k2sEnv = await f.fleet.node(A).inNode("docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' k2s | grep '^K2_ENFORCE_AUTH='");
    expect(k2sEnv.stdout.trim()).toBe("K2_ENFORCE_AUTH=1");
    for (const ip of ips) {
      for (const c of f.fleet.commands(ip)) {
        expect(c.command).not.toMatch(/compose\s+(down|restart)/);
        expect(c.command).not.toContain(TOKEN);
        expect(knownSecretMatches(c.command)).toEqual([]);
      }
    }
  }, 420_000);

  it("a node whose sidecar is unhealthy after the change goes back to its previous value, verified", async () => {
    fs.writeFileSync(usersFile(C), "");
    await f.fleet.setFault(D, { unhealthyAfterUpdate: true });
    const params = rolloutParamsSchema.parse({ kind: "set-env", env: [{ key: "K2_LOG_LEVEL", value: "debug" }] });
    const { jobId } = await startRollout({ target: { selection: [C, D] }, params, strategy: fast({ canary: 0, batchSize: { mode: "count", value: 2 }, failureThreshold: { mode: "count", value: 2 } }), expectedCount: 2, createdBy: "op@example.test" });
    expect(await waitForJob(jobId, { timeoutMs: 240_000 })).toBe("failed");
    const job = (await getJob(jobId))!;
    const d = job.items.find((i) => i.nodeIpv4 === D)!;
    expect(d.status, d.error ?? "").toBe("reverted");
    expect(d.summary).toBe("reverted to no K2_LOG_LEVEL (healthy)");
    expect(envOf(D, "K2_LOG_LEVEL")).toBeUndefined();
    expect(envOf(C, "K2_LOG_LEVEL")).toBe("debug");
  }, 300_000);
});
