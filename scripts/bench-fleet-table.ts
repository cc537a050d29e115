// Benchmark (not a test): the fleet table with 5,000 nodes. Seeds a fresh
// embedded database, times the data layer (fleetTable) for the common views,
// then serves the production build and, in Debian's Chromium, measures the
// page load and the frame times of a scripted scroll through the virtualized
// rows. Prints figures.  Needs `npm run build` first.
//   npx tsx scripts/bench-fleet-table.ts [--nodes 5000]
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { applyMigrations } from "@/lib/db/migrate";

const args = process.argv.slice(2);
const N = args.includes("--nodes") ? Number(args[args.indexOf("--nodes") + 1]) : 5000;
const PORT = 3210;
const dir = "/tmp/k2ops-bench-fleet";

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];

async function main() {
  if (!fs.existsSync(".next/BUILD_ID")) throw new Error("run `npm run build` first (the benchmark serves the production build)");
  fs.rmSync(dir, { recursive: true, force: true });
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "pglite"), port: 0 });
  process.env.DATABASE_URL = pg.url;
  process.env.K2OPS_EMBEDDED_DB = "1";
  await applyMigrations(pg.url);
  const { db } = await import("@/lib/db");
  const { fleetTable, parseFleetQuery } = await import("@/lib/fleet");
  const { ensureDemoUsers } = await import("@/lib/auth/demo");
  await ensureDemoUsers();

  // a fleet shaped like the real one: regions × countries, a few legacy and failing nodes, some decommissioned
  const regions = ["jp-tokyo", "sg-singapore", "us-virginia", "us-losangeles", "de-frankfurt", "hk-hongkong", "au-sydney", "kr-seoul"];
  const checks = ["timezone", "containers", "reporter", "container_net", "k2s_ready"];
  const t0 = performance.now();
  const rows = Array.from({ length: N }, (_, i) => {
    const ip = `10.${Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
    const region = regions[i % regions.length];
    const decommissioned = i % 97 === 0;
    const failing = i % 13 === 0;
    return {
      ipv4: ip,
      name: decommissioned ? ip : `${region}.aws.wm${String(i).padStart(4, "0")}`,
      country: region.slice(0, 2).toUpperCase(),
      region,
      class: i % 11 === 0 ? "private" : "shared",
      ipType: "non_residential",
      tunnels: decommissioned ? [] : [{ domain: `${ip.replace(/\./g, "-")}.sslip.io`, protocol: "k2v5", port: 443 }],
      arch: i % 50 === 0 ? "k2-slave" : "k2s",
      versionTag: "v0.4.8-9d7c6f95",
      sidecarHealth: "healthy",
      verificationStatus: i % 7 === 0 ? null : failing ? "fail" : "pass",
      verificationAt: new Date(),
      failingChecks: failing ? [checks[i % checks.length]] : [],
      lastSeenSshAt: new Date(),
      hostKeyState: "trusted" as const,
    };
  });
  for (let i = 0; i < rows.length; i += 1000) await db().node.createMany({ data: rows.slice(i, i + 1000) });
  console.log(`seeded ${N} nodes in ${Math.round(performance.now() - t0)} ms (embedded PGlite)`);

  console.log("\nfleetTable() — median of 5 runs (rows returned, JSON size)");
  const views: [string, Record<string, string>][] = [
    ["default (name asc, decommissioned hidden)", {}],
    ["country=JP", { country: "JP" }],
    ["status=fail", { status: "fail" }],
    ["check=timezone", { check: "timezone" }],
    ["sort=status desc", { sort: "status", dir: "desc" }],
    ["search q=wm12", { q: "wm12" }],
    ["all (with decommissioned)", { all: "1" }],
  ];
  for (const [label, q] of views) {
    const times: number[] = [];
    let out: Awaited<ReturnType<typeof fleetTable>> | null = null;
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      out = await fleetTable(parseFleetQuery(q));
      times.push(performance.now() - t);
    }
    console.log(`  ${label.padEnd(44)} ${median(times).toFixed(0).padStart(5)} ms  ${String(out!.rows.length).padStart(5)} rows  ${(JSON.stringify(out!.rows).length / 1024).toFixed(0)} KiB`);
  }

  // the production console against the same database
  const secret = crypto.randomBytes(32).toString("hex");
  const next = spawn(path.resolve("node_modules/.bin/next"), ["start", "-p", String(PORT), "-H", "127.0.0.1"], {
    env: { ...process.env, NEXTAUTH_SECRET: secret, NEXTAUTH_URL: `http://127.0.0.1:${PORT}`, K2OPS_DATA_DIR: dir, KAITU_CENTER_URL: "" },
    stdio: "ignore",
  });
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${PORT}/api/health`)).ok) break;
      } catch {
        /* not yet */
      }
      if (i > 150) throw new Error("console did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`http://127.0.0.1:${PORT}/login`);
    await page.getByLabel("Email").fill("admin@k2ops.local");
    await page.getByLabel("Password").fill("k2ops-demo-pass");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/$/);

    const loads: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      await page.goto(`http://127.0.0.1:${PORT}/`);
      await page.locator('[role="rowgroup"] [role="row"][data-ip]').first().waitFor();
      loads.push(performance.now() - t);
    }
    const shown = await page.getByTestId("fleet-count").textContent();
    const domRows = await page.locator('[role="rowgroup"] [role="row"][data-ip]').count();
    const html = (await page.content()).length;

    // scroll the table from top to bottom in 3 s, one step per animation frame, recording frame gaps
    // (a string: tsx would wrap a function's inner helpers in names the page does not have)
    const frames = (await page.evaluate(`new Promise((resolve) => {
      const el = document.querySelector('[role="rowgroup"].overflow-auto');
      const gaps = [];
      const total = el.scrollHeight - el.clientHeight;
      const start = performance.now();
      let last = start;
      requestAnimationFrame(function step(now) {
        gaps.push(now - last);
        last = now;
        const f = Math.min(1, (now - start) / 3000);
        el.scrollTop = total * f;
        if (f < 1) requestAnimationFrame(step);
        else resolve(gaps.slice(1));
      });
    })`)) as number[];
    const domAfter = await page.locator('[role="rowgroup"] [role="row"][data-ip]').count();
    const lastRow = await page.locator('[role="rowgroup"] [role="row"][data-ip]').last().getAttribute("data-ip");
    await browser.close();

    console.log(`\nbrowser (Chromium ${chromium.name()}, production build, 1440×900)`);
    console.log(`  page load to first row:  median ${median(loads).toFixed(0)} ms (3 loads)`);
    console.log(`  table says: "${shown?.trim()}"; rows in the DOM: ${domRows} at the top, ${domAfter} at the bottom (last: ${lastRow}); HTML ${(html / 1024).toFixed(0)} KiB`);
    console.log(`  scroll through all rows in 3 s: ${frames.length} frames, frame time median ${median(frames).toFixed(1)} ms, p95 ${pct(frames, 0.95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms, frames over 50 ms: ${frames.filter((f) => f > 50).length}`);
  } finally {
    next.kill("SIGTERM");
    await pg.stop();
  }
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
