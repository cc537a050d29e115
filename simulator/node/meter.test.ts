import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cycleEnd, normalizeBillingMode, parseBillingDate, usedBytesOf } from "@/lib/metering/cycle";
import { CUT_USED_BYTES, meterNodeEnv, rxShareOf } from "./meter-init";
import type { NodeSpec } from "./fleet";

// The simulated meter's arithmetic (shims/_meter.sh) against a TypeScript reference of the
// real sidecar's rules, transcribed from docker/sidecar/sidecar/traffic.go and main.go. The
// pure rules (calculateNextCycleEnd, normalizeBillingMode, computeUsedLocked, time.Parse of
// the billing date) are the product's own (lib/metering/cycle.ts, tested there against an
// independent oracle of Go's time.Date); NewTrafficMonitor's baseline decision,
// checkAndResetCycle, SetUsage/runSetUsage and saveTrafficState are transcribed here.
// The bash side runs in ONE process per batch.

const METER_SH = path.join(import.meta.dirname, "shims", "_meter.sh");
const GIB = 1073741824n;

// ---- the reference (Go rules) ----------------------------------------------------------------

/** calculateNextCycleEnd in Unix s (lib/metering/cycle.ts) */
const goCycleEnd = (day: number, nowMs: number): number => cycleEnd(day, new Date(nowMs)).getTime() / 1000;

/** normalizeBillingMode (lib/metering/cycle.ts): trim + lowercase; "" → max; an unknown non-empty value → sum, with the ERROR line. */
const goMode = normalizeBillingMode;

type TState = { end: bigint; srx: bigint; stx: bigint; prior: bigint; last: bigint };
const zero = (): TState => ({ end: 0n, srx: 0n, stx: 0n, prior: 0n, last: 0n });

/** computeUsedLocked (lib/metering/cycle.ts usedBytesOf) */
function goUsed(mode: "sum" | "max", rx: bigint, tx: bigint, s: TState): bigint {
  return usedBytesOf(mode, { rxBytes: rx, txBytes: tx }, { cycleStartRxBytes: s.srx, cycleStartTxBytes: s.stx, priorUsedBytes: s.prior }).usedBytes;
}

/** saveTrafficState: json.Marshal of trafficState (declaration order, compact, no newline) */
const goStateJson = (s: TState) => `{"billing_cycle_end_at":${s.end},"cycle_start_rx":${s.srx},"cycle_start_tx":${s.stx},"prior_used_bytes":${s.prior},"last_used_bytes":${s.last}}`;

/** loadTrafficState: json.Unmarshal into the zero value; a missing/corrupt file is the zero state */
function goLoadState(file: string | null): TState {
  if (file === null) return zero();
  try {
    const j = JSON.parse(file) as Record<string, unknown>;
    const n = (k: string) => (typeof j[k] === "number" && (j[k] as number) >= 0 ? BigInt(j[k] as number) : 0n);
    return { end: n("billing_cycle_end_at"), srx: n("cycle_start_rx"), stx: n("cycle_start_tx"), prior: n("prior_used_bytes"), last: n("last_used_bytes") };
  } catch {
    return zero();
  }
}

type Line = string; // "LEVEL msg attrs" (slog's msg and attributes, in Go's order)
/** NewTrafficMonitor after its date check: the lines it logs, the state it keeps, what it persisted (null = nothing). */
function goNewMonitor(o: { bill: string; limitGb: number; usedGb: number; mode: string; nowMs: number; rx: bigint; tx: bigint; file: string | null }) {
  const lines: Line[] = [];
  const m = goMode(o.mode);
  if (m.unknown) lines.push(`ERROR Unknown traffic billing mode — falling back to fail-closed 'sum' component=traffic configured=${slogValue(o.mode)}`);
  lines.push(`INFO Detected primary interface component=traffic interface=ens5 totalBytes=${o.rx + o.tx}`);
  const day = Number(o.bill.slice(8, 10));
  const end = BigInt(goCycleEnd(day, o.nowMs));
  const st = goLoadState(o.file);
  const hasBaseline = st.srx > 0n || st.stx > 0n || st.prior > 0n;
  let s: TState;
  let saved: string | null = null;
  let branch: string;
  if (st.end === end && hasBaseline) {
    s = { ...st, end };
    branch = "restore";
    lines.push(`INFO Traffic cycle baseline restored from state component=traffic cycleStartRx=${s.srx} cycleStartTx=${s.stx} priorUsedBytes=${s.prior}`);
    if (!(o.rx >= s.srx && o.tx >= s.stx)) {
      branch = "fold";
      lines.push(`WARN NIC counter reset detected (VM reboot?) — folding last known usage into baseline component=traffic rx=${o.rx} tx=${o.tx} cycleStartRx=${s.srx} cycleStartTx=${s.stx} foldedUsedBytes=${s.last}`);
      s = { ...s, prior: s.last, srx: o.rx, stx: o.tx };
      saved = goStateJson(s);
    }
  } else if (st.end === 0n && o.usedGb > 0) {
    branch = "seed";
    const prior = BigInt(o.usedGb) * GIB;
    s = { end, srx: o.rx, stx: o.tx, prior, last: prior };
    saved = goStateJson(s);
    lines.push(`INFO Traffic baseline SEEDED from initialUsedGB (first boot) component=traffic initialUsedGB=${o.usedGb} cycleStartRx=${o.rx} cycleStartTx=${o.tx}`);
  } else {
    branch = "anchor";
    s = { end, srx: o.rx, stx: o.tx, prior: 0n, last: 0n };
    saved = goStateJson(s);
  }
  lines.push(`INFO Traffic monitor initialized component=traffic interface=ens5 billingDate=${o.bill} limitGB=${o.limitGb} billingMode=${m.mode} rx=${o.rx} tx=${o.tx}`);
  return { lines, state: s, mode: m.mode, saved, branch };
}

/** slog TextHandler: a value is quoted (strconv.Quote) when empty or holding a space, '=', '"' or a control character */
function slogValue(v: string): string {
  return v !== "" && !/[\s=""\p{Cc}]/u.test(v) ? v : JSON.stringify(v);
}

/** time.Parse("2006-01-02", v) error text, "" when valid (lib/metering/cycle.ts parseBillingDate) */
function goParseDateErr(v: string): string {
  const r = parseBillingDate(v);
  return r.ok ? "" : r.error;
}

// ---- the bash side ---------------------------------------------------------------------------

/** Runs `body` in one bash with _meter.sh sourced (stubs for _lib.sh's log and clock), CFG in a fresh temp dir. */
function bash(body: string, input = ""): { out: string; cfg: string } {
  const cfg = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-meter-"));
  const script = [
    `K2SIM=${JSON.stringify(cfg)}; CFG=${JSON.stringify(cfg)}; CLOCK_OFFSET_MS=0; TIME_SCALE=12; IP=203.0.113.10; COUNTRY=JP; DOMAIN=203-0-113-10.sslip.io; NET_BROKEN=0`,
    `declare -A C_STATE C_ENV C_CREATED C_BILL C_LIMIT`,
    `slog_at() { printf 'LOG %s %s%s\\n' "$2" "$3" "\${4:+ $4}"; }`,
    `slog() { slog_at 0 "$@"; }`,
    `ts() { echo 2026-01-01T00:00:00.000Z; }`,
    `load() { :; }`,
    `. ${JSON.stringify(METER_SH)}`,
    `mono() { MONO=$FAKE_MONO; }`,
    body,
  ].join("\n");
  const r = spawnSync("bash", ["-c", script], { input, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bash exited ${r.status}: ${r.stderr}`);
  return { out: r.stdout, cfg };
}

/** a bash word for any string (ANSI-C quoting: control characters survive) */
const shq = (v: string) => "$'" + [...v].map((c) => (c === "\\" || c === "'" ? "\\" + c : c.charCodeAt(0) < 32 ? "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0") : c)).join("") + "'";

const MONTH_START = (y: number, m: number) => Date.UTC(y, m - 1, 1);

describe("cycle end (calculateNextCycleEnd) for billing day 1-31 x every month length", () => {
  it("matches Go's time.Date normalisation and AddDate at every edge of every month, leap years included", () => {
    const cases: [number, number][] = [];
    for (const y of [2000, 2024, 2026, 2100]) {
      for (let m = 1; m <= 12; m++) {
        const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
        for (let d = 1; d <= 31; d++) {
          const dayStart = Date.UTC(y, m - 1, d); // normalised: day 31 of a 30-day month is the next 1st
          for (const now of [MONTH_START(y, m), MONTH_START(y, m) + 1, dayStart - 1, dayStart, dayStart + 1, Date.UTC(y, m - 1, 15, 12), Date.UTC(y, m - 1, last, 23, 59, 59, 999)]) cases.push([d, now]);
        }
      }
    }
    const { out } = bash(`mapfile -t L; o=(); for l in "\${L[@]}"; do cycle_end "\${l% *}" "\${l#* }"; o+=("$CEND"); done; printf "%s\\n" "\${o[@]}"`, cases.map(([d, n]) => `${d} ${n}`).join("\n") + "\n");
    const got = out.trim().split("\n").map(Number);
    expect(got).toHaveLength(cases.length);
    const wrong = cases.map(([d, n], i) => ({ d, now: new Date(n).toISOString(), got: got[i], want: goCycleEnd(d, n) })).filter((c) => c.got !== c.want);
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("the issue's cases: day 31 on Nov 30 → Dec 1; day 31 on Jan 31 after midnight → Mar 3 (Mar 2 in a leap year)", () => {
    const cases: [number, string, string][] = [
      [31, "2026-11-30T12:00:00Z", "2026-12-01T00:00:00Z"],
      [31, "2027-01-31T12:00:00Z", "2027-03-03T00:00:00Z"],
      [31, "2028-01-31T12:00:00Z", "2028-03-02T00:00:00Z"],
      [31, "2027-01-31T00:00:00Z", "2027-01-31T00:00:00Z"],
      [30, "2027-02-15T00:00:00Z", "2027-03-02T00:00:00Z"],
      [29, "2028-02-29T00:00:00.001Z", "2028-03-29T00:00:00Z"],
      [1, "2026-08-22T00:00:00Z", "2026-09-01T00:00:00Z"],
      [10, "2026-08-22T00:00:00Z", "2026-09-10T00:00:00Z"],
    ];
    const { out } = bash(cases.map(([d, n]) => `cycle_end ${d} ${Date.parse(n)}; echo $CEND`).join("\n"));
    expect(out.trim().split("\n").map((s) => new Date(Number(s) * 1000).toISOString().replace(".000", ""))).toEqual(cases.map((c) => c[2]));
    for (const [d, n, want] of cases) expect(goCycleEnd(d, Date.parse(n))).toBe(Date.parse(want) / 1000);
  });

  it("the rollover's dates print as 2006-01-02 (ymd): every day of 2024-2030, every month's first and last day of 1970-2100", () => {
    const days: number[] = [];
    for (let d = Date.UTC(2024, 0, 1) / 86400_000; d < Date.UTC(2031, 0, 1) / 86400_000; d++) days.push(d);
    for (let y = 1970; y <= 2100; y++) for (let m = 0; m < 12; m++) days.push(Date.UTC(y, m, 1) / 86400_000, Date.UTC(y, m + 1, 0) / 86400_000);
    const { out } = bash(`mapfile -t L; o=(); for s in "\${L[@]}"; do ymd "$s"; o+=("$YMD"); done; printf "%s\\n" "\${o[@]}"`, days.map((d) => String(d * 86400 + 3600)).join("\n") + "\n");
    const got = out.trim().split("\n");
    const wrong = days.filter((d, i) => got[i] !== new Date(d * 86400_000).toISOString().slice(0, 10));
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});

describe("billing mode and usage (normalizeBillingMode, computeUsedLocked)", () => {
  const modes = ["", "max", "MAX", "sum", " Sum ", "SUM\t", "bogus", "foo", " max", "summ"];
  it("normalizes as Go does: trimmed, lowercased, empty → max, unknown → sum flagged for the ERROR line", () => {
    const { out } = bash(modes.map((m) => `norm_mode ${shq(m)}; echo "$MODE $UNKNOWN"`).join("\n"));
    expect(out.trim().split("\n")).toEqual(modes.map((m) => `${goMode(m).mode} ${goMode(m).unknown ? 1 : 0}`));
  });

  it("sum = rx+tx deltas, max = the larger, each clamped at 0, plus the prior floor", () => {
    const cases: [string, bigint, bigint, TState][] = [];
    const states: TState[] = [
      { end: 1n, srx: 1000n, stx: 1000n, prior: 0n, last: 0n },
      { end: 1n, srx: 40113307721n, stx: 42020044193n, prior: 0n, last: 0n },
      { end: 1n, srx: 5000n, stx: 100n, prior: 987842478080n, last: 0n },
    ];
    for (const mode of ["sum", "max"]) for (const s of states) for (const [rx, tx] of [[1300n, 1900n], [48213307721n, 51320044193n], [0n, 0n], [6000n, 50n], [4000n, 9_000_000_000n]] as [bigint, bigint][]) cases.push([mode, rx, tx, s]);
    const { out } = bash(cases.map(([mode, rx, tx, s]) => `M_MODE=${mode} M_SRX=${s.srx} M_STX=${s.stx} M_PRIOR=${s.prior}; used_of ${rx} ${tx}; echo $USED`).join("\n"));
    expect(out.trim().split("\n")).toEqual(cases.map(([mode, rx, tx, s]) => String(goUsed(mode as "sum" | "max", rx, tx, s))));
    // the example: (48213307721−40113307721)+(51320044193−42020044193) = 17.4 GB in sum, 9.3 GB in max
    expect(goUsed("sum", 48213307721n, 51320044193n, states[1])).toBe(17400000000n);
    expect(goUsed("max", 48213307721n, 51320044193n, states[1])).toBe(9300000000n);
  });

  it("the NIC counts only while k2s runs: bookings at container changes, reads of the recent past, a catch-up's pause rewriting what a later booking assumed", () => {
    // the true timeline (ms after t0): k2s runs [0, 1200], paused [1200, 3500] (the enforcer's catch-up decided it at 1200,
    // after a health flip had booked up to 3000 as running), runs again from 3500
    const t0 = 1_800_000_000_000;
    const on: [number, number][] = [[0, 1200], [3500, Infinity]];
    const run = (t: number) => on.reduce((s, [a, b]) => s + Math.max(0, Math.min(t, b) - a), 0);
    const R = { rx: 1_000_003, tx: 2_999_999 }; // bytes per real second
    const nic = (t: number) => `${5_000_000_000 + Math.floor((run(t) * R.rx) / 1000)} ${7_000_000_000 + Math.floor((run(t) * R.tx) / 1000)}`;
    const q = [0, 500, 1199, 1200, 2000, 3000, 3499, 3500, 4000, 9000];
    const { out } = bash(
      [
        `NIC_RX0=5000000000 NIC_TX0=7000000000 RX_PER_S=${R.rx} TX_PER_S=${R.tx} N_RUN=0 N_AT=${t0} NH_T=() NH_R=() NH_ON=()`,
        `C_STATE[k2s]=running; METER_BUSY=1`,
        `NIC_T=${t0 + 3000} nic_sync # a health flip of the sidecar: k2s still running as far as anyone knew`,
        `NIC_T=${t0 + 1200} nic_sync; C_STATE[k2s]=paused # the catch-up pauses k2s at 1200`,
        `NIC_T=${t0 + 3500} nic_sync; C_STATE[k2s]=running # docker unpause k2s`,
        `nic_flag; for t in ${q.map((x) => t0 + x).join(" ")}; do nic_at $t; echo "$RX $TX"; done`,
      ].join("\n"),
    );
    expect(out.trim().split("\n")).toEqual(q.map(nic));
  });

  it("a node's direction mix: sum reads usedBytes at start, and the binding direction under max differs between nodes", () => {
    const spec = (ip: string, o: Partial<NodeSpec> = {}): NodeSpec => ({ ip, name: "n", country: "JP", region: "r", scenario: "healthy", secret: "s", centerUrl: "http://c", ...o });
    const binds = new Set<string>();
    for (const ip of ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]) {
      const e = meterNodeEnv(spec(ip));
      const drx = Number(e.NIC_RX0) - Number(e.STATE_RX0);
      const dtx = Number(e.NIC_TX0) - Number(e.STATE_TX0);
      expect(drx + dtx).toBe(17_400_000_000);
      expect(Number(e.RX_PER_S) + Number(e.TX_PER_S)).toBe(Number(e.RATE_PER_S));
      // counters and rates lean the same way: the binding direction holds as traffic grows
      expect(Math.sign(drx - dtx)).toBe(Math.sign(Number(e.RX_PER_S) - Number(e.TX_PER_S)));
      binds.add(drx > dtx ? "rx" : "tx");
    }
    expect([...binds].sort()).toEqual(["rx", "tx"]);
    const cut = meterNodeEnv(spec("127.0.0.5", { scenario: "cut", rxShare: 0.3 }));
    expect(Number(cut.NIC_RX0) - Number(cut.STATE_RX0) + Number(cut.NIC_TX0) - Number(cut.STATE_TX0)).toBe(CUT_USED_BYTES);
    expect(rxShareOf(spec("127.0.0.6", { rxShare: 0.3 }))).toBe(0.3);
    expect(() => rxShareOf(spec("127.0.0.6", { rxShare: 1.5 }))).toThrow(/rxShare/);
  });
});

describe("the TrafficMonitor's start (restore, SEED, anchor), rollover and set-usage", () => {
  const NOW = Date.parse("2026-11-20T08:00:00.000Z");
  const END = BigInt(goCycleEnd(1, NOW)); // 2026-12-01
  const RX = 48213307721n;
  const TX = 51320044193n;
  const ok = (s: TState) => goStateJson(s);
  const cases: { name: string; bill: string; usedGb: number; mode: string; file: string | null; rx?: bigint }[] = [
    { name: "no state, no seed → anchor (usage 0), persisted", bill: "2026-01-01", usedGb: 0, mode: "sum", file: null },
    { name: "no state + K2_NODE_TRAFFIC_USED_GB → SEEDED", bill: "2026-01-01", usedGb: 250, mode: "sum", file: null },
    { name: "state of this cycle → restored (the seed is not re-applied)", bill: "2026-01-01", usedGb: 250, mode: "max", file: ok({ end: END, srx: 40113307721n, stx: 42020044193n, prior: 5n * GIB, last: 17400000000n }) },
    { name: "a pure seed (prior only) counts as a baseline", bill: "2026-01-01", usedGb: 0, mode: "sum", file: ok({ end: END, srx: 0n, stx: 0n, prior: 7n * GIB, last: 7n * GIB }) },
    { name: "state of another cycle (the billing day changed) → anchor at 0, no seed", bill: "2026-01-15", usedGb: 250, mode: "sum", file: ok({ end: END, srx: 1n, stx: 1n, prior: 0n, last: 9n }) },
    { name: "state of a past cycle → anchor", bill: "2026-01-01", usedGb: 0, mode: "sum", file: ok({ end: END - 2592000n, srx: 1n, stx: 1n, prior: 0n, last: 9n }) },
    { name: "legacy file (no per-direction baseline) → anchor", bill: "2026-01-01", usedGb: 0, mode: "sum", file: `{"billing_cycle_end_at":${END},"cycle_start_bytes":123}` },
    { name: "corrupt file → zero state → seed", bill: "2026-01-01", usedGb: 3, mode: "sum", file: `{"billing_cycle_end_at":` },
    { name: "baseline above the NIC (VM reboot) → restored, then folded", bill: "2026-01-01", usedGb: 0, mode: "sum", file: ok({ end: END, srx: 90000000000n, stx: 1n, prior: 0n, last: 31n * GIB }) },
    { name: "unknown mode → ERROR line, sum", bill: "2026-01-01", usedGb: 0, mode: " Foo", file: null },
    { name: "empty mode → max", bill: "2026-01-31", usedGb: 0, mode: "", file: null },
  ];

  it.each(cases)("$name", (c) => {
    const want = goNewMonitor({ bill: c.bill, limitGb: 1000, usedGb: c.usedGb, mode: c.mode, nowMs: NOW, rx: c.rx ?? RX, tx: TX, file: c.file });
    const setup = c.file === null ? "" : `printf '%s' ${shq(c.file)} > "$CFG/traffic.state"`;
    const { out, cfg } = bash(
      [
        setup,
        `N_RUN=0 N_AT=0 NIC_ON=0 NIC_RX0=${c.rx ?? RX} NIC_TX0=${TX}`,
        `MLOG=slog tm_new ${c.bill} 1000 ${c.usedGb} ${shq(c.mode)} ${NOW}`,
        `echo "STATE $M_END $M_SRX $M_STX $M_PRIOR $M_LAST $M_MODE"`,
      ].join("\n"),
    );
    const lines = out.trim().split("\n");
    expect(lines.filter((l) => l.startsWith("LOG ")).map((l) => l.slice(4))).toEqual(want.lines);
    const s = want.state;
    expect(lines.at(-1)).toBe(`STATE ${s.end} ${s.srx} ${s.stx} ${s.prior} ${s.last} ${want.mode}`);
    const file = fs.existsSync(path.join(cfg, "traffic.state")) ? fs.readFileSync(path.join(cfg, "traffic.state"), "utf8") : null;
    expect(file).toBe(want.saved ?? c.file);
  });

  it("bad billing dates fail as time.Parse does (the monitor is not created)", () => {
    const dates = ["2026-13-01", "2026-02-30", "2026-00-10", "2026-04-31", "2026/01/01", "26-01-01", "2026-1-01", "2026-01-1", "2026-01-01x", "2026-01-00", "", "abcd-ef-gh", "2024-02-29", "2100-02-29"];
    const { out } = bash(dates.map((d) => `parse_bill ${shq(d)}; echo "ERR=$PB_ERR"`).join("\n"));
    expect(out.trim().split("\n")).toEqual(dates.map((d) => `ERR=${goParseDateErr(d)}`));
  });

  it("rollover (checkAndResetCycle): the first read after the end re-anchors (prior 0, last 0), persists and logs the reset", () => {
    // a cut node on its last day: usage over the cutoff, prior from set-usage
    const st: TState = { end: END, srx: 40113307721n, stx: 42020044193n, prior: 920n * GIB, last: 0n };
    const at = (Number(END) + 1) * 1000 + 250; // the first poll whose second is past the end
    const rx = 48213307721n;
    const tx = 51320044193n;
    const newEnd = BigInt(goCycleEnd(1, at));
    const want = { end: newEnd, srx: rx, stx: tx, prior: 0n, last: 0n };
    const { out, cfg } = bash(
      [
        `M_DAY=1 M_MODE=sum M_END=${st.end} M_SRX=${st.srx} M_STX=${st.stx} M_PRIOR=${st.prior} M_LAST=${st.last} M_LP=${at - 1000}`,
        `N_RUN=0 N_AT=0 NIC_ON=0 NIC_RX0=${rx} NIC_TX0=${tx}`,
        `stats_at ${Number(END) * 1000 + 999}; echo "BEFORE $M_END $USED"`,
        `stats_at ${at}; echo "AFTER $M_END $M_SRX $M_STX $M_PRIOR $M_LAST $USED"`,
      ].join("\n"),
    );
    const lines = out.trim().split("\n");
    expect(lines[0]).toBe(`BEFORE ${END} ${goUsed("sum", rx, tx, st)}`); // END itself is still the old cycle (now.Unix() <= end)
    expect(lines[1]).toBe("LOG INFO Billing cycle reset component=traffic oldEnd=2026-12-01 newEnd=2027-01-01 cycleStartRx=48213307721 cycleStartTx=51320044193");
    expect(lines[2]).toBe(`AFTER ${newEnd} ${rx} ${tx} 0 0 0`);
    expect(fs.readFileSync(path.join(cfg, "traffic.state"), "utf8")).toBe(goStateJson(want));
  });

  it("the running meter persists at most once a (scaled) minute; the usage it keeps is the live one", () => {
    const st: TState = { end: END, srx: 1000n, stx: 1000n, prior: 0n, last: 0n };
    const t0 = NOW;
    const { out, cfg } = bash(
      [
        `M_DAY=1 M_MODE=max M_END=${st.end} M_SRX=1000 M_STX=1000 M_PRIOR=0 M_LAST=0 M_LP=0`,
        `N_RUN=0 N_AT=${t0} NIC_ON=1 NIC_RX0=1000 NIC_TX0=1000 RX_PER_S=1000 TX_PER_S=3000`,
        `stats_at ${t0 + 1000}; cat "$CFG/traffic.state"; echo`,
        `stats_at ${t0 + 3000}; cat "$CFG/traffic.state"; echo " $M_LAST"`,
        `stats_at ${t0 + 6001}; cat "$CFG/traffic.state"; echo`,
      ].join("\n"),
    );
    const l = out.trim().split("\n");
    // 60 s / TIME_SCALE 12 = 5 s between persists; max(rxΔ, txΔ) = the tx delta (3000/s)
    expect(l[0]).toBe(goStateJson({ ...st, last: 3000n }));
    expect(l[1]).toBe(goStateJson({ ...st, last: 3000n }) + " 9000");
    expect(l[2]).toBe(goStateJson({ ...st, last: 18003n }));
    expect(cfg).toBeTruthy();
  });

  it("set-usage (runSetUsage): its own monitor over traffic.state, then SetUsage: prior = GB GiB anchored at the live NIC", () => {
    const file = goStateJson({ end: END, srx: 40113307721n, stx: 42020044193n, prior: 0n, last: 17400000000n });
    const runs: { gb: string; mode: string; code: number; err?: string }[] = [
      { gb: "920", mode: "sum", code: 0 },
      { gb: "+7", mode: "MAX", code: 0 },
      { gb: "0", mode: "", code: 0 },
      { gb: "-0", mode: "sum", code: 0 },
      { gb: "12", mode: "bogus", code: 0 },
      { gb: "-3", mode: "sum", code: 1, err: "arg=-3" },
      { gb: "1.5", mode: "sum", code: 1, err: "arg=1.5" },
      { gb: "set-usage", mode: "sum", code: 1, err: 'arg=""' },
      { gb: "99999999999999999999", mode: "sum", code: 1, err: "arg=99999999999999999999" },
    ];
    for (const r of runs) {
      const { out, cfg } = bash(
        [
          `printf '%s' '${file}' > "$CFG/traffic.state"`,
          `C_ENV[k2-sidecar|K2_NODE_BILLING_START_DATE]=2026-01-01 C_ENV[k2-sidecar|K2_NODE_TRAFFIC_LIMIT_GB]=1000 C_ENV[k2-sidecar|K2_NODE_TRAFFIC_BILLING_MODE]=${shq(r.mode)}`,
          `N_RUN=0 N_AT=0 NIC_RX0=${RX} NIC_TX0=${TX} FAKE_MONO=${NOW}`,
          `meter_set_usage ${shq(r.gb)} 2>&1; echo "RC=$?"`,
        ].join("\n"),
      );
      const lines = out.trim().split("\n").map((l) => l.replace(/^time=\S+ level=(\w+) msg="([^"]*)"/, "$1 $2"));
      expect(lines.at(-1)).toBe(`RC=${r.code}`);
      const got = fs.readFileSync(path.join(cfg, "traffic.state"), "utf8");
      if (r.code) {
        expect(lines.at(-2)).toMatch(new RegExp(`^ERROR set-usage needs a non-negative integer GB\\. Usage: k2-sidecar -c <cfg> set-usage <GB> component=sidecar ${r.err!.replace(/[.+"]/g, "\\$&")}$`));
        expect(got).toBe(file);
        continue;
      }
      const gb = BigInt(r.gb.replace(/^[+-]/, ""));
      const mon = goNewMonitor({ bill: "2026-01-01", limitGb: 1000, usedGb: 0, mode: r.mode, nowMs: NOW, rx: RX, tx: TX, file });
      const meter = lines.filter((l) => / component=traffic/.test(l) || /^INFO set-usage applied/.test(l));
      expect(meter).toEqual([...mon.lines, `INFO Traffic usage set component=traffic usedGB=${gb} cycleStartRx=${RX} cycleStartTx=${TX}`, `INFO set-usage applied — RESTART the sidecar to load it (docker compose restart k2-sidecar) component=sidecar usedGB=${gb}`]);
      expect(lines[0]).toBe("INFO Starting k2-sidecar v5.0 (unified config, batch registration) component=sidecar");
      expect(got).toBe(goStateJson({ end: END, srx: RX, stx: TX, prior: gb * GIB, last: gb * GIB }));
    }
  });

  it("slog values: bare, or Go-quoted when empty or holding a space, '=', '\"' or a control character", () => {
    const vals = ["foo", "", " Sum ", "a=b", 'say "hi"', "tab\there", "back\\slash", "center HTTP 503", "ünïcode"];
    const { out } = bash(vals.map((v) => `gq ${shq(v)}; printf '%s\\n' "$GQ"`).join("\n"));
    expect(out.trim().split("\n")).toEqual(vals.map(slogValue));
  });
});
