import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { startJobEngine, stopJobEngine, engine } from "@/lib/jobs/engine";
import { startTestFleet, type TestFleet } from "@/lib/node-ops/test-fleet";
import { knownSecretMatches } from "@/lib/redact";
import type { Scenario } from "@/simulator/node/fleet";
import { parseTrafficState, readMeter } from "./poll";
import { METER_POLL_QUEUE, scheduleMeterPoll, type PollOutcome } from "./schedule";
import { fleetLatest } from "./store";

// The meter poll against real-sshd simulated nodes (issue #13): one SSH round
// trip per node; a healthy metering node, a node with metering off and a cut
// node; the stored sample matches the node's own files; the schedule runs on
// the job engine. Addresses 127.0.87.x are this suite's own.

const SECRET = "7d".repeat(32);
const HEALTHY = "127.0.87.10";
const OFF = "127.0.87.11";
const CUT = "127.0.87.12";
const nodes: { ip: string; scenario: Scenario }[] = [
  { ip: HEALTHY, scenario: "healthy" },
  { ip: OFF, scenario: "metering-off" },
  { ip: CUT, scenario: "cut" },
];
let f: TestFleet;

beforeAll(async () => {
  f = await startTestFleet("/tmp/k2ops-test-meter", nodes, { secret: SECRET, namePrefix: "me" });
  await startJobEngine({ databaseUrl: f.t.url, schedules: false, pollingIntervalSeconds: 0.5 });
}, 300_000);
afterAll(async () => {
  await stopJobEngine({ timeoutMs: 10_000 });
  await f?.stop();
});

/** the node's config-volume file as it is on the node now (null when absent) */
const nodeFile = (ip: string, name: string) => {
  const p = f.fleet.node(ip).hostPath(`/etc/kaitu/${name}`);
  return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : null;
};

describe("the meter poll on simulated nodes", () => {
  it("reads each node in ONE SSH command, touching only the four metering keys of .env", async () => {
    for (const { ip } of nodes) {
      const before = f.fleet.commands(ip).length;
      const { reading, raw } = await readMeter(ip, { actor: "test", requestId: `t-${ip}` });
      const cmds = f.fleet.commands(ip).slice(before);
      expect(cmds.map((c) => c.command)).toEqual(["bash -s"]);
      expect(reading.problems).toEqual([]);
      expect(knownSecretMatches(raw)).toEqual([]);
      expect(raw).not.toContain("K2_NODE_SECRET");
      expect(reading.sidecar?.status).toBe("running");
    }
  });

  it("the scheduled poll (job engine) stores one sample per node that matches the node's traffic.state and cutoff.state", async () => {
    const ticks: PollOutcome[][] = [];
    expect(await scheduleMeterPoll({ everyMinutes: 5, firstDelayMs: 10, onTick: (o) => ticks.push(o) })).toBe(true);
    expect((await engine()!.boss.getSchedules(METER_POLL_QUEUE)).map((s) => s.cron)).toEqual(["* * * * *"]);
    await expect.poll(() => ticks.flat().length, { timeout: 60_000, interval: 200 }).toBeGreaterThanOrEqual(3);
    expect(ticks.flat().filter((o) => !o.ok)).toEqual([]);
    // no tick may still be between its read of a node (which moves the node's meter) and its store
    await engine()!.boss.unschedule(METER_POLL_QUEUE);
    await engine()!.boss.offWork(METER_POLL_QUEUE, { wait: true });
    // the files as the node has them now (the simulated meter only moves when a node command runs)
    const samples = await db().meterSample.findMany({ orderBy: { at: "asc" } });
    expect(new Set(samples.map((s) => s.nodeIpv4))).toEqual(new Set([HEALTHY, OFF, CUT]));

    for (const ip of [HEALTHY, CUT]) {
      const s = samples.filter((x) => x.nodeIpv4 === ip).at(-1)!;
      const st = parseTrafficState(nodeFile(ip, "traffic.state")!).state!;
      expect(s).toMatchObject({ metering: true, billingDay: 1, limitGb: 1000, cycleStartRx: st.cycleStartRxBytes, cycleStartTx: st.cycleStartTxBytes, priorUsed: st.priorUsedBytes, lastUsed: st.lastUsedBytes, sidecarUp: true });
      expect(s.cycleEndAt!.getTime()).toBe(st.cycleEndUnix * 1000);
      // the node's used: computed live from its NIC when that NIC is the meter's, else its persisted figure
      // (or the reporter's, when its line is newer than the last persist)
      if (s.usedSource === "state") expect(s.nodeUsed).toBe(st.lastUsedBytes);
      else if (s.usedSource === "reporter") expect(s.nodeUsed).toBe(s.reportUsed);
      else expect(s.usedSource).toBe("live");
      expect(s.nodeUsed! >= st.lastUsedBytes!).toBe(true);
      expect(s.used).toBe(s.nodeUsed);
      const cut = nodeFile(ip, "cutoff.state");
      expect(s.cut).toBe(cut === null ? null : /"cut":true/.test(cut));
      expect(s.reportAt).not.toBeNull();
    }
    const cutSample = samples.filter((x) => x.nodeIpv4 === CUT).at(-1)!;
    expect([cutSample.cut, cutSample.k2sPaused]).toEqual([true, true]);

    const off = samples.filter((x) => x.nodeIpv4 === OFF).at(-1)!;
    expect(off).toMatchObject({ metering: false, billingDay: null, used: null, nodeUsed: null, usedSource: "none", cut: null });
    expect(off.cycleStartRx).toBe(nodeFile(OFF, "traffic.state") === null ? null : off.cycleStartRx);

    const fleet = await fleetLatest();
    expect(Object.fromEntries(fleet.map((r) => [r.ipv4, r.gauge.state]))).toEqual({ [CUT]: "cut", [HEALTHY]: "ok", [OFF]: "metering-off" });
    // the next poll is scheduled (base 5 min; a cut node is not "near" its line: it is over it)
    const mn = await db().meterNode.findMany();
    for (const n of mn) expect(n.nextPollAt.getTime() - n.lastPolledAt!.getTime()).toBe(5 * 60_000);
  }, 120_000);

  it("a second poll of the healthy node adds one sample and its traffic to the rollups; an unreachable node is recorded as a failure", async () => {
    const { pollNode } = await import("./schedule");
    const before = await db().meterSample.count({ where: { nodeIpv4: HEALTHY } });
    const out = await pollNode(HEALTHY, { baseMinutes: 5 });
    expect(out.ok).toBe(true);
    expect(await db().meterSample.count({ where: { nodeIpv4: HEALTHY } })).toBe(before + 1);
    const h = await db().meterHourly.findMany({ where: { nodeIpv4: HEALTHY } });
    expect(h.reduce((a, r) => a + r.samples, 0)).toBe(before + 1);
    await f.fleet.setReachable(OFF, false);
    try {
      const fail = await pollNode(OFF, { baseMinutes: 5 });
      expect(fail.ok).toBe(false);
      const row = await db().meterNode.findUniqueOrThrow({ where: { nodeIpv4: OFF } });
      expect(row).toMatchObject({ failures: 1, metering: false });
      expect(row.lastError).toBeTruthy();
    } finally {
      await f.fleet.setReachable(OFF, true);
    }
  }, 120_000);
});
