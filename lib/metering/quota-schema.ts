import { z } from "zod";
import { ipv4Schema } from "@/lib/fleet/ipv4";

// The quota operations' inputs (issue #13 "Operate"), in their own module (zod
// only) so the node page's forms validate with the very schemas the server
// actions use (components/metering/quota-operations.tsx). GB are the .env's
// GB: the sidecar's GiB (× 2^30 bytes).

/** Whole GB (GiB) as K2_NODE_TRAFFIC_LIMIT_GB / set-usage take them: 0 ... 1,000,000. */
export const gbSchema = z.number({ error: "enter a whole number of GB" }).int("a whole number of GB").min(0, "0 or more").max(1_000_000, "at most 1,000,000 GB");
const confirm = z.literal(true, { error: "Confirm the operation first" });

/** set-usage <GB> (metering.md Part C): the cycle's prior-used floor, anchored at the live NIC. */
export const setUsageSchema = z.object({ ipv4: ipv4Schema, usedGb: gbSchema, confirm });
export type SetUsageInput = z.infer<typeof setUsageSchema>;

/**
 * Configure quota (Part B): the billing day (only the day of month matters), the
 * limit (0 = unlimited), the billing mode; optionally a seed (set-usage) after the
 * change, since a new billing day re-anchors the cycle (usage back to 0).
 */
export const configureQuotaSchema = z.object({
  ipv4: ipv4Schema,
  billingDay: z.number({ error: "enter a day of month" }).int("a whole day").min(1, "1-31").max(31, "1-31"),
  limitGb: gbSchema,
  mode: z.enum(["max", "sum"], { error: "max or sum" }),
  seedGb: gbSchema.nullable().default(null),
  confirm,
});
export type ConfigureQuotaInput = z.infer<typeof configureQuotaSchema>;

/**
 * Proration of a Lightsail node's creation month (Part C), method B applied:
 * the full limit, and set-usage of the phantom part of the month (the server
 * recomputes the seed from a fresh reading of the node's usage).
 */
export const prorationSeedSchema = z.object({
  ipv4: ipv4Schema,
  createdAt: z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/, "a date like 2026-06-07"),
  bundleGb: gbSchema.refine((v) => v > 0, "the bundle's allowance is more than 0"),
  fullLimitGb: gbSchema.refine((v) => v > 0, "a full-month limit is more than 0"),
  confirm,
});
export type ProrationSeedInput = z.infer<typeof prorationSeedSchema>;

/** Recover a cut node by raising its limit (Part E). */
export const recoverCutSchema = z.object({ ipv4: ipv4Schema, limitGb: gbSchema.refine((v) => v > 0, "a limit above 0 (0 is unlimited: use Configure quota)"), confirm });
export type RecoverCutInput = z.infer<typeof recoverCutSchema>;

export const nodeOnlySchema = z.object({ ipv4: ipv4Schema });
