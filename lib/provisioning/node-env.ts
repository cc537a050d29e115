import crypto from "node:crypto";
import { BYTES_PER_GIB, type BillingMode } from "@/lib/metering/cycle";
import { nodeModeFor, type ProviderRule } from "@/lib/metering/provider";
import { planEnvEdit, type EnvEditProblem } from "@/lib/node-ops/env-file";

// What a private node's /apps/k2s/.env holds (provisioning.md Step 5, the
// runbook §2 table) and the metering decisions behind it (Step 2 and
// metering.md Part B): the billing day is the provider's reset day (never the
// provisioning date), the limit is the sold quota in GiB counted the way the
// provider counts, the bundle's transfer must exceed the sold quota. Pure: the
// content goes to the node on stdin; nothing here writes or logs it.

/** The claim's identity and the work item's business inputs (center-api.md §5). */
export type ProvisionIdentity = { subId: string | number; centerUrl: string; domain: string; claimToken: string };

export type MeteringChoice =
  | { kind: "meter"; billingDay: number; mode: BillingMode; limitGb: number; seedGb: number }
  | { kind: "off"; reason: string };

export type MeteringDecision = { choice: MeteringChoice | null; workings: string[]; problems: EnvEditProblem[] };

/** The deterministic instance and node name of a work item's node: pn-<subId> (the idempotency root). */
export function privateNodeName(subId: string | number): string {
  const s = String(subId).trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9-]{0,58}$/.test(s)) throw new Error(`subId ${JSON.stringify(String(subId).slice(0, 40))} cannot name a node (letters, digits and dashes)`);
  return `pn-${s}`;
}

/** A fresh K2_NODE_SECRET (64 lowercase hex, as `openssl rand -hex 32`). */
export function newNodeSecret(): string {
  return crypto.randomBytes(32).toString("hex");
}

/**
 * The node's metering from the provider's rule and the sold quota (bytes, the
 * work item's trafficTotalBytes): billing day 1 for a calendar-month provider,
 * the plan's own reset day for a plan-day provider (required: `planResetDay`),
 * none for a provider without a monthly fixed-day reset unless the operator
 * accepts the calendar-month approximation (`approximateCalendarMonth`) or
 * chooses metering off (`meteringOff`, with a reason). The limit is the sold
 * quota in GiB (floor of bytes / 2^30), the mode the provider's accounting.
 * `bundleTransferGb` (the plan's transfer) must exceed the sold quota by the
 * rule's headroom, else a problem says by how much it falls short.
 */
export function decideMetering(i: {
  rule: ProviderRule;
  provider: string;
  soldBytes: bigint;
  bundleTransferGb: number | null;
  planResetDay?: number | null;
  approximateCalendarMonth?: boolean;
  meteringOff?: string | null;
  seedGb?: number;
}): MeteringDecision {
  const workings: string[] = [];
  const problems: EnvEditProblem[] = [];
  const soldGb = Number(i.soldBytes / BYTES_PER_GIB);
  workings.push(`sold quota ${i.soldBytes} bytes = ${soldGb} GiB (bytes / 2^30, rounded down)`);
  if (i.soldBytes <= 0n) problems.push({ key: "trafficTotalBytes", message: "The work item sells no quota (trafficTotalBytes ≤ 0)" });
  if (i.bundleTransferGb === null) problems.push({ key: "plan", message: "The plan's monthly transfer is not known: choose a plan whose transfer is listed" });
  else {
    const need = soldGb + i.rule.headroomGb;
    workings.push(`plan transfer ${i.bundleTransferGb} GB vs sold ${soldGb} GiB + headroom ${i.rule.headroomGb} = ${need}`);
    if (i.bundleTransferGb < need) problems.push({ key: "plan", message: `The plan's transfer (${i.bundleTransferGb} GB) must exceed the sold quota (${soldGb} GiB) by at least ${i.rule.headroomGb} GB: ${need - i.bundleTransferGb} GB short; provider overage would be billed before the node cuts` });
  }
  if (i.meteringOff) {
    if (!i.meteringOff.trim()) problems.push({ key: "meteringOff", message: "Say why the node runs without metering" });
    return { choice: { kind: "off", reason: i.meteringOff.trim() }, workings: [...workings, "metering off by the operator's choice: the node is bounded only by the provider's bundle"], problems };
  }
  let day: number | null = null;
  if (i.rule.reset === "calendar-1st") {
    day = 1;
    workings.push(`${i.provider} resets on the 1st (calendar month): billing day 1`);
  } else if (i.rule.reset === "plan-day") {
    if (i.planResetDay && Number.isInteger(i.planResetDay) && i.planResetDay >= 1 && i.planResetDay <= 31) {
      day = i.planResetDay;
      workings.push(`${i.provider} resets on the plan's own day: ${day} (never the provisioning date)`);
    } else problems.push({ key: "planResetDay", message: `${i.provider} resets on the plan's own day: read it from the provider (e.g. KiwiVM's "Next reset") and enter it (1-31)` });
  } else if (i.approximateCalendarMonth) {
    day = 1;
    workings.push(`${i.provider} has no monthly fixed-day reset: the operator accepted the calendar-month approximation (day 1)`);
  } else problems.push({ key: "billingDay", message: `${i.provider} has no monthly fixed-day reset: accept the calendar-month approximation (day 1) or run the node with metering off, and say why` });
  if (day !== null && day >= 29) workings.push(`billing day ${day}: in shorter months the reset rolls over to the 1st, and a restart in the days before re-anchors the cycle`);
  const mode = nodeModeFor(i.rule.billingMode);
  workings.push(`${i.provider} counts ${i.rule.billingMode}${i.rule.verified ? "" : " (configured default, not confirmed)"}: sidecar mode ${mode}, limit ${soldGb} GiB`);
  const seedGb = i.seedGb ?? 0;
  if (!Number.isInteger(seedGb) || seedGb < 0) problems.push({ key: "seedGb", message: "The seed is a whole number of GB, 0 or more" });
  return { choice: day === null ? null : { kind: "meter", billingDay: day, mode, limitGb: soldGb, seedGb }, workings, problems };
}

/**
 * The private node's .env content (secrets included: stdin only) from the
 * claim's identity and the wizard's choices, validated by the same rules as
 * every .env edit (documented keys, compose-safe values, the Center URL only
 * the configured Center or an admin-approved one). `problems` non-empty: do not
 * write it. `changes` lists the keys for the audit (secret values never in it).
 */
export function privateNodeEnv(
  i: { identity: ProvisionIdentity; region: string; ipType: string; version: string; metering: MeteringChoice; nodeSecret: string },
  policy: { allowedCenterUrls: readonly string[] },
): { content: string; problems: EnvEditProblem[]; keys: string[] } {
  const problems: EnvEditProblem[] = [];
  let name = "";
  try {
    name = privateNodeName(i.identity.subId);
  } catch (e) {
    problems.push({ key: "K2_NODE_NAME", message: (e as Error).message });
  }
  const set: Record<string, string> = {
    K2_CENTER_URL: i.identity.centerUrl,
    K2_DOMAIN: i.identity.domain,
    K2_VERSION: i.version,
    K2_NODE_NAME: name,
    K2_NODE_REGION: i.region,
    K2_IP_TYPE: i.ipType,
  };
  if (i.metering.kind === "meter") {
    set.K2_NODE_BILLING_START_DATE = `2026-01-${String(i.metering.billingDay).padStart(2, "0")}`;
    set.K2_NODE_TRAFFIC_LIMIT_GB = String(i.metering.limitGb);
    set.K2_NODE_TRAFFIC_BILLING_MODE = i.metering.mode;
    if (i.metering.seedGb > 0) set.K2_NODE_TRAFFIC_USED_GB = String(i.metering.seedGb);
  }
  // a fresh file, every value checked by its .env schema (K2_VERSION: a pinned tag); the identity's
  // Center URL is checked against the allow-list like an admin's edit
  const plan = planEnvEdit("", { set, unset: [], secrets: { K2_NODE_SECRET: { mode: "replace", value: i.nodeSecret }, K2_PRIVATE_CLAIM: { mode: "replace", value: i.identity.claimToken } } }, { isAdmin: true, allowedCenterUrls: policy.allowedCenterUrls });
  problems.push(...plan.problems.filter((p) => !problems.some((q) => q.key === p.key)));
  return { content: plan.content, problems, keys: plan.changes.map((c) => c.key).sort() };
}
