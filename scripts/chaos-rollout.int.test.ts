import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChaos } from "./chaos-rollout";

// The short seeded run of the rollout chaos script (issue #12) that the test
// command includes: 10 nodes, one console SIGKILL + restart, random faults;
// every invariant must hold (0 violations). `npm run chaos:rollout` is the long run.
// Addresses 127.0.91.x are this suite's own.

const ROOT = path.resolve(import.meta.dirname, "..");
let pg: string;
let own = false;
beforeAll(() => {
  pg = process.env.K2OPS_IT_PG_URL ?? "";
  if (!pg) {
    const r = spawnSync("bash", [path.join(ROOT, "scripts/pg-test-server.sh"), "start", "/tmp/k2ops-pg-chaos-it", "55472"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`PostgreSQL could not start: ${r.stderr}`);
    pg = r.stdout.trim();
    own = true;
  }
});
afterAll(() => {
  if (own) spawnSync("bash", [path.join(ROOT, "scripts/pg-test-server.sh"), "stop", "/tmp/k2ops-pg-chaos-it"]);
});

describe("rollout chaos (short seeded run)", () => {
  it("seed 7, 6 nodes, one console kill: every invariant holds", async () => {
    const res = await runChaos({ seed: 7, nodes: 6, pgAdminUrl: pg, ipPrefix: "127.0.91", stateDir: "/tmp/k2ops-test-chaos", kills: 1, timeoutMs: 8 * 60_000, log: () => undefined });
    expect(res.violations, res.events.join("\n")).toEqual([]);
    expect(["succeeded", "failed"]).toContain(res.status);
    expect(Object.values(res.counts).reduce((a, b) => a + b, 0)).toBe(6);
  }, 900_000);
});
