import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The worker process's heap is bounded like the console server's (issue 17): `npm run worker`, run
// for real, reports its V8 heap limit before it looks for a database.
const ROOT = path.resolve(import.meta.dirname, "..");
const run = (env: Record<string, string>) =>
  spawnSync("npm", ["run", "-s", "worker"], { cwd: ROOT, env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env }, encoding: "utf8", timeout: 60_000 });

describe("npm run worker", () => {
  it("runs in one process with the heap limit K2OPS_MAX_HEAP_MB asks for (default 384 MiB), and stops without a database", () => {
    for (const [asked, env] of [[200, { K2OPS_MAX_HEAP_MB: "200" }], [384, {}]] as const) {
      const r = run(env);
      expect(r.status).toBe(1);
      const out = r.stdout + r.stderr;
      const limit = Number(/"heapLimitMb":(\d+)/.exec(out)?.[1]);
      // V8's limit is old space plus the young generation (a few tens of MiB)
      expect(limit).toBeGreaterThanOrEqual(asked);
      expect(limit).toBeLessThan(asked + 100);
      expect(out).not.toContain("without --max-old-space-size");
      expect(out).toContain("DATABASE_URL is not set");
    }
  }, 120_000);

  it("refuses a heap size that is not a whole number of MiB from 128 to 65536, before starting anything", () => {
    const low = run({ K2OPS_MAX_HEAP_MB: "64" });
    expect(low.status).toBe(1);
    expect(low.stdout + low.stderr).toMatch(/K2OPS_MAX_HEAP_MB must be a whole number of MiB from 128 to 65536, not \W*64/);
    expect(low.stdout + low.stderr).not.toContain("DATABASE_URL is not set");
    // not a number at all: node itself refuses the flag
    const junk = run({ K2OPS_MAX_HEAP_MB: "12x" });
    expect(junk.status).not.toBe(0);
    expect(junk.stdout + junk.stderr).not.toContain("heapLimitMb");
  }, 60_000);
});
