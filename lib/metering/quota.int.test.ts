import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createCenterClient } from "@/lib/center/client";
import { createLightsailClient } from "@/lib/lightsail/client";
import { startTestFleet, type TestFleet } from "@/lib/node-ops/test-fleet";
import { startLightsailSim, type LightsailSim } from "@/simulator/lightsail";
import type { Scenario } from "@/simulator/node/fleet";
import { BYTES_PER_GIB } from "./cycle";
import { nodeUsed, readMeter } from "./poll";
import { pollNode } from "./schedule";
import { fleetLatest } from "./store";
import { quotaContext } from "./quota";
import { applyProrationSeed, configureQuota, recoverCut, setUsage } from "./quota-ops";
import { prorateCreationMonth } from "./proration";
import { DEFAULT_PROVIDER_RULES, refreshProviderFigures, type Sources } from "./provider";
import { runMeteringAudits } from "./audits";

// The quota operations on real-sshd simulated nodes (issue #13 "Operate", "Provider
// accounting", "Simulator"): the poll reads the simulated host NIC; a gauge at each
// threshold; set-usage with the guided seed from the provider (Center + Lightsail linked to
// the nodes' NICs); configure quota applied with up -d k2-sidecar; a cut and its recovery;
// a provider divergence flagged; alerts raised once through the notification webhook.
// Addresses 127.0.88.x are this suite's own.

const GIB = BYTES_PER_GIB;
const SECRET = "8e".repeat(32);
const A = "127.0.88.10"; // healthy: set-usage, then cut by a low limit and recovered
const W = "127.0.88.11"; // healthy: a limit that puts it at the warning threshold; its provider counts 40 % less
const C = "127.0.88.12"; // the "cut" scenario: recovered by a higher limit
const O = "127.0.88.13"; // metering off
const U = "127.0.88.14"; // healthy: limit 0 = unlimited
const nodes: { ip: string; scenario: Scenario; timeScale?: number }[] = [
  // real-time persists (as the fidelity suite's set-usage node): the compressed clock's persist every 5 s would race set-usage
  { ip: A, scenario: "healthy", timeScale: 1 },
  { ip: W, scenario: "healthy" },
  { ip: C, scenario: "cut" },
  { ip: O, scenario: "metering-off" },
  { ip: U, scenario: "healthy" },
];
const ctx = (what: string) => ({ actor: "test@k2ops", requestId: `quota-it-${what}-${Date.now()}` });
let f: TestFleet;
let ls: LightsailSim;
let hook: http.Server;
const notices: { event: string; text: string }[] = [];

async function sources(): Promise<Sources> {
  f.center.syncCloud();
  const center = createCenterClient({ baseUrl: f.center.url, accessKey: f.center.accessKeys.viewer });
  const lightsail = createLightsailClient({ region: "ap-northeast-1", endpoint: ls.url, credentials: { accessKeyId: "AKIASIMULATED000000", secretAccessKey: "x" }, maxAttempts: 1 });
  return { instances: await center.listAllCloudInstances(), lightsail };
}

beforeAll(async () => {
  hook = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const j = JSON.parse(body) as { event: string; text: string };
      notices.push({ event: j.event, text: j.text });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
  process.env.K2OPS_NOTIFY_WEBHOOK = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  process.env.K2OPS_METER_VERIFY_TIMEOUT_MS = "60000";
  process.env.K2OPS_METER_VERIFY_INTERVAL_MS = "500";
  f = await startTestFleet("/tmp/k2ops-test-quota", nodes, { secret: SECRET, namePrefix: "qu" });
  // the providers count the nodes' host NICs (a little off; W's 40 % less). A provider that counts MORE is
  // ratcheted into the node by Center's authoritative correction at its next report (Lightsail): A's counts a
  // little less, so no correction races the set-usage below.
  f.center.setHooks({ providerTraffic: (ip, a, b) => (f.fleet.has(ip) ? f.fleet.providerTraffic(ip, a, b) : null) });
  f.fleet.setProviderDrift(W, 0.6);
  f.fleet.setProviderDrift(A, 0.995);
  const created = Math.floor(Date.now() / 1000) - 40 * 86_400;
  for (const [i, n] of nodes.entries()) f.center.addCloudInstance({ provider: "aws_lightsail", account: "aws-tokyo", ipv4: n.ip, name: `ls-qu${i + 1}`, plan: "micro_3_2", createdAt: created });
  ls = await startLightsailSim({ center: f.center });
}, 300_000);
afterAll(async () => {
  delete process.env.K2OPS_NOTIFY_WEBHOOK;
  delete process.env.K2OPS_METER_VERIFY_TIMEOUT_MS;
  delete process.env.K2OPS_METER_VERIFY_INTERVAL_MS;
  await ls?.close();
  await f?.stop();
  await new Promise<void>((r) => hook?.close(() => r()));
});

describe("quota operations on simulated nodes", () => {
  it("the poll reads the simulated node's host NIC (as the sidecar does), so the node's used is computed live", async () => {
    const { reading } = await readMeter(A, ctx("read"));
    expect(reading.nic?.name).toBe("ens5");
    const st = reading.trafficState!;
    expect(reading.nic!.rxBytes >= st.cycleStartRxBytes && reading.nic!.txBytes >= st.cycleStartTxBytes).toBe(true);
    const used = nodeUsed(reading);
    expect(used.source).toBe("live");
    // what the host NIC says the node carried this cycle is what its own persisted count says, plus under a minute of traffic
    expect(used.usedBytes! >= st.lastUsedBytes!).toBe(true);
    expect(used.usedBytes! - st.lastUsedBytes!).toBeLessThan(200_000_000n);
  });

  it("configure quota (up -d k2-sidecar, verified); gauges at each threshold: ok, warning, cut, metering off, unlimited", async () => {
    const w = await configureQuota(W, { billingDay: 1, limitGb: 19, mode: "sum" }, false, ctx("warn"));
    expect(w.parsed.checks.filter((c) => !c.ok)).toEqual([]);
    expect(w.parsed.changes).toEqual([{ key: "K2_NODE_TRAFFIC_LIMIT_GB", from: "1000", to: "19" }]);
    expect(w.command).toMatch(/up -d k2-sidecar/);
    expect(f.fleet.commands(W).map((c) => c.command).join("\n")).not.toMatch(/compose restart/);
    const u = await configureQuota(U, { billingDay: 1, limitGb: 0, mode: "sum" }, false, ctx("unl"));
    expect(u.parsed.verified).toBe(true);
    for (const ip of [A, C, O]) expect((await pollNode(ip, { baseMinutes: 5 })).ok).toBe(true);
    const fleet = Object.fromEntries((await fleetLatest()).map((r) => [r.ipv4, r.gauge.state]));
    expect(fleet).toEqual({ [A]: "ok", [W]: "warning", [C]: "cut", [O]: "metering-off", [U]: "unlimited" });
    // the crossings were announced once each (warning for W; C is cut, and past the warning)
    await expect.poll(() => notices.map((n) => n.event).sort(), { timeout: 10_000 }).toEqual(["meter.cut", "meter.warning", "meter.warning"]);
    expect(notices.find((n) => n.event === "meter.warning" && n.text.includes(W))?.text).toMatch(/crossed 80 % of its quota/);
    await pollNode(W, { baseMinutes: 5 });
    expect(notices.filter((n) => n.text.includes(W))).toHaveLength(1);
  }, 240_000);

  it("set-usage with the guided seed from the provider's figure (Lightsail metric data of the node's NIC): applied, restarted, verified", async () => {
    const src = await sources();
    const q = await quotaContext(A, { sources: src });
    expect(q.provider).toMatchObject({ provider: "aws_lightsail", source: "lightsail", basis: "sum" });
    expect(q.quota).toMatchObject({ provider: "aws_lightsail", billingDay: { value: 1 }, allowanceGb: 1024, limitGb: { value: 1000 }, mode: { value: "sum" } });
    const seed = q.seed.gb!;
    expect(seed).toBeGreaterThan(15);
    expect(q.seed.workings[0]).toMatch(/^Lightsail: NetworkIn .* GiB, NetworkOut .* GiB since \d{4}-\d{2}-01 → billable \(sum\)/);
    expect(q.seed.workings).toContain(`set-usage takes whole GB (GiB), rounded up: ⌈${(q.provider!.usedGib).toFixed(1)}⌉ = ${seed}`);
    const r = await setUsage(A, seed + 3, ctx("seed"));
    expect(r.parsed.checks.filter((c) => !c.ok)).toEqual([]);
    const cmds = f.fleet.commands(A).map((c) => c.command);
    // set-usage and the restart that loads it, in one command (no persist of the running sidecar can come between)
    expect(cmds.filter((c) => c.includes("set-usage") && c.includes(String(seed + 3)) && c.includes("docker compose restart k2-sidecar"))).toHaveLength(1);
    const row = await db().meterNode.findUniqueOrThrow({ where: { nodeIpv4: A } });
    expect(row.used! >= BigInt(seed + 3) * GIB).toBe(true);
  }, 180_000);

  it("cut by a limit under the usage (the enforcer pauses k2s), then recovered by raising it: k2s unpaused, verified", async () => {
    const cut = await configureQuota(A, { billingDay: 1, limitGb: 10, mode: "sum" }, false, ctx("cut"));
    expect(cut.parsed.checks.find((c) => c.label.startsWith("the enforcer keeps k2s paused"))?.ok).toBe(true);
    expect(cut.parsed.gauge).toMatchObject({ state: "cut", k2sPaused: true });
    await expect.poll(() => notices.filter((n) => n.event === "meter.cut" && n.text.includes(A)).length, { timeout: 10_000 }).toBe(1);
    // too low a limit keeps it cut: refused, nothing changed
    await expect(recoverCut(A, 12, false, ctx("low"))).rejects.toThrow(/keeps the node cut/);
    const rec = await recoverCut(A, 40, false, ctx("rec"));
    expect(rec.parsed.checks.filter((c) => !c.ok)).toEqual([]);
    expect(rec.parsed.gauge).toMatchObject({ k2sPaused: false });
    expect(f.fleet.readNodeFile(A, "/etc/kaitu/cutoff.state")).toBe('{"epoch_id":0,"cut":false}');
    // the "cut" scenario node too (used just over 1000 GB − 500 MiB)
    const c = await recoverCut(C, 1002, false, ctx("recC"));
    expect(c.parsed.verified).toBe(true);
    expect((await fleetLatest()).find((x) => x.ipv4 === C)?.gauge.state).toBe("warning");
    // not cut any more: nothing to recover
    await expect(recoverCut(C, 1100, false, ctx("again"))).rejects.toThrow(/not cut/);
  }, 240_000);

  it("a machine reboot: the NIC counters restart (the poll sees them drop), the sidecar folds, k2ops annotates a NIC reset and loses no usage", async () => {
    const before = await pollNode(U, { baseMinutes: 5 });
    expect(before.ok).toBe(true);
    const b = await db().meterNode.findUniqueOrThrow({ where: { nodeIpv4: U } });
    await f.fleet.node(U).reboot(500);
    const after = await pollNode(U, { baseMinutes: 5 });
    expect(after.ok && after.result.annotations.map((a) => a.kind)).toContain("nic-reset");
    const a = await db().meterNode.findUniqueOrThrow({ where: { nodeIpv4: U } });
    // restarted from 0: a small fraction of the tens of GB before (how small depends on how long the poll took)
    expect(a.nicRx! * 10n < b.nicRx!).toBe(true);
    // the fold keeps the last PERSISTED count: traffic since the last persist is gone from the node's
    // figure, which k2ops records as the node says, with the exact loss annotated (integrity.ts used-regressed)
    const kinds = after.ok ? after.result.annotations.map((x) => x.kind) : [];
    if (a.used! < b.used!) {
      const lost = after.ok ? after.result.annotations.find((x) => x.kind === "used-regressed") : undefined;
      expect(lost?.detail).toMatchObject({ lostBytes: String(b.nodeUsed! - a.nodeUsed!) });
    } else expect(kinds).not.toContain("used-regressed");
    expect(a.used! - b.used!).toBeLessThan(2n * GIB);
    expect(b.used! - a.used!).toBeLessThan(GIB);
    // k2ops' own count of the cycle's traffic loses nothing across the reboot
    expect(a.cycleRx + a.cycleTx >= b.cycleRx + b.cycleTx).toBe(true);
    expect(f.fleet.node(U).sidecarLog().stderr).toMatch(/NIC counter reset detected \(VM reboot\?\)/);
  }, 120_000);

  it("provider divergence: W's provider counts 40 % less than its meter — flagged; the others agree within the drift", async () => {
    const out = await refreshProviderFigures({ sources: await sources(), rules: DEFAULT_PROVIDER_RULES, ipv4s: [W, U], threshold: { percent: 10, minBytes: GIB } });
    const by = Object.fromEntries(out.map((o) => [o.ipv4, o.result!]));
    expect(by[W].divergence).toMatchObject({ flagged: true });
    expect(by[W].divergence!.percent).toBeLessThan(-25);
    expect(by[W].node.basis).toBe("node-cycle");
    expect(by[U].divergence).toMatchObject({ flagged: false });
    expect(Math.abs(by[U].divergence!.percent)).toBeLessThan(2);
    const audits = await runMeteringAudits({ sources: await sources() });
    const list = (k: string) => audits.audits.find((a) => a.key === k)!.findings.map((x) => x.ipv4);
    expect(list("divergence")).toEqual([W]);
    expect(list("metering-off")).toEqual([O]);
    expect(list("limit-allowance")).toEqual([U]); // unlimited on a 1024 GB bundle
  }, 120_000);

  it("creation-month proration, method B by one click (Part C): refused outside the creation month and on a node without metering, changing nothing; applied on U: the full limit by up -d k2-sidecar, then set-usage of the seed, verified", async () => {
    const cmds = (ip: string) => f.fleet.commands(ip).map((c) => c.command);
    const envOf = (ip: string) => f.fleet.node(ip).readFile("/apps/k2s/.env");
    const input = { bundleGb: 1024, fullLimitGb: 1000 };
    // a node created 40 days ago: its creation month is over, the full limit is right
    const old = new Date(Date.now() - 40 * 86_400_000);
    const envBefore = envOf(U);
    const nBefore = cmds(U).length;
    await expect(applyProrationSeed(U, { ...input, createdAt: old }, false, ctx("pr-old"))).rejects.toThrow(/creation month \(\d{4}-\d{2}\) is over.*Nothing was changed/);
    expect(cmds(U).slice(nBefore).join("\n")).not.toMatch(/set-usage|up -d|restart|\.env/);
    expect(envOf(U)).toEqual(envBefore);
    // metering off: there is no meter to seed
    await expect(applyProrationSeed(O, { ...input, createdAt: new Date() }, false, ctx("pr-off"))).rejects.toThrow(/metering/i);
    expect(cmds(O).join("\n")).not.toMatch(/set-usage/);

    // created in this month (a minute ago, or its first second when the month is younger than that)
    const now = Date.now();
    const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
    const createdAt = new Date(Math.max(monthStart + 1000, now - 60_000));
    const r = await applyProrationSeed(U, { ...input, createdAt }, false, ctx("pr"));
    expect(r.parsed.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.parsed.verified).toBe(true);
    expect(r.parsed.changes).toEqual([{ key: "K2_NODE_TRAFFIC_LIMIT_GB", from: "0", to: "1000" }]);
    // the seed is the month's missing share plus what U already counted (set-usage replaces the count)
    const row = await db().meterNode.findUniqueOrThrow({ where: { nodeIpv4: U } });
    const bare = prorateCreationMonth({ ...input, createdAt }).fullLimitWithSeed.setUsageGb;
    expect(r.parsed.seedGb!).toBeGreaterThanOrEqual(bare);
    expect(r.parsed.workings.length).toBeGreaterThan(2);
    expect(envOf(U)).toMatch(/^K2_NODE_TRAFFIC_LIMIT_GB=1000$/m);
    expect(row.limitGb).toBe(1000);
    expect(row.used! >= BigInt(r.parsed.seedGb!) * GIB).toBe(true);
    expect(r.parsed.gauge).toMatchObject({ state: "ok", k2sPaused: false });
    // the .env change applied with up -d k2-sidecar, never restart; the seed with set-usage + its restart
    const ran = cmds(U).slice(nBefore).join("\n");
    expect(ran).toMatch(/up -d k2-sidecar/);
    // (quoted for the remote shell: set-usage '\''50'\'')
    expect(ran).toMatch(new RegExp(`set-usage [\\\\']*${r.parsed.seedGb}[\\\\']* && .*docker compose restart k2-sidecar`));
    expect(ran).not.toMatch(/compose down|K2_NODE_SECRET=|8e8e8e8e/);
  }, 240_000);
});
