// First-month proration of a Lightsail node's transfer allowance (metering.md
// Part C, "First-month proration (AWS Lightsail) — calculation method"), pure.
//
// Lightsail bills per calendar month (reset on the 1st, 00:00 UTC) and prorates
// the bundle's allowance for the month the instance was created in; the node's
// meter knows nothing of it. Two correct ways to configure the creation month:
//   A. prorated limit: K2_NODE_TRAFFIC_LIMIT_GB = the full limit × the month's
//      remaining share, and the full limit again from the next 1st (a second
//      change the operator must remember);
//   B. full limit + seed: K2_NODE_TRAFFIC_LIMIT_GB = the full limit, and
//      `set-usage <seed>` with seed = the part of the month the node did not
//      exist (plus what it already used): the seed clears by itself at the
//      1st-of-month rollover, so nothing is left to undo (the runbook's
//      preferred way).
//
// Units: "GB" are the .env's GB (the sidecar multiplies by 2^30); the bundle's
// allowance is the provider's figure, compared as the runbook does (1024 GB
// bundle, 1000 GB limit).

import { BYTES_PER_GIB, cutoffBytesOf, daysInMonth, limitBytesOf, NONE, type QuotaLine } from "./cycle";

export type ProrationInput = {
  /** the instance's createdAt (aws lightsail get-instances … createdAt) */
  createdAt: Date;
  /** the bundle's monthly transfer allowance, GB (micro_3_2 = 1024, small_3_2 = 1536, medium_3_2 = 2048) */
  bundleGb: number;
  /** the node's full-month K2_NODE_TRAFFIC_LIMIT_GB (below the bundle, e.g. 1000 for 1024) */
  fullLimitGb: number;
  /** what the node's meter already counts this cycle, bytes (set-usage replaces it, so the seed must include it); default 0 */
  currentUsedBytes?: bigint;
  /**
   * "days" (default, the runbook's): whole UTC days from the creation day
   * (inclusive) to the month's end; "hours": the exact time from createdAt to
   * the next 1st, for a provider that prorates by the hour.
   */
  basis?: "days" | "hours";
};

export type Proration = {
  /** the creation month: its 1st and the next 1st (00:00 UTC), where the full allowance starts */
  monthStart: Date;
  nextMonthStart: Date;
  daysInMonth: number;
  /** the days of the month the instance exists (whole days with basis "days") */
  remainingDays: number;
  /** remainingDays / daysInMonth */
  share: number;
  /** the provider's prorated allowance this month, GB, rounded down (1024 GB created 2026-06-07 → 819) */
  proratedAllowanceGb: number;
  /** method A: K2_NODE_TRAFFIC_LIMIT_GB this month (rounded down), the full limit again from `restoreAt` */
  proratedLimit: { limitGb: number; restoreLimitGb: number; restoreAt: Date; cutoffBytes: bigint | null };
  /** method B: the full limit, and `set-usage <setUsageGb>` (rounded up); leaves `remainingGb` this month; the seed clears at `clearsAt` */
  fullLimitWithSeed: { limitGb: number; setUsageGb: number; remainingGb: number; clearsAt: Date };
  /** the arithmetic, one line each, as the operator sees it */
  workings: string[];
  /** `workings` as codes (metering.ops.lines.<code>) and values, one for one */
  workingPhrases: QuotaLine[];
  /** configurations that would overrun the prorated allowance */
  warnings: string[];
  /** `warnings` as codes and values, one for one */
  warningPhrases: QuotaLine[];
};

/**
 * Both correct configurations of a Lightsail node's creation month (Part C).
 * Throws RangeError for a bundle or limit that is not a positive whole number
 * of GB, or a negative current usage.
 * Example (the runbook's): created 2026-06-07, bundle 1024 GB, limit 1000 →
 * 24 of 30 days, allowance ≈ 819 GB; A: limit 800 this month, 1000 from
 * 2026-07-01; B: limit 1000 + set-usage 200.
 */
export function prorateCreationMonth(i: ProrationInput): Proration {
  for (const [k, v] of [["bundleGb", i.bundleGb], ["fullLimitGb", i.fullLimitGb]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${k} must be a positive whole number of GB, got ${v}`);
  }
  const used = i.currentUsedBytes ?? 0n;
  if (used < 0n) throw new RangeError("currentUsedBytes must be >= 0");
  const y = i.createdAt.getUTCFullYear();
  const m = i.createdAt.getUTCMonth();
  const monthStart = new Date(Date.UTC(y, m, 1));
  const nextMonthStart = new Date(Date.UTC(y, m + 1, 1));
  const dim = daysInMonth(y, m + 1);
  const remainingDays = i.basis === "hours" ? (nextMonthStart.getTime() - i.createdAt.getTime()) / 86_400_000 : dim - i.createdAt.getUTCDate() + 1;
  const share = remainingDays / dim;
  const proratedAllowanceGb = Math.floor(i.bundleGb * share);
  const limitGb = Math.floor(i.fullLimitGb * share);
  // set-usage anchors at the live NIC and replaces the prior floor: what is used already goes into the seed
  const usedGb = Number(used) / Number(BYTES_PER_GIB);
  const seedBytes = BigInt(i.fullLimitGb - limitGb) * BYTES_PER_GIB + used;
  const setUsageGb = Number((seedBytes + BYTES_PER_GIB - 1n) / BYTES_PER_GIB);
  const remainingGb = i.fullLimitGb - setUsageGb;
  const ymd = (d: Date) => d.toISOString().slice(0, 10);
  const days = Number.isInteger(remainingDays) ? String(remainingDays) : remainingDays.toFixed(2);
  const workings = [
    `created ${ymd(i.createdAt)}: ${days} of ${dim} days of ${ymd(monthStart).slice(0, 7)} remain (share ${share.toFixed(4)})`,
    `prorated allowance = ${i.bundleGb} GB × ${days}/${dim} = ${(i.bundleGb * share).toFixed(1)} → ${proratedAllowanceGb} GB (rounded down)`,
    `A. prorated limit = ${i.fullLimitGb} × ${days}/${dim} = ${(i.fullLimitGb * share).toFixed(1)} → K2_NODE_TRAFFIC_LIMIT_GB=${limitGb} now, ${i.fullLimitGb} from ${ymd(nextMonthStart)}`,
    `B. K2_NODE_TRAFFIC_LIMIT_GB=${i.fullLimitGb} + set-usage ${setUsageGb} (${i.fullLimitGb} − ${limitGb}${used > 0n ? ` + ${usedGb.toFixed(1)} already used` : ""}, rounded up) → ${remainingGb} GB left this month; the seed clears at ${ymd(nextMonthStart)}`,
  ];
  const workingPhrases: QuotaLine[] = [
    { code: "prorationCreated", values: { created: ymd(i.createdAt), days, dim: String(dim), month: ymd(monthStart).slice(0, 7), share: share.toFixed(4) } },
    { code: "prorationAllowance", values: { bundle: String(i.bundleGb), days, dim: String(dim), exact: (i.bundleGb * share).toFixed(1), allowance: String(proratedAllowanceGb) } },
    { code: "prorationA", values: { full: String(i.fullLimitGb), days, dim: String(dim), exact: (i.fullLimitGb * share).toFixed(1), limit: String(limitGb), restore: ymd(nextMonthStart) } },
    { code: "prorationB", values: { full: String(i.fullLimitGb), seed: String(setUsageGb), limit: String(limitGb), used: used > 0n ? usedGb.toFixed(1) : NONE, remaining: String(remainingGb), clears: ymd(nextMonthStart) } },
  ];
  const warnings: string[] = [];
  const warningPhrases: QuotaLine[] = [];
  if (i.fullLimitGb >= i.bundleGb) {
    warnings.push(`the full limit ${i.fullLimitGb} GB is not below the bundle's ${i.bundleGb} GB: overage risk every month`);
    warningPhrases.push({ code: "prorationFullOverBundle", values: { full: String(i.fullLimitGb), bundle: String(i.bundleGb) } });
  }
  if (limitGb >= proratedAllowanceGb) {
    warnings.push(`the prorated limit ${limitGb} GB is not below the prorated allowance ${proratedAllowanceGb} GB`);
    warningPhrases.push({ code: "prorationLimitOverAllowance", values: { limit: String(limitGb), allowance: String(proratedAllowanceGb) } });
  }
  if (remainingGb <= 0) {
    warnings.push(`the node has already used its creation month's share: with the seed it is cut at once`);
    warningPhrases.push({ code: "prorationShareUsed", values: {} });
  }
  return {
    monthStart,
    nextMonthStart,
    daysInMonth: dim,
    remainingDays,
    share,
    proratedAllowanceGb,
    proratedLimit: { limitGb, restoreLimitGb: i.fullLimitGb, restoreAt: nextMonthStart, cutoffBytes: cutoffBytesOf(limitBytesOf(limitGb)) },
    fullLimitWithSeed: { limitGb: i.fullLimitGb, setUsageGb, remainingGb, clearsAt: nextMonthStart },
    workings,
    workingPhrases,
    warnings,
    warningPhrases,
  };
}
