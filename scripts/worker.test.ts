import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The worker process's heap is bounded like the console server's (issue 17): run for real, it
// reports its V8 heap limit before it looks for a database.
const ROOT = path.resolve(import.meta.dirname, "..");
const run = (env: Record<string, string>) =>
  spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/worker.ts"], { cwd: ROOT, env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env }, encoding: "utf8", timeout: 60_000 });

describe("npm run worker", () => {
  it("runs with the heap limit K2OPS_MAX_HEAP_MB asks for (default 384 MiB), and stops without a database", () => {
    for (const [asked, env] of [[200, { K2OPS_MAX_HEAP_MB: "200" }], [384, {}]] as const) {
      const r = run(env);
      expect(r.status).toBe(1);
      const limit = Number(/"heapLimitMb":(\d+)/.exec(r.stdout + r.stderr)?.[1]);
      // V8's limit is old space plus the young generation (a few tens of MiB)
      expect(limit).toBeGreaterThanOrEqual(asked);
      expect(limit).toBeLessThan(asked + 100);
      expect(r.stdout + r.stderr).toContain("DATABASE_URL is not set");
    }
  }, 120_000);

  it("refuses a heap size that is not a whole number of MiB from 128 to 65536, before starting anything", () => {
    const r = run({ K2OPS_MAX_HEAP_MB: "12x" });
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain('K2OPS_MAX_HEAP_MB must be a whole number of MiB from 128 to 65536, not "12x"');
    expect(r.stdout + r.stderr).not.toContain("heapLimitMb");
  }, 60_000);
});
