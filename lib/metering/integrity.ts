// Counter integrity between two consecutive meter samples of one node (issue
// #13 "Collect"), pure. The node stays the authority on its cycle's `used`
// (its enforcer cuts on it); k2ops derives from each pair of samples:
//   - the traffic in between, per direction (rxDelta/txDelta: the rollups and
//     every re-bucketing of history are sums of these),
//   - the cycle's used as k2ops records it (the node's figure, minus an offset
//     while the node carries the previous cycle's count into a new one),
// and never double-counts or loses usage across:
//   nic-reset            a NIC counter below the previous sample (VM reboot): the
//                        counter restarted at 0, so the delta is the counter itself,
//                        and the usage the node saw before the reboot but the NIC
//                        no longer shows is attributed from the node's own used;
//   implausible-jump     a delta larger than the link could carry in the elapsed
//                        time (another NIC's counters, a glitch): not credited;
//                        the node's used growth is credited instead when plausible;
//   nic-changed          the metered interface changed name: no NIC delta, the
//                        node's used growth attributed;
//   stale-cycle-counters a new cycle (traffic.state end moved on) reported with the
//                        previous cycle's count (used did not restart): only the
//                        traffic after the reset counts, and the node's figure is
//                        corrected by an offset for the rest of that cycle;
//   duplicate            a sample delivered twice or out of order (a retried poll):
//                        not stored, counts nothing;
//   report-retried       the usage reporter failed and retried: its cumulative is
//                        a level, never summed, so a retry adds nothing;
//   reporter-failing     its latest line is a failure (Center got nothing since);
//   used-regressed       the node's used went down inside a cycle (a fold from a
//                        stale last_used, a lowered set-usage): recorded as the node
//                        says, the loss annotated;
//   cycle-reset          the normal rollover (informational).
// Every event becomes an annotation stored with the series.

import { combineBytes, type BillingMode } from "./cycle";

export const ANNOTATION_KINDS = [
  "nic-reset",
  "implausible-jump",
  "nic-changed",
  "stale-cycle-counters",
  "duplicate",
  "report-retried",
  "reporter-failing",
  "used-regressed",
  "cycle-reset",
] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];
/** A sample's `flags`: bit i set = ANNOTATION_KINDS[i] happened at it. */
export const ANNOTATION_BITS: Record<AnnotationKind, number> = Object.fromEntries(ANNOTATION_KINDS.map((k, i) => [k, 1 << i])) as Record<AnnotationKind, number>;
export const flagsOf = (kinds: AnnotationKind[]): number => kinds.reduce((f, k) => f | ANNOTATION_BITS[k], 0);
export const kindsOf = (flags: number): AnnotationKind[] => ANNOTATION_KINDS.filter((k) => flags & ANNOTATION_BITS[k]);

export type Annotation = { kind: AnnotationKind; at: Date; text: string; detail: Record<string, string | number | boolean | null> };

/** 10 Gbit/s in bytes per second: no node link carries more (configurable: K2OPS_METER_LINK_GBPS). */
export const DEFAULT_LINK_BYTES_PER_SEC = 1_250_000_000;

/** One reading as the integrity checks see it. Bytes are bytes; `at` is the console's clock. */
export type Point = {
  at: Date;
  nodeAt: Date | null;
  nic: { name: string; rxBytes: bigint; txBytes: bigint } | null;
  /** traffic.state billing_cycle_end_at (Unix s); null without a state */
  cycleEndUnix: number | null;
  /** what the node says is used now (poll.ts nodeUsed); null when metering is off */
  nodeUsedBytes: bigint | null;
  mode: BillingMode;
  reporter?: { okAt: Date | null; failAt: Date | null; failError?: string | null };
};

/** The previous accepted point with what k2ops derived for it. */
export type PrevPoint = Point & {
  usedBytes: bigint | null;
  usedOffsetBytes: bigint;
  /** the cycle's traffic per direction so far, as k2ops counted it (attribution hint) */
  cycleRxBytes: bigint;
  cycleTxBytes: bigint;
};

export type Checked = {
  /** false: a duplicate; nothing is stored but the annotation */
  accept: boolean;
  rxDeltaBytes: bigint;
  txDeltaBytes: bigint;
  /** the cycle's used as k2ops records it (null when the node has no figure) */
  usedBytes: bigint | null;
  usedOffsetBytes: bigint;
  /** the cycle's per-direction traffic after this sample (restarted at a new cycle) */
  cycleRxBytes: bigint;
  cycleTxBytes: bigint;
  /** the new cycle began inside this interval */
  newCycle: boolean;
  annotations: Annotation[];
};

const s = (b: bigint) => b.toString();
/** how far above the traffic since the reset a new cycle's first figure may be before it counts as the old cycle's (bytes) */
const STALE_SLACK_BYTES = 64n * 1024n * 1024n;
const max0 = (b: bigint) => (b > 0n ? b : 0n);

/**
 * Checks `cur` against `prev` (null for a node's first sample) and derives the
 * interval's traffic and the recorded used (see the file comment for each
 * case). `linkBytesPerSec` bounds a plausible delta (default 10 Gbit/s), with
 * 10 % slack for clock jitter. Pure; never throws.
 */
export function checkSample(prev: PrevPoint | null, cur: Point, opts: { linkBytesPerSec?: number } = {}): Checked {
  const notes: Annotation[] = [];
  const note = (kind: AnnotationKind, text: string, detail: Annotation["detail"] = {}) => notes.push({ kind, at: cur.at, text, detail });
  const reporterNotes = () => {
    const r = cur.reporter;
    if (!r) return;
    const prevFail = prev?.reporter?.failAt?.getTime() ?? 0;
    if (r.failAt && r.failAt.getTime() > prevFail) {
      if (r.okAt && r.okAt > r.failAt) note("report-retried", "the usage reporter failed and retried; its cumulative is a level, so the retry counts nothing twice", { failedAt: r.failAt.toISOString(), okAt: r.okAt.toISOString(), error: r.failError ?? null });
      else note("reporter-failing", `the usage reporter's latest cycle failed: ${r.failError ?? "?"}`, { failedAt: r.failAt.toISOString(), lastOkAt: r.okAt?.toISOString() ?? null });
    }
  };

  if (!prev) {
    reporterNotes();
    return { accept: true, rxDeltaBytes: 0n, txDeltaBytes: 0n, usedBytes: cur.nodeUsedBytes, usedOffsetBytes: 0n, cycleRxBytes: 0n, cycleTxBytes: 0n, newCycle: false, annotations: notes };
  }
  if (cur.at.getTime() <= prev.at.getTime() || (cur.nodeAt && prev.nodeAt && cur.nodeAt.getTime() === prev.nodeAt.getTime())) {
    note("duplicate", "a reading delivered twice or out of order (a retried poll): not stored, counted once", { previousAt: prev.at.toISOString(), nodeAt: cur.nodeAt?.toISOString() ?? null });
    return { accept: false, rxDeltaBytes: 0n, txDeltaBytes: 0n, usedBytes: prev.usedBytes, usedOffsetBytes: prev.usedOffsetBytes, cycleRxBytes: prev.cycleRxBytes, cycleTxBytes: prev.cycleTxBytes, newCycle: false, annotations: notes };
  }
  reporterNotes();

  // the node's clock measured the interval the counters grew in; the console's when the node's is unknown or went back
  const nodeMs = cur.nodeAt && prev.nodeAt ? cur.nodeAt.getTime() - prev.nodeAt.getTime() : 0;
  const elapsedS = Math.max(0.001, (nodeMs > 0 ? nodeMs : cur.at.getTime() - prev.at.getTime()) / 1000);
  const cap = BigInt(Math.ceil((opts.linkBytesPerSec ?? DEFAULT_LINK_BYTES_PER_SEC) * elapsedS * 1.1));
  const sameCycle = cur.cycleEndUnix === prev.cycleEndUnix;
  const newCycle = cur.cycleEndUnix !== null && prev.cycleEndUnix !== null && cur.cycleEndUnix > prev.cycleEndUnix;
  // the node's used growth over the interval, when both figures are of the same cycle
  const nodeGrowth = sameCycle && cur.nodeUsedBytes !== null && prev.nodeUsedBytes !== null ? cur.nodeUsedBytes - prev.nodeUsedBytes : null;

  // ---- the NIC delta, per direction
  let rx = 0n;
  let tx = 0n;
  let unattributed = 0n; // combined bytes the NIC does not show but the node's used does
  if (cur.nic && prev.nic) {
    if (cur.nic.name !== prev.nic.name) {
      note("nic-changed", `the metered interface changed from ${prev.nic.name} to ${cur.nic.name}: no counter delta across it`, { from: prev.nic.name, to: cur.nic.name });
      if (nodeGrowth !== null && nodeGrowth > 0n && nodeGrowth <= cap) unattributed = nodeGrowth;
    } else {
      const reset = cur.nic.rxBytes < prev.nic.rxBytes || cur.nic.txBytes < prev.nic.txBytes;
      rx = cur.nic.rxBytes < prev.nic.rxBytes ? cur.nic.rxBytes : cur.nic.rxBytes - prev.nic.rxBytes;
      tx = cur.nic.txBytes < prev.nic.txBytes ? cur.nic.txBytes : cur.nic.txBytes - prev.nic.txBytes;
      if (rx > cap || tx > cap) {
        note("implausible-jump", `a counter moved ${s(rx > tx ? rx : tx)} bytes in ${elapsedS.toFixed(0)} s, more than the link could carry: not credited`, { rxDelta: s(rx), txDelta: s(tx), elapsedS: Math.round(elapsedS), capBytes: s(cap), nodeGrowth: nodeGrowth === null ? null : s(nodeGrowth) });
        if (rx > cap) rx = 0n;
        if (tx > cap) tx = 0n;
        if (nodeGrowth !== null && nodeGrowth > 0n && nodeGrowth <= cap) unattributed = max0(nodeGrowth - combineBytes(cur.mode, rx, tx));
      } else if (reset) {
        const missing = nodeGrowth === null ? 0n : max0(nodeGrowth - combineBytes(cur.mode, rx, tx));
        unattributed = missing <= cap ? missing : 0n;
        note("nic-reset", "a NIC counter went down (VM reboot): the counters restarted at 0; the node's own used covers what the NIC lost", { prevRx: s(prev.nic.rxBytes), prevTx: s(prev.nic.txBytes), rx: s(cur.nic.rxBytes), tx: s(cur.nic.txBytes), attributedBytes: s(unattributed) });
      }
    }
  } else if (nodeGrowth !== null && nodeGrowth > 0n && nodeGrowth <= cap) {
    // no NIC figures (unreadable): the node's own growth is the traffic
    unattributed = nodeGrowth;
  }
  if (unattributed > 0n) {
    const a = attribute(cur.mode, unattributed, prev.cycleRxBytes + rx, prev.cycleTxBytes + tx);
    rx += a.rx;
    tx += a.tx;
  }

  // ---- the cycle's used as recorded
  let offset = sameCycle ? prev.usedOffsetBytes : 0n;
  let cycleRx = sameCycle ? prev.cycleRxBytes + rx : 0n;
  let cycleTx = sameCycle ? prev.cycleTxBytes + tx : 0n;
  if (newCycle) {
    // only the part of the interval after the reset belongs to the new cycle
    const reset = prev.cycleEndUnix! * 1000;
    const span = cur.at.getTime() - prev.at.getTime();
    const share = span > 0 ? Math.min(1, Math.max(0, (cur.at.getTime() - reset) / span)) : 1;
    cycleRx = scale(rx, share);
    cycleTx = scale(tx, share);
    const fresh = cur.nodeUsedBytes !== null && prev.nodeUsedBytes !== null ? (cur.nic && prev.nic ? combineBytes(cur.mode, cycleRx, cycleTx) : scale(max0(cur.nodeUsedBytes - prev.nodeUsedBytes), share)) : null;
    // the count did not restart: at least the previous cycle's figure, and more than the traffic since the reset (64 MiB slack)
    const carried = fresh !== null && prev.nodeUsedBytes! > 0n && cur.nodeUsedBytes! >= prev.nodeUsedBytes! && cur.nodeUsedBytes! > fresh + STALE_SLACK_BYTES;
    if (carried) {
      offset = cur.nodeUsedBytes! - fresh!;
      note("stale-cycle-counters", `a new cycle (end ${iso(cur.cycleEndUnix!)}) reported with the previous cycle's count: recorded from the reset on`, { nodeUsed: s(cur.nodeUsedBytes!), previousUsed: s(prev.nodeUsedBytes!), recorded: s(fresh!), offset: s(offset) });
    } else {
      note("cycle-reset", `billing cycle reset: ${iso(prev.cycleEndUnix!)} → ${iso(cur.cycleEndUnix!)}`, { oldEnd: prev.cycleEndUnix!, newEnd: cur.cycleEndUnix! });
    }
  } else if (!sameCycle && cur.cycleEndUnix !== null && prev.cycleEndUnix !== null) {
    // the end moved back: the billing day changed (the sidecar re-anchored)
    note("cycle-reset", `the cycle changed: end ${iso(prev.cycleEndUnix)} → ${iso(cur.cycleEndUnix)} (billing day changed)`, { oldEnd: prev.cycleEndUnix, newEnd: cur.cycleEndUnix });
  }
  if (sameCycle && nodeGrowth !== null && nodeGrowth < 0n) {
    note("used-regressed", `the node's used went down by ${s(-nodeGrowth)} bytes inside the cycle (a fold from a stale figure, or a lower set-usage)`, { from: s(prev.nodeUsedBytes!), to: s(cur.nodeUsedBytes!), lostBytes: s(-nodeGrowth) });
  }
  let used: bigint | null = null;
  if (cur.nodeUsedBytes !== null) {
    // the node has corrected itself (re-anchored below the offset): its figure again
    if (cur.nodeUsedBytes < offset) offset = 0n;
    used = cur.nodeUsedBytes - offset;
  }
  return { accept: true, rxDeltaBytes: rx, txDeltaBytes: tx, usedBytes: used, usedOffsetBytes: offset, cycleRxBytes: cycleRx, cycleTxBytes: cycleTx, newCycle, annotations: notes };
}

/**
 * Bytes the node's used shows but the NIC does not, split into directions:
 * under max all of it to the binding (larger) direction of the cycle so far
 * (that is the direction max() grew by); under sum in the cycle's rx:tx ratio
 * (half each without history).
 */
export function attribute(mode: BillingMode, bytes: bigint, cycleRx: bigint, cycleTx: bigint): { rx: bigint; tx: bigint } {
  if (mode === "max") return cycleRx > cycleTx ? { rx: bytes, tx: 0n } : { rx: 0n, tx: bytes };
  const total = cycleRx + cycleTx;
  const rx = total > 0n ? (bytes * cycleRx) / total : bytes / 2n;
  return { rx, tx: bytes - rx };
}

function scale(b: bigint, share: number): bigint {
  if (share >= 1) return b;
  if (share <= 0) return 0n;
  return (b * BigInt(Math.round(share * 1_000_000))) / 1_000_000n;
}

const iso = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

/**
 * The exponentially weighted rate of used (bytes/s) after an interval:
 * `prevRate` decays with time constant `tauS` (default 6 h) toward the
 * interval's own rate; a new cycle or a falling used restarts from the
 * interval (0 when it fell).
 */
export function nextRate(prevRate: number, usedGrowthBytes: bigint | null, elapsedS: number, opts: { tauS?: number; restart?: boolean } = {}): number {
  if (usedGrowthBytes === null || elapsedS <= 0) return prevRate;
  const r = Math.max(0, Number(usedGrowthBytes) / elapsedS);
  if (opts.restart) return r;
  const alpha = 1 - Math.exp(-elapsedS / (opts.tauS ?? 6 * 3600));
  return prevRate + alpha * (r - prevRate);
}
