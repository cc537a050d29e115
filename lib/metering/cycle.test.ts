import { describe, expect, it } from "vitest";
import { createTranslator } from "next-intl";
import { en } from "@/messages";
import {
  BYTES_PER_GIB,
  CUTOFF_RESERVE_BYTES,
  cutoffBytesOf,
  cycleEnd,
  cycleOfEnd,
  daysInMonth,
  enforcerCuts,
  followingCycleEnd,
  gaugeOf,
  isCalendarDate,
  limitBytesOf,
  nextCycleEnds,
  normalizeBillingMode,
  parseBillingDate,
  previousCycleEnd,
  projectCut,
  runningCycle,
  usedBytesOf,
} from "./cycle";

const at = (iso: string) => new Date(iso);
const epoch = (d: Date) => d.getTime() / 1000;
const iso = (d: Date) => d.toISOString().replace(".000Z", "Z");

// ---- an independent oracle of Go's rules: civil arithmetic written out, no Date.UTC normalisation ----
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const dim = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
type Civil = { y: number; m: number; d: number };
/** time.Date(y, m, d) normalisation: months first, then days roll over month ends one month at a time */
function norm(y: number, m: number, d: number): Civil {
  while (m > 12) {
    m -= 12;
    y++;
  }
  while (d > dim(y, m)) {
    d -= dim(y, m);
    if (++m > 12) {
      m = 1;
      y++;
    }
  }
  return { y, m, d };
}
const key = (c: Civil, msOfDay = 0) => ((c.y * 100 + c.m) * 100 + c.d) * 86_400_000 + msOfDay;
/** calculateNextCycleEnd: candidate = time.Date(now.Year(), now.Month(), D); now.After(candidate) → candidate.AddDate(0, 1, 0) */
function goNextCycleEnd(day: number, now: Civil, msOfDay: number): Civil {
  const cand = norm(now.y, now.m, day);
  if (key(now, msOfDay) <= key(cand)) return cand;
  return norm(cand.y, cand.m + 1, cand.d);
}
const civilOf = (d: Date): Civil => ({ y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() });
/** a normalised civil date's midnight (Date.UTC of a valid date: no normalisation involved) */
const msOf = (c: Civil) => Date.UTC(c.y, c.m - 1, c.d);
const ymd = (c: Civil) => `${c.y}-${String(c.m).padStart(2, "0")}-${String(c.d).padStart(2, "0")}`;

const YEARS = [1999, 2000, 2024, 2026, 2027, 2028, 2099, 2100];

describe("the sidecar's cycle end (calculateNextCycleEnd, node-behavior.md §4.3)", () => {
  it("matches the oracle for billing day 1-31 at every day of every month (28, 29, 30, 31 days), leap years 2000 and 2024/2028, not 2100", { timeout: 30_000 }, () => {
    const lengths = new Set<number>();
    let n = 0;
    const wrong: string[] = [];
    for (const y of YEARS) {
      for (let m = 1; m <= 12; m++) {
        lengths.add(dim(y, m));
        for (let d = 1; d <= dim(y, m); d++) {
          for (const ms of [0, 1, 43_200_000, 86_399_999]) {
            const now = new Date(Date.UTC(y, m - 1, d) + ms);
            for (let day = 1; day <= 31; day++) {
              n++;
              const want = ymd(goNextCycleEnd(day, { y, m, d }, ms));
              const got = cycleEnd(day, now).toISOString();
              if (got !== `${want}T00:00:00.000Z`) wrong.push(`day ${day} at ${now.toISOString()}: ${got} != ${want}`);
            }
          }
        }
      }
    }
    expect([...lengths].sort()).toEqual([28, 29, 30, 31]);
    expect(n).toBeGreaterThan(360_000);
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("matches the documented examples and the issue's edge cases", () => {
    expect(epoch(cycleEnd(1, at("2026-08-22T10:00:00Z")))).toBe(1788220800);
    expect(epoch(cycleEnd(10, at("2026-08-22T10:00:00Z")))).toBe(1788998400);
    const cases: [number, string, string][] = [
      [31, "2026-11-30T12:00:00Z", "2026-12-01T00:00:00Z"], // Nov 31 = Dec 1, not yet passed
      [31, "2027-01-31T00:00:01Z", "2027-03-03T00:00:00Z"], // Jan 31 + 1 month = Feb 31 = Mar 3
      [31, "2028-01-31T00:00:01Z", "2028-03-02T00:00:00Z"], // ... Mar 2 in a leap year
      [31, "2100-01-31T00:00:01Z", "2100-03-03T00:00:00Z"], // 2100 is not a leap year
      [31, "2000-01-31T00:00:01Z", "2000-03-02T00:00:00Z"], // 2000 is
      [29, "2100-02-10T00:00:00Z", "2100-03-01T00:00:00Z"],
      [29, "2000-02-10T00:00:00Z", "2000-02-29T00:00:00Z"],
      [30, "2027-02-15T00:00:00Z", "2027-03-02T00:00:00Z"],
      [15, "2026-12-15T00:00:00Z", "2026-12-15T00:00:00Z"], // exactly at the candidate is not "after" it
      [15, "2026-12-15T00:00:00.001Z", "2027-01-15T00:00:00Z"],
    ];
    for (const [d, now, want] of cases) expect(iso(cycleEnd(d, at(now))), `${d} ${now}`).toBe(want);
    expect(() => cycleEnd(0, new Date())).toThrow(RangeError);
    expect(() => cycleEnd(32, new Date())).toThrow(RangeError);
    expect(() => cycleEnd(1.5, new Date())).toThrow(RangeError);
  });

  it("lists a year of resets for day 30: February's moves into March", () => {
    const ends = nextCycleEnds(30, at("2026-12-01T00:00:00Z"), 4).map((d) => d.toISOString().slice(0, 10));
    expect(ends).toEqual(["2026-12-30", "2027-01-30", "2027-03-02", "2027-03-30"]);
    expect(nextCycleEnds(31, at("2027-01-15T00:00:00Z"), 13).map((d) => d.toISOString().slice(5, 10))).toEqual([
      "01-31", "03-03", "03-31", "05-01", "05-31", "07-01", "07-31", "08-31", "10-01", "10-31", "12-01", "12-31", "01-31",
    ]);
  });
});

describe("the running sidecar's cycle (start and end)", () => {
  it("for every billing day, a sidecar running through 1999-2001, 2026-2029 and 2099-2101 is in runningCycle(day, now) at every hour", { timeout: 30_000 }, () => {
    const wrong: string[] = [];
    for (const [from, to] of [["1999-11-01", "2001-03-01"], ["2026-11-01", "2029-03-01"], ["2099-11-01", "2101-03-01"]]) {
      for (let day = 1; day <= 31; day++) {
        // the real process: started at `from`, then one rollover at the first read past each end (5 s polls)
        let t = Date.parse(`${from}T00:00:00Z`);
        let endAt = msOf(goNextCycleEnd(day, civilOf(new Date(t)), t % 86_400_000));
        let start: number | null = null;
        for (; t < Date.parse(`${to}T00:00:00Z`); t += 3600_000 + 5_000) {
          if (Math.floor(t / 1000) > endAt / 1000) {
            start = endAt;
            endAt = msOf(goNextCycleEnd(day, civilOf(new Date(t)), t % 86_400_000));
          }
          if (start === null) continue;
          const r = runningCycle(day, new Date(t));
          if (r.end.getTime() !== endAt || r.start.getTime() !== start) wrong.push(`day ${day} at ${new Date(t).toISOString()}: [${iso(r.start)}, ${iso(r.end)}] != [${iso(new Date(start))}, ${iso(new Date(endAt))}]`);
        }
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("start and end chain: the reset before the next is the same, every reset is a month candidate", () => {
    for (let day = 1; day <= 31; day++) {
      let e = cycleEnd(day, at("2027-11-20T00:00:00Z"));
      for (let i = 0; i < 30; i++) {
        const next = followingCycleEnd(day, e);
        expect(previousCycleEnd(day, next).getTime()).toBe(e.getTime());
        expect(cycleOfEnd(day, next)).toEqual({ start: e, end: next, matchesDay: true });
        e = next;
      }
    }
    // an end that is not one of the day's resets (the .env day changed after the sidecar started)
    expect(cycleOfEnd(10, at("2026-09-01T00:00:00Z")).matchesDay).toBe(false);
  });

  it("days 29-31 overlap a short month's first days: the running sidecar keeps the overflowed reset, a restart re-anchors", () => {
    const r = runningCycle(31, at("2027-03-01T12:00:00Z"));
    expect([iso(r.start), iso(r.end), iso(r.freshEnd), r.restartReanchors]).toEqual(["2027-01-31T00:00:00Z", "2027-03-03T00:00:00Z", "2027-03-31T00:00:00Z", true]);
    const leap = runningCycle(30, at("2028-03-01T00:00:00.500Z"));
    // Mar 1 00:00:00 is the reset (Feb 30 = Mar 1 in 2028): now.Unix() == end, so still the old cycle
    expect([iso(leap.start), iso(leap.end)]).toEqual(["2028-01-30T00:00:00Z", "2028-03-01T00:00:00Z"]);
    expect(runningCycle(30, at("2028-03-01T00:00:01Z")).end.toISOString()).toBe("2028-03-30T00:00:00.000Z");
    const normal = runningCycle(1, at("2026-08-22T10:00:00Z"));
    expect([iso(normal.start), iso(normal.end), normal.restartReanchors]).toEqual(["2026-08-01T00:00:00Z", "2026-09-01T00:00:00Z", false]);
  });
});

describe("billing date (time.Parse) and mode (normalizeBillingMode)", () => {
  it("knows real calendar dates, 2000 and 2100 included", () => {
    expect(isCalendarDate("2026-02-28")).toBe(true);
    expect(isCalendarDate("2028-02-29")).toBe(true);
    expect(isCalendarDate("2000-02-29")).toBe(true);
    expect(isCalendarDate("2100-02-29")).toBe(false);
    expect(isCalendarDate("2026-02-29")).toBe(false);
    expect(isCalendarDate("2026-02-31")).toBe(false);
    expect(isCalendarDate("2026-04-31")).toBe(false);
    expect(isCalendarDate("2026-13-01")).toBe(false);
    expect([daysInMonth(2000, 2), daysInMonth(2100, 2), daysInMonth(2024, 2), daysInMonth(2026, 4)]).toEqual([29, 28, 29, 30]);
  });

  it("fails as Go's time.Parse does, with its error text", () => {
    expect(parseBillingDate("2026-01-31")).toEqual({ ok: true, year: 2026, month: 1, day: 31 });
    expect(parseBillingDate("2026-13-01")).toEqual({ ok: false, error: 'parsing time "2026-13-01": month out of range' });
    expect(parseBillingDate("2026-02-30")).toEqual({ ok: false, error: 'parsing time "2026-02-30": day out of range' });
    expect(parseBillingDate("2026/01/01")).toEqual({ ok: false, error: 'parsing time "2026/01/01" as "2006-01-02": cannot parse "/01/01" as "-"' });
    expect(parseBillingDate("")).toEqual({ ok: false, error: 'parsing time "" as "2006-01-02": cannot parse "" as "2006"' });
    expect(parseBillingDate("2026-01-01x")).toEqual({ ok: false, error: 'parsing time "2026-01-01x": extra text: "x"' });
  });

  it("normalises the mode: empty/max → max, sum → sum, unknown → sum (fail-closed) flagged", () => {
    expect(["", " MAX ", "max", "sum", "Sum\t", "bogus", undefined, null].map((m) => normalizeBillingMode(m))).toEqual([
      { mode: "max", unknown: false }, { mode: "max", unknown: false }, { mode: "max", unknown: false }, { mode: "sum", unknown: false },
      { mode: "sum", unknown: false }, { mode: "sum", unknown: true }, { mode: "max", unknown: false }, { mode: "max", unknown: false },
    ]);
  });
});

describe("usage, limit and the cutoff line (bytes)", () => {
  const b = { cycleStartRxBytes: 40113307721n, cycleStartTxBytes: 42020044193n, priorUsedBytes: 0n };
  const nic = { rxBytes: 48213307721n, txBytes: 51320044193n };

  it("max(rx, tx) vs rx + tx, deltas clamped at 0, plus the prior floor", () => {
    expect(usedBytesOf("sum", nic, b)).toEqual({ usedBytes: 17_400_000_000n, rxBytes: 8_100_000_000n, txBytes: 9_300_000_000n });
    expect(usedBytesOf("max", nic, b).usedBytes).toBe(9_300_000_000n);
    expect(usedBytesOf("max", { rxBytes: 1n, txBytes: 2n }, { ...b, priorUsedBytes: 920n * BYTES_PER_GIB }).usedBytes).toBe(920n * BYTES_PER_GIB);
  });

  it("limit GB is GiB; the cut at limit − 500 MiB; limit 0 never cuts", () => {
    expect(limitBytesOf(1000)).toBe(1_073_741_824_000n);
    expect(cutoffBytesOf(limitBytesOf(1000))).toBe(1_073_217_536_000n);
    expect(CUTOFF_RESERVE_BYTES).toBe(500n * 1024n * 1024n);
    expect(cutoffBytesOf(0n)).toBeNull();
    expect(enforcerCuts(1_073_217_536_000n, limitBytesOf(1000))).toBe(true);
    expect(enforcerCuts(1_073_217_535_999n, limitBytesOf(1000))).toBe(false);
    expect(enforcerCuts(10n ** 15n, 0n)).toBe(false);
    expect(() => limitBytesOf(-1)).toThrow(RangeError);
  });
});

describe("the gauge", () => {
  const limit = limitBytesOf(1000);
  const line = cutoffBytesOf(limit)!;
  it("ok / warning at the configured % / cut (line or observed) / metering off / unlimited", () => {
    expect(gaugeOf({ metering: true, limitBytes: limit, usedBytes: 100n * BYTES_PER_GIB }).state).toBe("ok");
    expect(gaugeOf({ metering: true, limitBytes: limit, usedBytes: 800n * BYTES_PER_GIB }).state).toBe("warning");
    expect(gaugeOf({ metering: true, limitBytes: limit, usedBytes: 800n * BYTES_PER_GIB, warnPercent: 90 }).state).toBe("ok");
    expect(gaugeOf({ metering: true, limitBytes: limit, usedBytes: line - 1n }).state).toBe("warning");
    const cut = gaugeOf({ metering: true, limitBytes: limit, usedBytes: line });
    expect([cut.state, cut.remainingBytes, cut.cutoffBytes]).toEqual(["cut", 0n, line]);
    expect(gaugeOf({ metering: true, limitBytes: limit, usedBytes: 1n, cutObserved: true }).state).toBe("cut");
    expect(gaugeOf({ metering: false, limitBytes: limit, usedBytes: line }).state).toBe("metering-off");
    expect(gaugeOf({ metering: true, limitBytes: 0n, usedBytes: line }).state).toBe("unlimited");
    const ok = gaugeOf({ metering: true, limitBytes: limit, usedBytes: 250n * BYTES_PER_GIB });
    expect([ok.percentUsed, ok.remainingBytes]).toEqual([25, line - 250n * BYTES_PER_GIB]);
    expect(() => gaugeOf({ metering: true, limitBytes: limit, usedBytes: 0n, warnPercent: 0 })).toThrow(RangeError);
  });
});

describe("the projected cut date", () => {
  const limit = limitBytesOf(1000);
  const line = cutoffBytesOf(limit)!;
  const start = at("2026-08-01T00:00:00Z");
  const end = at("2026-09-01T00:00:00Z");
  const now = at("2026-08-20T00:00:00Z");
  const hourly = (usedAtNow: bigint, perHour: bigint) => Array.from({ length: 30 }, (_, i) => ({ at: new Date(now.getTime() - i * 3600_000), usedBytes: usedAtNow - BigInt(i) * perHour }));

  it("extrapolates the last 24 h to the line, within the cycle", () => {
    const used = line - 100n * BYTES_PER_GIB;
    const p = projectCut({ usedBytes: used, cutoffBytes: line, cycleStart: start, cycleEnd: end, now, points: hourly(used, 2n * BYTES_PER_GIB) });
    expect(p.status).toBe("projected");
    expect(p.cutAt!.toISOString()).toBe("2026-08-22T02:00:00.000Z"); // 100 GiB at 2 GiB/h = 50 h
    expect(p.rateBytesPerSec).toBeCloseTo((2 * 2 ** 30) / 3600, 3);
  });

  it("the reset comes first; flat traffic; already cut; no line; too little data", () => {
    const used = 500n * BYTES_PER_GIB;
    const slow = projectCut({ usedBytes: used, cutoffBytes: line, cycleStart: start, cycleEnd: end, now, points: hourly(used, BYTES_PER_GIB / 10n) });
    expect(slow.status).toBe("resets-first");
    expect(projectCut({ usedBytes: used, cutoffBytes: line, cycleStart: start, cycleEnd: end, now, points: hourly(used, 0n) }).status).toBe("no-traffic");
    expect(projectCut({ usedBytes: line, cutoffBytes: line, cycleStart: start, cycleEnd: end, now, points: [] }).status).toBe("cut");
    expect(projectCut({ usedBytes: used, cutoffBytes: null, cycleStart: start, cycleEnd: end, now, points: [] }).status).toBe("no-line");
    expect(projectCut({ usedBytes: used, cutoffBytes: line, cycleStart: start, cycleEnd: end, now, points: hourly(used, 1n).slice(0, 1) }).status).toBe("insufficient-data");
    // points of the previous cycle do not count
    expect(projectCut({ usedBytes: 5n, cutoffBytes: line, cycleStart: now, cycleEnd: end, now, points: hourly(5n, BYTES_PER_GIB) }).status).toBe("insufficient-data");
  });
});

describe("the gauge's reason on the page (metering.gaugeReason)", () => {
  it("every code renders exactly as lib's English", () => {
    const t = createTranslator({ locale: "en", messages: en, namespace: "metering.gaugeReason" });
    const G = BYTES_PER_GIB;
    const gauges = [
      gaugeOf({ metering: false, limitBytes: 0n, usedBytes: null }),
      gaugeOf({ metering: true, limitBytes: 0n, usedBytes: 5n * G }),
      gaugeOf({ metering: true, limitBytes: 100n * G, usedBytes: 10n * G, cutObserved: true }),
      gaugeOf({ metering: true, limitBytes: 100n * G, usedBytes: 100n * G }),
      gaugeOf({ metering: true, limitBytes: 100n * G, usedBytes: 85n * G, warnPercent: 82.5 }),
      gaugeOf({ metering: true, limitBytes: 100n * G, usedBytes: 12n * G }),
      gaugeOf({ metering: true, limitBytes: 100n * G, usedBytes: null }),
    ];
    expect(gauges.map((g) => g.reasonPhrase.code)).toEqual(["meteringOff", "unlimited", "enforcerPaused", "atCutoff", "warning", "ok", "noFigure"]);
    for (const g of gauges) expect(t(g.reasonPhrase.code, g.reasonPhrase.values)).toBe(g.reason);
    expect(t("notRead")).toBe("the node's meter has not been read yet");
  });
});
