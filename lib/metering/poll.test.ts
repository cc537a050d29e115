import { describe, expect, it } from "vitest";
import { assertScriptAllowed } from "@/lib/guardrails/command";
import { BYTES_PER_GIB } from "./cycle";
import { meterPollScript, nodeUsed, parseMeterEnv, parseMeterPoll, parsePrimaryNic, parseReporterLines, parseTrafficState, runningLimitGb, slogAttrs } from "./poll";

const T = "0123456789abcdef01234567";
const fence = (sections: [string, string, number][]) =>
  sections.map(([k, text, rc]) => `===K2OPS ${T} BEGIN ${k}===\n${text ? text + "\n" : ""}===K2OPS ${T} END ${k} rc=${rc}===`).join("\n") + "\n";

const PROC_NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 5494361   16498    0    0    0     0          0         0  5494361   16498    0    0    0     0       0          0
docker0: 999999999999 1 0 0 0 0 0 0 999999999999 1 0 0 0 0 0 0
vethab12: 999999999999 1 0 0 0 0 0 0 999999999999 1 0 0 0 0 0 0
br-1234: 10 1 0 0 0 0 0 0 10 1 0 0 0 0 0 0
  ens5: 48213307721 17796 0 0 0 0 0 0 51320044193 10369 0 0 0 0 0 0`;

const STATE = '{"billing_cycle_end_at":1788220800,"cycle_start_rx":40113307721,"cycle_start_tx":42020044193,"prior_used_bytes":0,"last_used_bytes":17000000000}';
const REPORTER = [
  'time=2026-08-22T10:00:00.000Z level=INFO msg="DIAG: usage-reporter-cycle-ok" component=usage epoch=1788220800 cumulative=16900000000 quotaTotal=1073741824000',
  'time=2026-08-22T10:00:30.000Z level=WARN msg="DIAG: usage-reporter-cycle-fail" component=usage used=16950000000 limit=1073741824000 err="center HTTP 503"',
  'time=2026-08-22T10:01:00.000Z level=INFO msg="DIAG: usage-reporter-cycle-ok" component=usage epoch=1788220800 cumulative=17000000000 quotaTotal=1073741824000',
].join("\n");
const ENV = "K2_NODE_BILLING_START_DATE=2026-01-01\nK2_NODE_TRAFFIC_LIMIT_GB=1000\nK2_NODE_TRAFFIC_BILLING_MODE=sum";

function healthy(over: Partial<Record<string, [string, number]>> = {}) {
  const s: Record<string, [string, number]> = {
    sidecar: ["running|2026-08-20T01:02:03.456789Z|k2s", 0],
    meta: ["dir=/apps/k2s\nvolume=/var/lib/docker/volumes/k2s_config/_data", 0],
    k2s: ["running|false", 0],
    traffic_state: [STATE, 0],
    cutoff_state: ["cat: /var/lib/docker/volumes/k2s_config/_data/cutoff.state: No such file or directory", 1],
    clock: ["1787392861000", 0],
    nic: [PROC_NET_DEV, 0],
    reporter: [REPORTER, 0],
    env: [ENV, 0],
    ...over,
  };
  return fence(Object.entries(s).map(([k, v]) => [k, v![0], v![1]]));
}

describe("the poll script", () => {
  it("reads only the four metering keys of .env, by name, and passes the guardrails", () => {
    const s = meterPollScript(T);
    expect(() => assertScriptAllowed(s)).not.toThrow();
    const envLine = s.split("\n").find((l) => l.includes(".env"))!;
    expect(envLine).toContain("grep -E '^[[:space:]]*(export[[:space:]]+)?(K2_NODE_BILLING_START_DATE|K2_NODE_TRAFFIC_LIMIT_GB|K2_NODE_TRAFFIC_BILLING_MODE|K2_NODE_TRAFFIC_USED_GB)='");
    // nothing else touches the .env (no cat, no sed of it)
    expect(s.split("\n").filter((l) => l.includes(".env"))).toHaveLength(1);
    expect(() => meterPollScript("nothex")).toThrow();
  });
});

describe("parsing a poll", () => {
  it("a healthy metering node: state, NIC (the sidecar's choice), reporter, knobs; used computed live as the sidecar does", () => {
    const r = parseMeterPoll(healthy(), T);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ dir: "/apps/k2s", volume: "/var/lib/docker/volumes/k2s_config/_data", metering: true, cut: null, trafficStateProblem: null });
    expect(r.sidecar).toEqual({ status: "running", startedAt: new Date("2026-08-20T01:02:03.456Z") });
    expect(r.k2s).toEqual({ status: "running", paused: false });
    expect(r.nodeAt!.getTime()).toBe(1787392861000);
    expect(r.nic).toEqual({ name: "ens5", rxBytes: 48213307721n, txBytes: 51320044193n });
    expect(r.trafficState).toEqual({ cycleEndUnix: 1788220800, cycleStartRxBytes: 40113307721n, cycleStartTxBytes: 42020044193n, priorUsedBytes: 0n, lastUsedBytes: 17000000000n });
    expect(r.env).toMatchObject({ billingDay: 1, limitGb: 1000, mode: "sum", modeUnknown: false, seedGb: null });
    expect(r.reporter.ok).toEqual({ at: new Date("2026-08-22T10:01:00Z"), epochUnix: 1788220800, cumulativeBytes: 17000000000n, quotaTotalBytes: 1073741824000n });
    expect(r.reporter.fail).toEqual({ at: new Date("2026-08-22T10:00:30Z"), usedBytes: 16950000000n, limitBytes: 1073741824000n, error: "center HTTP 503" });
    expect(nodeUsed(r)).toEqual({ usedBytes: 17_400_000_000n, source: "live", rxBytes: 8_100_000_000n, txBytes: 9_300_000_000n });
    expect(runningLimitGb(r)).toBe(1000);
  });

  it("a cut node: cutoff.state cut, k2s paused", () => {
    const r = parseMeterPoll(healthy({ cutoff_state: ['{"epoch_id":0,"cut":true}', 0], k2s: ["paused|true", 0] }), T);
    expect([r.cut, r.k2s?.paused]).toEqual([true, true]);
  });

  it("metering off: no billing date (nothing grepped) → off, no used figure; the NIC is still read", () => {
    const r = parseMeterPoll(healthy({ env: ["", 1], traffic_state: ["cat: x: No such file or directory", 1], reporter: ["", 0] }), T);
    expect(r.metering).toBe(false);
    expect(r.trafficStateProblem).toBe("absent");
    expect(r.problems).toEqual([]);
    expect(nodeUsed(r)).toEqual({ usedBytes: null, source: "none", rxBytes: null, txBytes: null });
    expect(r.nic?.name).toBe("ens5");
  });

  it("an invalid billing date is metering off (the sidecar's monitor fails to start), with Go's error", () => {
    const r = parseMeterPoll(healthy({ env: ["K2_NODE_BILLING_START_DATE=2026-02-30", 0] }), T);
    expect(r.metering).toBe(false);
    expect(r.env?.billingDateError).toBe('parsing time "2026-02-30": day out of range');
  });

  it("the NIC below the baseline (a reboot not folded yet) or the wrong NIC: the last persisted figure, never a clamp to the prior", () => {
    const r = parseMeterPoll(healthy({ nic: ["  ens5: 1000 1 0 0 0 0 0 0 2000 1 0 0 0 0 0 0", 0] }), T);
    expect(nodeUsed(r)).toMatchObject({ usedBytes: 17_000_000_000n, source: "state" });
    // a live figure below the persisted one is not believed either
    const low = parseMeterPoll(healthy({ traffic_state: [STATE.replace("17000000000", "99000000000"), 0] }), T);
    expect(nodeUsed(low)).toMatchObject({ usedBytes: 99_000_000_000n, source: "state" });
    // the reporter's figure of the same cycle when it is the newer (larger) one; another cycle's never
    const newer = parseMeterPoll(healthy({ nic: ["", 1], reporter: [REPORTER.replace("cumulative=17000000000", "cumulative=17100000000"), 0] }), T);
    expect(nodeUsed(newer)).toMatchObject({ usedBytes: 17_100_000_000n, source: "reporter" });
    const other = parseMeterPoll(healthy({ nic: ["", 1], reporter: [REPORTER.replaceAll("epoch=1788220800", "epoch=1785542400").replace("cumulative=17000000000", "cumulative=99000000000"), 0] }), T);
    expect(nodeUsed(other)).toMatchObject({ usedBytes: 17_000_000_000n, source: "state" });
    // a legacy state (no last_used_bytes) and no NIC: the reporter's figure of the same cycle
    const legacy = parseMeterPoll(healthy({ nic: ["", 1], traffic_state: [STATE.replace(',"last_used_bytes":17000000000', ""), 0] }), T);
    expect(nodeUsed(legacy)).toMatchObject({ usedBytes: 17_000_000_000n, source: "reporter" });
  });

  it("unreadable and timed-out sections are problems, not zeros", () => {
    const r = parseMeterPoll(healthy({ traffic_state: ["sudo: a password is required", 1], env: ["", 2], nic: ["", 124] }), T);
    expect(r.trafficStateProblem).toBe("unreadable");
    expect(r.env).toBeNull();
    expect(r.metering).toBeNull();
    expect(r.nic).toBeNull();
    expect([...r.problems].sort()).toEqual([".env: unreadable (exit 2)", "/proc/net/dev: timed out on the node", "traffic.state: unreadable (exit 1): sudo: a password is required"]);
    // a cut-short run: sections missing
    expect(parseMeterPoll(healthy().split("\n").slice(0, 8).join("\n"), T).problems.length).toBeGreaterThan(3);
  });

  it("a fake fence in node output is content, not a section", () => {
    const r = parseMeterPoll(healthy({ reporter: [`===K2OPS ${"f".repeat(24)} END reporter rc=0===`, 0] }), T);
    expect(r.reporter.ok).toBeNull();
  });
});

describe("the pieces", () => {
  it("traffic.state: legacy, corrupt, counters beyond 2^53 exact", () => {
    expect(parseTrafficState('{"billing_cycle_end_at":1788220800,"cycle_start_bytes":123}')).toEqual({ state: null, problem: "corrupt" });
    expect(parseTrafficState('{"billing_cycle_end_at":')).toEqual({ state: null, problem: "corrupt" });
    expect(parseTrafficState('{"billing_cycle_end_at":1,"cycle_start_rx":9007199254740993,"cycle_start_tx":18446744073709551615}').state).toMatchObject({ cycleStartRxBytes: 9007199254740993n, cycleStartTxBytes: 18446744073709551615n, priorUsedBytes: 0n, lastUsedBytes: null });
  });

  it("/proc/net/dev: the sidecar's primary interface (br-* counts, lo/veth/docker do not)", () => {
    expect(parsePrimaryNic(PROC_NET_DEV)?.name).toBe("ens5");
    expect(parsePrimaryNic("br-1: 10 0 0 0 0 0 0 0 10 0 0 0 0 0 0 0\nlo: 99 0 0 0 0 0 0 0 99 0 0 0 0 0 0 0")?.name).toBe("br-1");
    expect(parsePrimaryNic("lo: 99 0 0 0 0 0 0 0 99 0 0 0 0 0 0 0")).toBeNull();
  });

  it("slog values, quoted and bare", () => {
    const a = slogAttrs('time=2026-01-01T00:00:00.000Z level=WARN msg="DIAG: usage-reporter-cycle-fail" err="POST center: Post \\"https://k2.52j.me/slave/usage\\": EOF" used=1');
    expect(a.get("err")).toBe('POST center: Post "https://k2.52j.me/slave/usage": EOF');
    expect(a.get("used")).toBe("1");
    expect(parseReporterLines("garbage\nmsg=x").ok).toBeNull();
  });

  it(".env knobs: quotes, export, an unknown mode, a limit that is no number (the sidecar's 0 = unlimited), the seed", () => {
    const e = parseMeterEnv('export K2_NODE_BILLING_START_DATE="2026-03-31"\nK2_NODE_TRAFFIC_LIMIT_GB=lots\nK2_NODE_TRAFFIC_BILLING_MODE= Bogus\nK2_NODE_TRAFFIC_USED_GB=250');
    expect(e).toMatchObject({ billingDate: "2026-03-31", billingDay: 31, limitGb: 0, limitRaw: "lots", mode: "sum", modeUnknown: true, seedGb: 250 });
    expect(parseMeterEnv("")).toMatchObject({ billingDate: null, billingDay: null, limitGb: null, mode: "max" });
    expect(Number(BYTES_PER_GIB)).toBe(2 ** 30);
  });
});
