import { combineBytes, cutoffBytesOf, limitBytesOf, previousCycleEnd, type BillingMode } from "./cycle";
import type { MeterEnv, MeterReading, TrafficState } from "./poll";

// A plausible meter history for the simulated demo fleet (issue #13 "Simulator":
// "a backfill of plausible history for the demo fleet so the charts show
// something on first start"). Pure: synthetic readings, oldest first, that the
// console's demo start-up (scripts/demo-meter-history.ts) feeds through the
// store's own recordReading, so the rollups, the running rate and the
// annotations are made exactly as for polled readings.
//
// The history ends where the node's meter really is: its last reading carries
// the node's own traffic.state (cycle end, NIC baseline, prior floor and
// last_used_bytes as the sidecar persisted them) and no NIC figure, so the
// first live poll continues the series (credited from the node's used growth)
// without a counter reset or a jump. Before it, each cycle's traffic follows a
// daily wave; the NIC counters are exact for the node's baseline at the
// current cycle's start, which needs a VM reboot some time before it (the
// counters restarted at 0 and the sidecar folded): that one "nic-reset" is in
// the history like any other annotation. Deterministic for (node, now).

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A demo node's meter as its files say: the .env knobs (billing day set) and traffic.state; `cut`: cutoff.state (null when absent). */
export type DemoNode = { ipv4: string; env: MeterEnv; state: TrafficState; cut: boolean | null };

export type DemoSample = { at: Date; reading: MeterReading };

export type DemoHistoryOptions = {
  /** full cycles before the current one (default 3) */
  cycles?: number;
  /** the last this many days get a reading every hour; before, one a day (default 7) */
  hourlyDays?: number;
};

/** Bytes the demo attributes to a previous cycle of a node without a limit: 800 GiB at most. */
const UNLIMITED_VOLUME_BYTES = 800n * 1_073_741_824n;
/** The NIC's counters before the reboot: a machine up for a long time (bytes). */
const PRE_REBOOT_BYTES = 3n * 1_099_511_627_776n;

/** mulberry32 seeded by the IPv4: the same node gets the same history. */
function rngOf(seed: string): () => number {
  let h = 2166136261;
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `bytes` × `f` (0..1), in bigint. */
const part = (bytes: bigint, f: number) => (bytes * BigInt(Math.round(Math.min(1, Math.max(0, f)) * 1e9))) / 1_000_000_000n;

/** Per-direction bytes of `d` combined bytes: under sum rx + tx = d; under max the binding direction is d and the other `ratio` of it. */
function split(mode: BillingMode, d: bigint, rxShare: number, ratio: number): { rx: bigint; tx: bigint } {
  if (mode === "sum") {
    const rx = part(d, rxShare);
    return { rx, tx: d - rx };
  }
  return rxShare >= 0.5 ? { rx: d, tx: part(d, ratio) } : { rx: part(d, ratio), tx: d };
}

/** A monotone clock with a daily wave (quiet at night UTC, busy in the evening): cumulative "traffic time" at t (ms). */
function waveTime(t: number): number {
  return t / DAY - (0.6 * Math.sin((2 * Math.PI * (t % DAY)) / DAY - 1.2)) / (2 * Math.PI);
}

/**
 * The demo history of one node from `cycles` full cycles before its current
 * one up to `now`, oldest first: one reading a day (at 23:mm UTC, mm the
 * node's own minute), hourly over the last `hourlyDays` (from 00:mm of that
 * day), one 10 minutes before each reset, and the hand-over reading at `now`
 * (the node's traffic.state, no NIC).
 * Empty when the node's traffic.state is stale (its cycle ended before `now`:
 * the live poll sees the rollover) or the billing day is unset.
 */
export function demoHistory(n: DemoNode, now: Date, opts: DemoHistoryOptions = {}): DemoSample[] {
  const day = n.env.billingDay;
  const endMs = n.state.cycleEndUnix * 1000;
  const t0 = now.getTime();
  if (!day || endMs <= t0) return [];
  const rand = rngOf(n.ipv4);
  const mode: BillingMode = n.env.mode;
  const limitBytes = n.env.limitGb && n.env.limitGb > 0 ? limitBytesOf(n.env.limitGb) : 0n;
  const shareBase = 0.35 + rand() * 0.3;
  const ratio = 0.6 + rand() * 0.3;
  const minute = 3 + Math.floor(rand() * 50);

  // the resets: bounds[0] = the history's start … bounds[cycles] = the current cycle's start
  const cycles = Math.max(1, opts.cycles ?? 3);
  const bounds: number[] = [previousCycleEnd(day, new Date(endMs)).getTime()];
  for (let i = 0; i < cycles; i++) bounds.unshift(previousCycleEnd(day, new Date(bounds[0])).getTime());
  const cs = bounds[cycles];

  // per cycle: its traffic per direction (previous cycles: 35-80 % of the limit, never at the cutoff)
  const totals = bounds.map((b, i) => {
    if (i === cycles) return split(mode, n.state.lastUsedBytes !== null && n.state.lastUsedBytes > n.state.priorUsedBytes ? n.state.lastUsedBytes - n.state.priorUsedBytes : 0n, shareBase, ratio);
    return split(mode, part(limitBytes || UNLIMITED_VOLUME_BYTES, 0.35 + rand() * 0.45), Math.min(0.9, Math.max(0.1, shareBase + (rand() - 0.5) * 0.1)), ratio);
  });
  const segEnd = (i: number) => (i === cycles ? t0 : bounds[i + 1]);
  // cumulative traffic per direction from the history's start (bytes) at time t
  const startTotals: { rx: bigint; tx: bigint }[] = [];
  let acc = { rx: 0n, tx: 0n };
  for (let i = 0; i <= cycles; i++) {
    startTotals.push(acc);
    acc = { rx: acc.rx + totals[i].rx, tx: acc.tx + totals[i].tx };
  }
  const cycleOf = (t: number) => {
    for (let i = cycles; i >= 0; i--) if (t >= bounds[i]) return i;
    return 0;
  };
  const traffic = (t: number) => {
    const i = cycleOf(t);
    const a = waveTime(bounds[i]);
    const span = waveTime(segEnd(i)) - a;
    const f = span > 0 ? (waveTime(Math.min(t, segEnd(i))) - a) / span : 1;
    return { rx: startTotals[i].rx + part(totals[i].rx, f), tx: startTotals[i].tx + part(totals[i].tx, f) };
  };

  // the reading times
  const hourlyFrom = t0 - (opts.hourlyDays ?? 7) * DAY;
  const times = new Set<number>();
  // daily at 23:mm, then hourly from 00:mm of hourlyFrom's day: every daily bucket holds 24 h of traffic, the first hourly one 1 h
  const firstHourly = Math.floor(hourlyFrom / DAY) * DAY + minute * MIN;
  for (let t = Math.floor(bounds[0] / DAY) * DAY + 23 * HOUR + minute * MIN; t < firstHourly; t += DAY) times.add(t);
  for (let t = firstHourly; t < t0; t += HOUR) times.add(t);
  for (let i = 1; i <= cycles; i++) times.add(bounds[i] - 10 * MIN);
  const at = [...times].filter((t) => t > bounds[0] && t < t0).sort((x, y) => x - y);

  // the NIC: counting up to the node's baseline at the current cycle's start; before the first
  // reading where that would be below 0 in a direction, a long-running machine (then a reboot)
  const base = { rx: n.state.cycleStartRxBytes, tx: n.state.cycleStartTxBytes };
  const atCs = traffic(cs);
  const late = (t: number) => {
    const x = traffic(t);
    return { rx: base.rx - (atCs.rx - x.rx), tx: base.tx - (atCs.tx - x.tx) };
  };
  let reboot = at.findIndex((t) => {
    const c = late(t);
    return c.rx >= 0n && c.tx >= 0n;
  });
  if (reboot < 0) reboot = at.length;
  const rebootAt = reboot < at.length && reboot > 0 ? at[reboot] : null;
  const nicAt = (t: number, idx: number) => {
    if (idx >= reboot || (idx < 0 && rebootAt !== null && t >= rebootAt) || (idx < 0 && reboot === 0)) return late(t);
    const x = traffic(t);
    return { rx: PRE_REBOOT_BYTES + x.rx, tx: PRE_REBOOT_BYTES + x.tx };
  };

  const cutoff = limitBytes > 0n ? cutoffBytesOf(limitBytes) : null;
  const out: DemoSample[] = [];
  let usedBeforeReboot = 0n;
  at.forEach((t, idx) => {
    const i = cycleOf(t);
    const nic = nicAt(t, idx);
    let state: TrafficState;
    if (i === cycles) {
      state = { ...n.state, lastUsedBytes: null };
    } else {
      // the reboot's cycle: the sidecar folded at boot (baseline 0, prior = used before)
      const folded = rebootAt !== null && idx >= reboot && cycleOf(rebootAt) === i;
      const b = folded ? { rx: 0n, tx: 0n } : nicAt(bounds[i], -1);
      state = { cycleEndUnix: segEnd(i) / 1000, cycleStartRxBytes: b.rx, cycleStartTxBytes: b.tx, priorUsedBytes: folded ? usedBeforeReboot : 0n, lastUsedBytes: null };
    }
    const d = (v: bigint, b: bigint) => (v > b ? v - b : 0n);
    const used = state.priorUsedBytes + combineBytes(mode, d(nic.rx, state.cycleStartRxBytes), d(nic.tx, state.cycleStartTxBytes));
    if (idx + 1 === reboot) usedBeforeReboot = cycleOf(at[reboot]) === i ? used : 0n;
    state.lastUsedBytes = used;
    const cut = cutoff !== null && used >= cutoff;
    out.push({ at: new Date(t), reading: readingOf(n.env, state, { name: "ens5", rxBytes: nic.rx, txBytes: nic.tx }, cut, t) });
  });
  // the hand-over: the node's own traffic.state, as the live meter has it
  const lastUsed = n.state.lastUsedBytes ?? n.state.priorUsedBytes;
  out.push({ at: now, reading: readingOf(n.env, n.state, null, n.cut ?? (cutoff !== null && lastUsed >= cutoff), t0) });
  return out;
}

function readingOf(env: MeterEnv, state: TrafficState, nic: MeterReading["nic"], cut: boolean, t: number): MeterReading {
  return {
    nodeAt: new Date(t),
    dir: "/apps/k2s",
    volume: "",
    sidecar: { status: "running", startedAt: null },
    k2s: { status: cut ? "paused" : "running", paused: cut },
    env,
    metering: true,
    trafficState: state,
    trafficStateProblem: null,
    cut,
    nic,
    reporter: { ok: null, fail: null },
    problems: [],
  };
}
