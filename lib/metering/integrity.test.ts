import { describe, expect, it } from "vitest";
import { BYTES_PER_GIB } from "./cycle";
import { ANNOTATION_BITS, attribute, checkSample, flagsOf, kindsOf, nextRate, type Checked, type Point, type PrevPoint } from "./integrity";

const GIB = BYTES_PER_GIB;
const MIB = 1024n * 1024n;
const END_AUG = Date.UTC(2026, 8, 1) / 1000; // 2026-09-01
const END_SEP = Date.UTC(2026, 9, 1) / 1000;
const t0 = Date.UTC(2026, 7, 20, 12, 0, 0);
const at = (minutes: number) => new Date(t0 + minutes * 60_000);

function point(min: number, o: Partial<Point> & { rx?: bigint; tx?: bigint; used?: bigint | null } = {}): Point {
  return {
    at: at(min),
    nodeAt: at(min),
    nic: o.nic === undefined ? { name: "ens5", rxBytes: o.rx ?? 0n, txBytes: o.tx ?? 0n } : o.nic,
    cycleEndUnix: o.cycleEndUnix === undefined ? END_AUG : o.cycleEndUnix,
    nodeUsedBytes: o.used === undefined ? 0n : o.used,
    mode: o.mode ?? "max",
    reporter: o.reporter,
  };
}

/** a node's sample series through checkSample: what k2ops stores */
function run(points: Point[], opts = {}) {
  let prev: PrevPoint | null = null;
  const out: Checked[] = [];
  for (const p of points) {
    const c = checkSample(prev, p, opts);
    out.push(c);
    if (c.accept) prev = { ...p, usedBytes: c.usedBytes, usedOffsetBytes: c.usedOffsetBytes, cycleRxBytes: c.cycleRxBytes, cycleTxBytes: c.cycleTxBytes };
  }
  const total = (k: "rxDeltaBytes" | "txDeltaBytes") => out.filter((c) => c.accept).reduce((a, c) => a + c[k], 0n);
  return { out, rx: total("rxDeltaBytes"), tx: total("txDeltaBytes"), kinds: out.flatMap((c) => c.annotations.map((a) => a.kind)) };
}

describe("counter integrity between samples", () => {
  it("a steady node: deltas are the counter differences, used is the node's, no annotation", () => {
    const r = run([point(0, { rx: 100n * GIB, tx: 200n * GIB, used: 10n * GIB }), point(5, { rx: 101n * GIB, tx: 203n * GIB, used: 13n * GIB }), point(10, { rx: 102n * GIB, tx: 206n * GIB, used: 16n * GIB })]);
    expect([r.rx, r.tx]).toEqual([2n * GIB, 6n * GIB]);
    expect(r.out.map((c) => c.usedBytes)).toEqual([10n * GIB, 13n * GIB, 16n * GIB]);
    expect(r.kinds).toEqual([]);
    expect(r.out[2]).toMatchObject({ cycleRxBytes: 2n * GIB, cycleTxBytes: 6n * GIB });
  });

  it("a NIC counter that drops inside a cycle (reboot): the restarted counter counts, the node's own used covers what the NIC lost; nothing twice", () => {
    // 3 GiB of tx before the reboot that no sample saw; the sidecar folded it (used continues)
    const r = run([
      point(0, { rx: 100n * GIB, tx: 200n * GIB, used: 10n * GIB }),
      point(5, { rx: 1n * GIB, tx: 2n * GIB, used: 15n * GIB }), // 10 + 3 (lost from the NIC) + max(1, 2)
      point(10, { rx: 2n * GIB, tx: 4n * GIB, used: 17n * GIB }),
    ]);
    expect(r.kinds).toEqual(["nic-reset"]);
    const reset = r.out[1];
    expect([reset.rxDeltaBytes, reset.txDeltaBytes]).toEqual([1n * GIB, 2n * GIB + 3n * GIB]);
    expect(reset.annotations[0].detail).toMatchObject({ attributedBytes: String(3n * GIB), prevRx: String(100n * GIB), rx: String(GIB) });
    // the cycle's traffic under max equals the node's growth: none lost, none doubled
    expect(r.tx).toBe(17n * GIB - 10n * GIB);
    expect(r.out.map((c) => c.usedBytes)).toEqual([10n * GIB, 15n * GIB, 17n * GIB]);
  });

  it("a jump larger than the link could carry is not credited (the node's plausible growth is); the counters re-base after it", () => {
    const link = 125_000_000; // 1 Gbit/s: 5 min ≤ 37.5 GB (41.25 GB with slack)
    const r = run([
      point(0, { rx: 100n * GIB, tx: 200n * GIB, used: 10n * GIB }),
      point(5, { rx: 100n * GIB + 500n * GIB, tx: 201n * GIB, used: 11n * GIB }),
      point(10, { rx: 601n * GIB, tx: 202n * GIB, used: 12n * GIB }),
    ], { linkBytesPerSec: link });
    expect(r.kinds).toEqual(["implausible-jump"]);
    expect(r.out[1]).toMatchObject({ rxDeltaBytes: 0n, txDeltaBytes: 1n * GIB });
    expect(r.out[1].annotations[0].detail).toMatchObject({ rxDelta: String(500n * GIB), elapsedS: 300 });
    expect(r.out[2]).toMatchObject({ rxDeltaBytes: 1n * GIB, txDeltaBytes: 1n * GIB });
    // the node's growth was plausible and above the credited tx: the difference goes to the binding direction
    const grew = run([point(0, { rx: 0n, tx: 0n, used: 0n }), point(5, { rx: 900n * GIB, tx: 2n * GIB, used: 5n * GIB })], { linkBytesPerSec: link });
    expect(grew.out[1]).toMatchObject({ rxDeltaBytes: 0n, txDeltaBytes: 5n * GIB });
  });

  it("a new cycle reported with the previous cycle's counters: only the traffic after the reset counts, and the offset holds for the cycle", () => {
    const reset = (END_AUG * 1000 - t0) / 60_000; // minutes from t0 to the reset
    const before = point(reset - 2, { rx: 500n * GIB, tx: 800n * GIB, used: 900n * GIB });
    // 5 minutes later (3 after the reset): the end moved on, but used kept climbing from 900 GiB
    const after = point(reset + 3, { rx: 500n * GIB + 500n * MIB, tx: 800n * GIB + 1000n * MIB, used: 900n * GIB + 1000n * MIB, cycleEndUnix: END_SEP });
    const later = point(reset + 8, { rx: 501n * GIB, tx: 801n * GIB + 976n * MIB, used: 901n * GIB + 976n * MIB, cycleEndUnix: END_SEP });
    const r = run([before, after, later]);
    expect(r.kinds).toEqual(["stale-cycle-counters"]);
    // 3 of the interval's 5 minutes are after the reset: 600 MiB of the 1000 MiB tx
    expect(r.out[1].usedBytes).toBe(600n * MIB);
    expect(r.out[1].newCycle).toBe(true);
    expect(r.out[1]).toMatchObject({ cycleTxBytes: 600n * MIB });
    const offset = 900n * GIB + 400n * MIB;
    expect(r.out[1].usedOffsetBytes).toBe(offset);
    // the next sample of the same cycle keeps the correction
    expect(r.out[2].usedBytes).toBe(900n * GIB + 1000n * MIB + 976n * MIB + 24n * MIB - offset);
    // all traffic counted once in the rollups (the interval's whole delta), the cycle only what follows the reset
    expect(r.tx).toBe(1n * GIB + 976n * MIB);
  });

  it("a normal rollover restarts used and the cycle's traffic: cycle-reset, no offset", () => {
    const reset = (END_AUG * 1000 - t0) / 60_000;
    const r = run([point(reset - 2, { rx: 500n * GIB, tx: 800n * GIB, used: 900n * GIB }), point(reset + 3, { rx: 500n * GIB + 5n * MIB, tx: 800n * GIB + 10n * MIB, used: 6n * MIB, cycleEndUnix: END_SEP })]);
    expect(r.kinds).toEqual(["cycle-reset"]);
    expect(r.out[1]).toMatchObject({ usedBytes: 6n * MIB, usedOffsetBytes: 0n, cycleTxBytes: 6n * MIB, txDeltaBytes: 10n * MIB });
  });

  it("a retried poll (the same reading again, or an older one) is a duplicate: not stored, counted once", () => {
    const a = point(0, { rx: 1n * GIB, tx: 1n * GIB, used: 1n * GIB });
    const b = point(5, { rx: 2n * GIB, tx: 3n * GIB, used: 3n * GIB });
    const r = run([a, b, { ...b, at: at(6) }, point(4, { rx: 2n * GIB, tx: 3n * GIB, used: 3n * GIB })]);
    expect(r.out.map((c) => c.accept)).toEqual([true, true, false, false]);
    expect(r.kinds).toEqual(["duplicate", "duplicate"]);
    expect([r.rx, r.tx]).toEqual([1n * GIB, 2n * GIB]);
  });

  it("a retried usage report (cycle-fail, then cycle-ok with the same cumulative) adds nothing; a failing reporter is flagged once", () => {
    const ok1 = at(-1);
    const fail = new Date(t0 + 2 * 60_000);
    const ok2 = new Date(t0 + 3 * 60_000);
    const r = run([
      point(0, { rx: 1n * GIB, tx: 1n * GIB, used: 1n * GIB, reporter: { okAt: ok1, failAt: null } }),
      point(5, { rx: 1n * GIB, tx: 1n * GIB, used: 1n * GIB, reporter: { okAt: ok2, failAt: fail, failError: "center HTTP 503" } }),
      point(10, { rx: 1n * GIB, tx: 1n * GIB, used: 1n * GIB, reporter: { okAt: ok2, failAt: fail } }),
      point(15, { rx: 1n * GIB, tx: 1n * GIB, used: 1n * GIB, reporter: { okAt: ok2, failAt: at(14), failError: "POST center: EOF" } }),
    ]);
    expect(r.kinds).toEqual(["report-retried", "reporter-failing"]);
    expect([r.rx, r.tx]).toEqual([0n, 0n]);
    expect(r.out.map((c) => c.usedBytes)).toEqual([1n * GIB, 1n * GIB, 1n * GIB, 1n * GIB]);
  });

  it("used going down inside a cycle is recorded as the node says, the loss annotated; a NIC rename counts the node's growth", () => {
    const r = run([point(0, { rx: 1n * GIB, tx: 1n * GIB, used: 5n * GIB }), point(5, { rx: 1n * GIB, tx: 1n * GIB, used: 4n * GIB })]);
    expect(r.kinds).toEqual(["used-regressed"]);
    expect(r.out[1].usedBytes).toBe(4n * GIB);
    const n = run([point(0, { rx: 1n * GIB, tx: 1n * GIB, used: 5n * GIB }), point(5, { nic: { name: "eth1", rxBytes: 9n * GIB, txBytes: 9n * GIB }, used: 6n * GIB, mode: "sum" })]);
    expect(n.kinds).toEqual(["nic-changed"]);
    expect(n.out[1].rxDeltaBytes + n.out[1].txDeltaBytes).toBe(1n * GIB);
  });

  it("without NIC figures the node's growth is the traffic", () => {
    const r = run([point(0, { nic: null, used: 5n * GIB }), point(5, { nic: null, used: 7n * GIB })]);
    expect(r.out[1]).toMatchObject({ rxDeltaBytes: 0n, txDeltaBytes: 2n * GIB });
  });
});

describe("helpers", () => {
  it("attribution: max → the binding direction; sum → the cycle's ratio", () => {
    expect(attribute("max", 10n, 5n, 9n)).toEqual({ rx: 0n, tx: 10n });
    expect(attribute("max", 10n, 9n, 5n)).toEqual({ rx: 10n, tx: 0n });
    expect(attribute("sum", 10n, 1n, 4n)).toEqual({ rx: 2n, tx: 8n });
    expect(attribute("sum", 11n, 0n, 0n)).toEqual({ rx: 5n, tx: 6n });
  });

  it("flags round-trip; the rate is an exponential average that restarts", () => {
    expect(kindsOf(flagsOf(["nic-reset", "duplicate"]))).toEqual(["nic-reset", "duplicate"]);
    expect(ANNOTATION_BITS["nic-reset"]).toBe(1);
    expect(nextRate(0, 3600n, 3600, { restart: true })).toBe(1);
    const r = nextRate(1, 0n, 6 * 3600);
    expect(r).toBeCloseTo(Math.exp(-1), 6);
    expect(nextRate(5, null, 300)).toBe(5);
  });
});
