import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { syncFleet } from "@/lib/fleet";
import { BYTES_PER_GIB } from "./cycle";
import type { MeterReading } from "./poll";
import { pollNode, runMeterPollTick, type MeterReader } from "./schedule";

// A tick of the scheduled poll on the database (the SSH read replaced): who is
// due, the next poll per node (sooner near the cutoff), failures backing off.

const GIB = BYTES_PER_GIB;
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const reading = (txGib: bigint): MeterReading => ({
  nodeAt: null,
  dir: "/apps/k2s",
  volume: "",
  sidecar: { status: "running", startedAt: null },
  k2s: { status: "running", paused: false },
  env: { billingDate: "2026-01-01", billingDay: 1, billingDateError: null, limitGb: 1000, limitRaw: "1000", mode: "max", modeRaw: null, modeUnknown: false, seedGb: null },
  metering: true,
  trafficState: { cycleEndUnix: Date.UTC(2026, 8, 1) / 1000, cycleStartRxBytes: 0n, cycleStartTxBytes: 0n, priorUsedBytes: 0n, lastUsedBytes: null },
  trafficStateProblem: null,
  cut: null,
  nic: { name: "ens5", rxBytes: GIB, txBytes: txGib * GIB },
  reporter: { ok: null, fail: null },
  problems: [],
});

describe("a tick of the scheduled meter poll", () => {
  it("polls the due nodes, schedules the next poll (every minute near the cutoff), backs off after a failure", async () => {
    await syncFleet(["198.51.100.1", "198.51.100.2", "198.51.100.3"].map((ipv4, i) => ({ id: i + 1, name: `m${i + 1}`, country: "JP", region: "r", ipv4, ipv6: "", class: "shared", updatedAt: 1, tunnels: [] })));
    let now = new Date("2026-08-20T10:00:00Z");
    const reader: MeterReader = async (ip) => {
      if (ip === "198.51.100.3") throw new Error("198.51.100.3:1022 unreachable (connection refused)");
      return { reading: reading(ip === "198.51.100.2" ? 950n : 10n), at: now };
    };
    const first = await runMeterPollTick({ now, reader, baseMinutes: 5 });
    expect(first.map((o) => [o.ipv4, o.ok]).sort()).toEqual([["198.51.100.1", true], ["198.51.100.2", true], ["198.51.100.3", false]]);
    const rows = Object.fromEntries((await t.prisma.meterNode.findMany()).map((r) => [r.nodeIpv4, r]));
    const after = (ip: string) => (rows[ip].nextPollAt.getTime() - now.getTime()) / 60_000;
    expect([after("198.51.100.1"), after("198.51.100.2")]).toEqual([5, 1]);
    expect(rows["198.51.100.3"]).toMatchObject({ failures: 1, lastError: expect.stringContaining("unreachable") });
    expect(rows["198.51.100.2"].used).toBe(950n * GIB);

    // a minute later only the node near its cutoff is due
    now = new Date("2026-08-20T10:01:00Z");
    expect((await runMeterPollTick({ now, reader, baseMinutes: 5 })).map((o) => o.ipv4)).toEqual(["198.51.100.2"]);
    // five minutes on: all three; the failing node's second failure doubles its wait
    now = new Date("2026-08-20T10:06:00Z");
    expect((await runMeterPollTick({ now, reader, baseMinutes: 5 })).map((o) => o.ipv4).sort()).toEqual(["198.51.100.1", "198.51.100.2", "198.51.100.3"]);
    const failing = await t.prisma.meterNode.findUniqueOrThrow({ where: { nodeIpv4: "198.51.100.3" } });
    expect(failing.failures).toBe(2);
    expect(failing.nextPollAt.getTime() - failing.lastPolledAt!.getTime()).toBe(10 * 60_000);
    expect(await t.prisma.meterSample.count({ where: { nodeIpv4: "198.51.100.2" } })).toBe(3);
  });

  it("raises a node's warning from the poll once per crossing (the stored row and alert states carried, not read again) and clears it", async () => {
    await syncFleet([{ id: 9, name: "m9", country: "JP", region: "r", ipv4: "198.51.100.9", ipv6: "", class: "shared", updatedAt: 1, tunnels: [] }]);
    const sent: string[] = [];
    const notify = async (n: { kind: string }) => void sent.push(n.kind);
    let limitGb = 1000;
    let at = new Date("2026-08-21T10:00:00Z");
    let tx = 900n;
    const reader: MeterReader = async () => ({ reading: { ...reading(tx), env: { ...reading(tx).env!, limitGb, limitRaw: String(limitGb) } }, at });
    const first = await pollNode("198.51.100.9", { reader, baseMinutes: 5, notify });
    expect(first.ok && first.result.activeAlerts).toEqual([]);
    expect(sent).toEqual(["warning"]);
    // still over the warning %: already active, nothing sent again
    at = new Date("2026-08-21T10:01:00Z");
    tx = 901n;
    const second = await pollNode("198.51.100.9", { reader, baseMinutes: 5, notify });
    expect(second.ok && second.result.activeAlerts).toEqual(["warning"]);
    expect(sent).toEqual(["warning"]);
    // the limit raised: 45 % used, the warning clears (and is not sent)
    limitGb = 2000;
    at = new Date("2026-08-21T10:06:00Z");
    await pollNode("198.51.100.9", { reader, baseMinutes: 5, notify });
    expect(await t.prisma.meterAlert.findUniqueOrThrow({ where: { nodeIpv4_kind: { nodeIpv4: "198.51.100.9", kind: "warning" } } })).toMatchObject({ active: false });
    expect(sent).toEqual(["warning"]);
  });
});
