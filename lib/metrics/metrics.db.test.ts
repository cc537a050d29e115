import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { saveVerification, type StoredCheck } from "@/lib/verification/store";
import { GET } from "@/app/metrics/route";
import { scrapeMetrics } from "./index";

// The /metrics exposition over a small seeded fleet: nodes in every fleet state,
// verification history (only the latest run counts), meter rows of every quota
// state, jobs, the Center sync marker. Each sample is checked by its exact value,
// and each family's whole sample set, so a fake 0 or a missing node shows.

const GIB = 2n ** 30n;
const NOW = new Date("2026-12-10T12:00:00Z");
const tunnel = { id: 1, name: "t", domain: "t.example.test", protocol: "k2v5", port: 443 };
const check = (key: string, status: StoredCheck["status"]): StoredCheck => ({ key, name: key, proves: "", command: "", expected: "", observed: "", status, evidence: "" });

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  const p = t.prisma;
  const seen = new Date("2026-12-10T11:00:00Z");
  // A, B, C active (real name, a tunnel, SSH answers); D decommissioned (IP as name, no tunnel);
  // E unreachable; F added by hand (active); G incomplete (a name, no tunnel)
  await p.node.createMany({
    data: [
      { ipv4: "198.51.100.1", name: "jp-1", tunnels: [tunnel], lastSeenSshAt: seen },
      { ipv4: "198.51.100.2", name: 'jp-2 "edge" \\ b', tunnels: [tunnel], lastSeenSshAt: seen },
      { ipv4: "198.51.100.3", name: "us-1", tunnels: [tunnel], lastSeenSshAt: seen, hostKeyState: "changed" },
      { ipv4: "198.51.100.4", name: "198.51.100.4", tunnels: [] },
      { ipv4: "198.51.100.5", name: "sg-1", tunnels: [tunnel], lastSshError: "connect ETIMEDOUT" },
      { ipv4: "198.51.100.6", name: "fresh", source: "manual", inCenter: false, lastSeenSshAt: seen },
      { ipv4: "198.51.100.7", name: "hk-1", tunnels: [] },
    ],
  });
  const ok = { durationMs: 1000, checks: [check("timezone", "pass")] };
  // A: an older run failed ipv6, the latest fails timezone and bbr (only the latest counts)
  await saveVerification("198.51.100.1", { status: "fail", failingChecks: ["ipv6"], ...ok }, { triggeredBy: "t" });
  await saveVerification("198.51.100.1", { status: "fail", failingChecks: ["timezone", "bbr"], ...ok }, { triggeredBy: "t" });
  await saveVerification("198.51.100.2", { status: "pass", failingChecks: [], ...ok }, { triggeredBy: "t" });
  await saveVerification("198.51.100.3", { status: "fail", failingChecks: ["timezone"], ...ok }, { triggeredBy: "t" });
  await saveVerification("198.51.100.5", { status: "error", error: "connect ETIMEDOUT", durationMs: 10_000 }, { triggeredBy: "t" });
  await saveVerification("198.51.100.6", { status: "unknown", failingChecks: [], ...ok }, { triggeredBy: "t" });

  const meter = { at: NOW, lastPolledAt: NOW, billingDay: 1 };
  await p.meterNode.createMany({
    data: [
      { nodeIpv4: "198.51.100.1", ...meter, metering: true, mode: "sum", limitGb: 1000, used: 250n * GIB }, // ok, 0.25
      { nodeIpv4: "198.51.100.2", ...meter, metering: true, mode: "sum", limitGb: 100, used: 90n * GIB }, // warning, 0.9
      { nodeIpv4: "198.51.100.3", ...meter, metering: true, mode: "max", limitGb: 100, used: 50n * GIB, cut: true, k2sPaused: true }, // cut by the node, 0.5
      { nodeIpv4: "198.51.100.4", ...meter, metering: true, mode: "sum", limitGb: 200, used: null }, // ok, no figure: no ratio
      { nodeIpv4: "198.51.100.5", ...meter, metering: true, mode: "sum", limitGb: 0, used: 70n * GIB }, // unlimited: no ratio
      { nodeIpv4: "198.51.100.6", ...meter, metering: false, mode: "max", limitGb: 500, used: 10n * GIB }, // metering off: no ratio
      { nodeIpv4: "198.51.100.7", lastError: "connect ECONNREFUSED", failures: 3 }, // .env never read: unknown
      { nodeIpv4: "198.51.100.99", ...meter, metering: true, mode: "sum", limitGb: 10, used: 15n * GIB }, // no Node row; over the limit
    ],
  });

  const job = (kind: string, status: "succeeded" | "running" | "halted") => ({ kind, status, createdBy: "op@example.test" });
  await p.job.createMany({ data: [job("verify", "succeeded"), job("verify", "succeeded"), job("verify", "running"), job("rollout", "halted")] });
});
afterAll(async () => {
  await t?.close();
});

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Prometheus text format → samples (comments skipped, label values unescaped). */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** One family's samples as `{labels} value` keys (labels sorted), for whole-set comparisons. */
function family(samples: Sample[], name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples.filter((x) => x.name === name)) {
    const key = Object.keys(s.labels).sort().map((k) => `${k}=${s.labels[k]}`).join(",");
    expect(out[key], `duplicate sample ${name}{${key}}`).toBeUndefined();
    out[key] = s.value;
  }
  return out;
}

const scrape = async () => parse((await scrapeMetrics({ now: NOW, processMetrics: false })).body);

describe("/metrics over the seeded fleet", () => {
  it("nodes by activity state and latest verification: every combination, with the right counts", async () => {
    const s = await scrape();
    const nodes = family(s, "k2ops_nodes");
    expect(Object.keys(nodes)).toHaveLength(4 * 5);
    const nonZero = Object.fromEntries(Object.entries(nodes).filter(([, v]) => v !== 0));
    expect(nonZero).toEqual({
      "state=active,verification=fail": 2,
      "state=active,verification=pass": 1,
      "state=active,verification=unknown": 1,
      "state=decommissioned,verification=never": 1,
      "state=unreachable,verification=error": 1,
      "state=incomplete,verification=never": 1,
    });
    expect(family(s, "k2ops_nodes_host_key_changed")).toEqual({ "": 1 });
  });

  it("failing checks from each node's latest run only, per check and per node (an error run has no count)", async () => {
    const s = await scrape();
    expect(family(s, "k2ops_failing_checks")).toEqual({ "check=bbr": 1, "check=timezone": 2 });
    expect(family(s, "k2ops_node_failing_checks")).toEqual({
      "ip=198.51.100.1,node=jp-1": 2,
      'ip=198.51.100.2,node=jp-2 "edge" \\ b': 0,
      "ip=198.51.100.3,node=us-1": 1,
      "ip=198.51.100.6,node=fresh": 0,
    });
  });

  it("quota: used/limit only where there is a limit and a figure; states as the Metering page counts them; cut nodes", async () => {
    const s = await scrape();
    expect(family(s, "k2ops_node_quota_used_ratio")).toEqual({
      "ip=198.51.100.1,node=jp-1": 0.25,
      'ip=198.51.100.2,node=jp-2 "edge" \\ b': 0.9,
      "ip=198.51.100.3,node=us-1": 0.5,
      "ip=198.51.100.99,node=198.51.100.99": 1.5,
    });
    expect(family(s, "k2ops_nodes_quota")).toEqual({ "state=ok": 2, "state=warning": 1, "state=cut": 2, "state=unlimited": 1, "state=metering-off": 1, "state=unknown": 1 });
    // .3 paused by its enforcer, .99 over the cutoff line
    expect(family(s, "k2ops_nodes_cut")).toEqual({ "": 2 });
  });

  it("jobs by kind and every status", async () => {
    const jobs = family(await scrape(), "k2ops_jobs");
    expect(Object.keys(jobs)).toHaveLength(2 * 8);
    expect(Object.fromEntries(Object.entries(jobs).filter(([, v]) => v !== 0))).toEqual({ "kind=verify,status=succeeded": 2, "kind=verify,status=running": 1, "kind=rollout,status=halted": 1 });
    expect(jobs["kind=rollout,status=queued"]).toBe(0);
  });

  it("SSH pool of this process (no engine here: an empty pool)", async () => {
    const s = await scrape();
    expect(family(s, "k2ops_ssh_pool_connections")).toEqual({ "state=busy": 0, "state=idle": 0 });
    expect(family(s, "k2ops_ssh_pool_busy_channels")).toEqual({ "": 0 });
    expect(family(s, "k2ops_ssh_connections_opened_total")).toEqual({ "": 0 });
  });

  it("Center sync: absent until the first sync, then its age in seconds; failing while the last attempt failed", async () => {
    let text = (await scrapeMetrics({ now: NOW, processMetrics: false })).body;
    expect(text).not.toContain("k2ops_center_sync_age_seconds");
    expect(family(parse(text), "k2ops_center_sync_failing")).toEqual({ "": 0 });

    const at = new Date(NOW.getTime() - 90_000).toISOString();
    await t.prisma.setting.create({ data: { key: "fleet.lastSync", value: { at, total: 7, rejected: 0, complete: false } } });
    await t.prisma.setting.create({ data: { key: "fleet.lastSyncError", value: { at: NOW.toISOString(), message: "Center answered 502" } } });
    text = (await scrapeMetrics({ now: NOW, processMetrics: false })).body;
    const s = parse(text);
    expect(family(s, "k2ops_center_sync_age_seconds")).toEqual({ "": 90 });
    expect(family(s, "k2ops_center_sync_complete")).toEqual({ "": 0 });
    expect(family(s, "k2ops_center_sync_failing")).toEqual({ "": 1 });
    expect(text).toMatch(/# HELP k2ops_center_sync_age_seconds Seconds since/);
    await t.prisma.setting.delete({ where: { key: "fleet.lastSyncError" } });
  });

  it("every family has HELP and TYPE; repeated and concurrent scrapes with process metrics never clash", async () => {
    const results = await Promise.all([scrapeMetrics(), scrapeMetrics(), scrapeMetrics()]);
    const again = await scrapeMetrics();
    for (const r of [...results, again]) {
      expect(r.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
      const names = new Set(parse(r.body).map((x) => x.name.replace(/_(bucket|sum|count)$/, "")));
      expect(names.has("process_cpu_user_seconds_total")).toBe(true);
      expect(names.has("k2ops_nodes")).toBe(true);
      for (const n of [...names].filter((x) => x.startsWith("k2ops_"))) {
        expect(r.body, n).toContain(`# HELP ${n} `);
        expect(r.body, n).toContain(`# TYPE ${n} `);
      }
    }
  });

  it("the app route: the right bearer token gets the exposition, a wrong one 401, no token configured 404", async () => {
    const saved = process.env.K2OPS_METRICS_TOKEN;
    const token = "f00dfeed".repeat(4);
    try {
      process.env.K2OPS_METRICS_TOKEN = token;
      const res = await GET(new Request("http://console.test/metrics", { headers: { authorization: `Bearer ${token}` } }));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      const body = await res.text();
      expect(body).not.toContain(token);
      expect(family(parse(body), "k2ops_nodes_cut")).toEqual({ "": 2 });
      expect((await GET(new Request("http://console.test/metrics", { headers: { authorization: `Bearer ${token.replace("f", "e")}` } }))).status).toBe(401);
      delete process.env.K2OPS_METRICS_TOKEN;
      expect((await GET(new Request("http://console.test/metrics", { headers: { authorization: `Bearer ${token}` } }))).status).toBe(404);
    } finally {
      if (saved === undefined) delete process.env.K2OPS_METRICS_TOKEN;
      else process.env.K2OPS_METRICS_TOKEN = saved;
    }
  });
});
