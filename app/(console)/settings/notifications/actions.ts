"use server";

import { z } from "zod";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/safe-action";
import { resendDelivery, sendTest } from "@/lib/notify/log";
import { createTarget, deleteTarget, targetInputSchema, updateTarget } from "@/lib/notify/targets";

// Settings → Notifications (admin): the targets, "send test", "send again".
// A target's URL travels as `webhookUrl` (a WEBHOOK name: redacted in the audit row).

const id = z.string().min(1, "Target: missing").max(64);
const done = <T,>(r: T) => {
  revalidatePath("/settings/notifications");
  return r;
};

export const addNotifyTargetAction = defineAction({
  name: "notify.target.create",
  role: "admin",
  input: targetInputSchema,
  target: (i) => ({ type: "notify-target", id: i.name }),
  run: async (input, ctx) => done(await createTarget(input, ctx.user.email)),
});

export const changeNotifyTargetAction = defineAction({
  name: "notify.target.update",
  role: "admin",
  input: z.object({ id, target: targetInputSchema }),
  target: (i) => ({ type: "notify-target", id: i.target.name }),
  run: async (input, ctx) => done(await updateTarget(input.id, input.target, ctx.user.email)),
});

export const removeNotifyTargetAction = defineAction({
  name: "notify.target.delete",
  role: "admin",
  input: z.object({ id }),
  target: (i) => ({ type: "notify-target", id: i.id }),
  run: async (input) => done(await deleteTarget(input.id)),
});

export const testNotifyTargetAction = defineAction({
  name: "notify.test",
  role: "admin",
  input: z.union([z.object({ id }), z.object({ envName: z.enum(["K2OPS_NOTIFY_WEBHOOK", "K2OPS_NOTIFY_SLACK_WEBHOOK"]) })]),
  target: (i) => ({ type: "notify-target", id: "id" in i ? i.id : i.envName }),
  run: async (input, ctx) => done(await sendTest(input, ctx.user.email)),
  // a test that did not arrive is not "succeeded"
  outcome: (r) => (r.ok ? { status: "succeeded" } : { status: "failed", reason: `not delivered after ${r.attempts} attempts` }),
});

export const resendNotifyAction = defineAction({
  name: "notify.resend",
  role: "admin",
  input: z.object({ id }),
  target: (i) => ({ type: "notify-delivery", id: i.id }),
  run: async (input) => done(await resendDelivery(input.id)),
  outcome: (r) => (r.ok ? { status: "succeeded" } : { status: "failed", reason: `not delivered after ${r.attempts} attempts` }),
});
