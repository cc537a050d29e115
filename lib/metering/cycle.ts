// The sidecar's billing-cycle arithmetic (node-behavior.md §4.3,
// `calculateNextCycleEnd` in the real sidecar), pure, so k2ops can say what a
// billing start date will do before it is written.

/**
 * The cycle end (next reset) the sidecar computes for billing day `day` (1-31)
 * at `now`: day `day` of now's UTC month at 00:00 UTC, or one calendar month
 * later once now is strictly after it. Go's date normalisation applies (and
 * Date.UTC normalises the same way): day 31 in a 30-day month is the 1st of the
 * next month; Jan 31 + 1 month is Mar 3 (Mar 2 in leap years).
 */
export function cycleEnd(day: number, now: Date): Date {
  if (!Number.isInteger(day) || day < 1 || day > 31) throw new RangeError(`billing day must be 1-31, got ${day}`);
  const candidate = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), day));
  if (now.getTime() <= candidate.getTime()) return candidate;
  // AddDate(0, 1, 0) on the (already normalised) candidate
  return new Date(Date.UTC(candidate.getUTCFullYear(), candidate.getUTCMonth() + 1, candidate.getUTCDate()));
}

/** The next `count` cycle ends from `from` on, as the running sidecar would reach them (each reset just after the previous). */
export function nextCycleEnds(day: number, from: Date, count: number): Date[] {
  const out: Date[] = [];
  let now = from;
  for (let i = 0; i < count; i++) {
    const end = cycleEnd(day, now);
    out.push(end);
    now = new Date(end.getTime() + 1000);
  }
  return out;
}

/** Whether `yyyy-MM-dd` names a real calendar date (2026-02-31 does not). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}
