import { z } from "zod";
import { PINNED_TAG } from "@/lib/node-ops/env-schema";

// The wizard's step-2 input (issue #14), shared by the server action and the
// browser's form (react-hook-form): no server code here.

export const chooseSchema = z.object({
  operationId: z.number({ error: "a work item number" }).int().positive(),
  account: z.string({ error: "choose an account" }).trim().min(1, "choose an account"),
  region: z.string({ error: "choose a region" }).trim().min(1, "choose a region"),
  plan: z.string({ error: "choose a plan" }).trim().min(1, "choose a plan"),
  image: z.string({ error: "choose an image" }).trim().min(1, "choose an image"),
  version: z.string({ error: "a pinned tag" }).trim().regex(PINNED_TAG, "a pinned tag like v0.4.8-9d7c6f95 (never latest or a bare version)"),
  /** plan-day providers (Bandwagon): the plan's own reset day, read off the provider */
  planResetDay: z.number().int("1-31").min(1, "1-31").max(31, "1-31").nullable().default(null),
  /** providers without a monthly fixed-day reset: accept the calendar-month approximation */
  approximateCalendarMonth: z.boolean().default(false),
  /** run without metering: the reason (empty = metered) */
  meteringOff: z.string().trim().max(200, "keep it under 200 characters").nullable().default(null),
  seedGb: z.number({ error: "a whole number of GB" }).int("a whole number of GB").min(0, "0 or more").default(0),
});
export type ChooseInput = z.input<typeof chooseSchema>;
