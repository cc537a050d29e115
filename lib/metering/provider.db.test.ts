import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import type { CloudInstance } from "@/lib/center/schemas";
import { BYTES_PER_GIB } from "./cycle";
import type { MeterReading } from "./poll";
import { recordReading } from "./store";
import { DEFAULT_PROVIDER_RULES, latestProviderSamples, nodeUsageOver, pruneProviderSamples, recordProviderFigure, refreshProviderFigures, figureFromCenter } from "./provider";
import { evaluateDivergenceAlert, evaluateReadingAlerts, type Notifier } from "./alerts";
import { maybeRefreshProviders } from "./schedule";
import { nodeMeterView } from "./view";

// Provider figures stored beside the samples (migration metering_provider_alerts), their
// comparison with the node's usage over the same window, and the alerts raised once per
// crossing — on the embedded database (and PostgreSQL with K2OPS_TEST_PG_URL).

const GIB = BYTES_PER_GIB;
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  for (const m of [t.prisma.meterSample, t.prisma.meterHourly, t.prisma.meterDaily, t.prisma.meterAnnotation, t.prisma.meterNode, t.prisma.meterProviderSample, t.prisma.meterAlert] as { deleteMany(): Promise<unknown> }[]) await m.deleteMany();
});

const END = Date.UTC(2026, 11, 1) / 1000; // billing day 1: the cycle is November
function reading(o: { at: string; usedGib: bigint; limitGb?: number; day?: number; end?: number; paused?: boolean; cut?: boolean; fail?: string; okAt?: string }): MeterReading {
  const day = o.day ?? 1;
  return {
    nodeAt: new Date(o.at), dir: "/apps/k2s", volume: "/v", sidecar: { status: "running", startedAt: null }, k2s: { status: o.paused ? "paused" : "running", paused: !!o.paused },
    env: { billingDate: `2026-01-${String(day).padStart(2, "0")}`, billingDay: day, billingDateError: null, limitGb: o.limitGb ?? 1000, limitRaw: "1000", mode: "sum", modeRaw: "sum", modeUnknown: false, seedGb: null },
    metering: true,
    trafficState: { cycleEndUnix: o.end ?? END, cycleStartRxBytes: 0n, cycleStartTxBytes: 0n, priorUsedBytes: 0n, lastUsedBytes: null },
    trafficStateProblem: null, cut: o.cut ?? null,
    nic: { name: "ens5", rxBytes: (o.usedGib * GIB) / 2n, txBytes: (o.usedGib * GIB) / 2n },
    reporter: { ok: o.okAt ? { at: new Date(o.okAt), epochUnix: o.end ?? END, cumulativeBytes: o.usedGib * GIB, quotaTotalBytes: 1000n * GIB } : null, fail: o.fail ? { at: new Date(o.at), usedBytes: null, limitBytes: null, error: o.fail } : null },
    problems: [],
  };
}
const inst = (ip: string, usedGb: number, o: Partial<CloudInstance> = {}): CloudInstance => ({
  id: 1, provider: "aws_lightsail", account_name: "a", instance_id: ip, name: `ls-${ip}`, ip_address: ip, region: "ap-northeast-1", traffic_used_gb: usedGb, traffic_total_gb: 1024, traffic_ratio: 0, traffic_reset_at: END, expires_at: 0, time_ratio: 0, last_synced_at: Date.UTC(2026, 10, 20) / 1000, ...o,
});
const NOW = new Date("2026-11-20T12:00:00Z");

describe("provider figures beside the samples", () => {
  it("same window (the node's cycle starts at the provider's 1st): compared with the node's own used, stored with the divergence", async () => {
    const ip = "198.51.100.1";
    await recordReading(ip, reading({ at: "2026-11-20T11:55:00Z", usedGib: 400n }), new Date("2026-11-20T11:55:00Z"));
    const f = figureFromCenter(inst(ip, 402), DEFAULT_PROVIDER_RULES.aws_lightsail, NOW);
    const r = await recordProviderFigure(ip, f, NOW);
    expect(r.node).toEqual({ bytes: 400n * GIB, basis: "node-cycle", reason: null });
    expect(r.divergence).toMatchObject({ flagged: false });
    const s = (await latestProviderSamples([ip]))[0];
    expect(s).toMatchObject({ nodeIpv4: ip, provider: "aws_lightsail", source: "center", basis: "sum", usedBytes: 402n * GIB, nodeUsedBytes: 400n * GIB, nodeBasis: "node-cycle", flagged: false, totalBytes: 1024n * GIB });
    expect(s.divergence).toBeCloseTo(0.4975, 3);
    // the node page shows it beside the node's figure
    const v = await nodeMeterView(ip, { now: NOW });
    expect(v!.provider).toEqual({
      source: "Center cloud instance (sum)", usedBytes: Number(402n * GIB), allowanceBytes: Number(1024n * GIB), at: "2026-11-20T00:00:00.000Z",
      nodeUsedBytes: Number(400n * GIB), divergenceBytes: Number(2n * GIB), divergencePercent: s.divergence, flagged: false, note: null,
    });
  });

  it("another billing day: from k2ops' hourly rollups since the provider's 1st, only when the history reaches back to it", async () => {
    const ip = "198.51.100.2";
    const end10 = Date.UTC(2026, 11, 10) / 1000;
    // history from Nov 1: 10 GiB then 50 GiB (the node's own cycle started Nov 10)
    await recordReading(ip, reading({ at: "2026-11-01T00:10:00Z", usedGib: 10n, day: 10, end: Date.UTC(2026, 10, 10) / 1000 }), new Date("2026-11-01T00:10:00Z"));
    await recordReading(ip, reading({ at: "2026-11-01T05:00:00Z", usedGib: 50n, day: 10, end: Date.UTC(2026, 10, 10) / 1000 }), new Date("2026-11-01T05:00:00Z"));
    await recordReading(ip, reading({ at: "2026-11-20T10:00:00Z", usedGib: 70n, day: 10, end: end10 }), new Date("2026-11-20T10:00:00Z"));
    const got = await nodeUsageOver(ip, new Date("2026-11-01T00:00:00Z"));
    expect(got.basis).toBe("rollups");
    expect(got.bytes! > 0n).toBe(true);
    // a node whose history starts after the provider's period: not comparable, with the reason
    const ip3 = "198.51.100.3";
    await recordReading(ip3, reading({ at: "2026-11-15T00:00:00Z", usedGib: 5n, day: 10, end: end10 }), new Date("2026-11-15T00:00:00Z"));
    expect(await nodeUsageOver(ip3, new Date("2026-11-01T00:00:00Z"))).toMatchObject({ bytes: null, basis: null });
    expect((await nodeUsageOver(ip3, null)).reason).toMatch(/no monthly period/);
  });

  it("refresh over the metering nodes (sources injected), a divergence beyond the threshold flagged and alerted once; prune by age", async () => {
    const ip = "198.51.100.4";
    await recordReading(ip, reading({ at: "2026-11-20T11:55:00Z", usedGib: 400n }), new Date("2026-11-20T11:55:00Z"));
    const sent: string[] = [];
    const notify: Notifier = async (n) => void sent.push(`${n.kind}:${n.ipv4}`);
    const sources = { instances: [inst(ip, 600)], lightsail: null };
    const out = await refreshProviderFigures({ now: NOW, sources, rules: DEFAULT_PROVIDER_RULES });
    expect(out).toHaveLength(1);
    expect(out[0].result!.divergence).toMatchObject({ flagged: true });
    expect(await evaluateDivergenceAlert(ip, out[0].result!, { notify, now: NOW })).toMatchObject({ kind: "divergence", change: "raised" });
    // the next refresh still diverges: no second notice
    const again = await refreshProviderFigures({ now: new Date(NOW.getTime() + 1800_000), sources, rules: DEFAULT_PROVIDER_RULES });
    expect(await evaluateDivergenceAlert(ip, again[0].result!, { notify })).toBeNull();
    // back in line: cleared, then a new crossing notifies again
    const fixed = await refreshProviderFigures({ now: new Date(NOW.getTime() + 3600_000), sources: { instances: [inst(ip, 401)], lightsail: null }, rules: DEFAULT_PROVIDER_RULES });
    expect(await evaluateDivergenceAlert(ip, fixed[0].result!, { notify })).toMatchObject({ change: "cleared" });
    expect(sent).toEqual([`divergence:${ip}`]);
    expect(await t.prisma.meterProviderSample.count({ where: { nodeIpv4: ip } })).toBe(3);
    expect(await pruneProviderSamples(new Date(NOW.getTime() + 400 * 86_400_000 + 1800_000), 400)).toBe(1);
  });
});

describe("the poll tick reads the providers at their own pace", () => {
  it("refreshes when the newest provider sample is older than the interval, else not; the divergence alert follows", async () => {
    const ip = "198.51.100.6";
    await recordReading(ip, reading({ at: "2026-11-20T11:55:00Z", usedGib: 400n }), new Date("2026-11-20T11:55:00Z"));
    const sources = { instances: [inst(ip, 600)], lightsail: null };
    const sent: string[] = [];
    const notify: Notifier = async (n) => void sent.push(n.kind);
    expect(await maybeRefreshProviders(NOW, { sources, minutes: 30, notify })).toBe(1);
    expect(await maybeRefreshProviders(new Date(NOW.getTime() + 10 * 60_000), { sources, minutes: 30, notify })).toBe(0);
    expect(await maybeRefreshProviders(new Date(NOW.getTime() + 31 * 60_000), { sources, minutes: 30, notify })).toBe(1);
    expect(await maybeRefreshProviders(new Date(NOW.getTime() + 90 * 60_000), { sources, minutes: 0, notify })).toBe(0);
    expect(sent).toEqual(["divergence"]);
    expect(await t.prisma.meterAlert.findUnique({ where: { nodeIpv4_kind: { nodeIpv4: ip, kind: "divergence" } } })).toMatchObject({ active: true });
  });
});

describe("alerts from the poll path: raised once per crossing", () => {
  it("warning at the threshold (with hysteresis), cut, reporter failing; each notified once while it holds", async () => {
    const ip = "198.51.100.5";
    const sent: string[] = [];
    const notify: Notifier = async (n) => void sent.push(n.kind);
    const step = async (iso: string, o: Partial<Parameters<typeof reading>[0]>) => {
      await recordReading(ip, reading({ at: iso, usedGib: 100n, ...o }), new Date(iso));
      return (await evaluateReadingAlerts(ip, { notify, warnPercent: 80 })).map((c) => `${c.change}:${c.kind}`);
    };
    expect(await step("2026-11-20T10:00:00Z", { usedGib: 700n, okAt: "2026-11-20T09:59:00Z" })).toEqual([]);
    expect(await step("2026-11-20T10:05:00Z", { usedGib: 810n, okAt: "2026-11-20T10:04:00Z" })).toEqual(["raised:warning"]);
    expect(await step("2026-11-20T10:10:00Z", { usedGib: 820n, okAt: "2026-11-20T10:09:00Z" })).toEqual([]);
    // hovering just under the threshold does not clear (hysteresis: 2 points)
    expect(await step("2026-11-20T10:15:00Z", { usedGib: 790n, okAt: "2026-11-20T10:14:00Z" })).toEqual([]);
    expect(await step("2026-11-20T10:20:00Z", { usedGib: 999n, okAt: "2026-11-20T10:19:00Z", paused: true, cut: true })).toEqual(["raised:cut"]);
    expect(await step("2026-11-20T10:25:00Z", { usedGib: 999n, okAt: "2026-11-20T10:19:00Z", paused: true, cut: true, fail: "center HTTP 503" })).toEqual(["raised:reporter-failing"]);
    expect(await step("2026-11-20T10:30:00Z", { usedGib: 999n, okAt: "2026-11-20T10:19:00Z", paused: true, cut: true, fail: "center HTTP 503" })).toEqual([]);
    // a new cycle: all clear; the next crossing raises the warning again
    const newEnd = Date.UTC(2027, 0, 1) / 1000;
    expect((await step("2026-12-01T00:05:00Z", { usedGib: 1n, end: newEnd, okAt: "2026-12-01T00:04:00Z" })).sort()).toEqual(["cleared:cut", "cleared:reporter-failing", "cleared:warning"]);
    expect(await step("2026-12-20T00:05:00Z", { usedGib: 850n, end: newEnd, okAt: "2026-12-20T00:04:00Z" })).toEqual(["raised:warning"]);
    expect(sent).toEqual(["warning", "cut", "reporter-failing", "warning"]);
    const rows = await t.prisma.meterAlert.findMany({ where: { nodeIpv4: ip }, orderBy: { kind: "asc" } });
    expect(rows.map((r) => [r.kind, r.active, !!r.notifiedAt])).toEqual([["cut", false, true], ["reporter-failing", false, true], ["warning", true, true]]);
  });
});
