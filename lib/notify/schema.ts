import { z } from "zod";

// The notification settings' shapes, shared by the server (lib/notify/targets)
// and the settings page's form (react-hook-form): no server module here.

/** What a notice is about; a target receives the categories it lists. */
export const NOTIFY_CATEGORIES = ["rollout", "metering", "provisioning"] as const;
export type NotifyCategory = (typeof NOTIFY_CATEGORIES)[number];

/** Which events each category carries (shown on the settings page). */
export const CATEGORY_EVENTS: Record<NotifyCategory, string> = {
  rollout: "a rollout halted, waits for its canary to be promoted, or ended",
  metering: "a node's quota warning, overage risk or cutoff raised (lib/metering alerts)",
  provisioning: "a new queued work item at Center",
};

/**
 * A target's form (zod; the page's react-hook-form uses the same schema). `webhookUrl`
 * is required on create and optional on update (empty = keep the stored one); its
 * field name contains WEBHOOK, so the audit log records it redacted.
 */
export const targetInputSchema = z
  .object({
    name: z.string().trim().min(1, "Name is required").max(60, "Name: at most 60 characters").regex(/^[\p{L}\p{N} ._-]+$/u, "Name: letters, digits, space, dot, dash or underscore"),
    kind: z.enum(["webhook", "slack"], { message: "Kind: webhook or slack" }),
    webhookUrl: z.string().trim().max(2000, "URL: at most 2,000 characters").optional().or(z.literal("")),
    categories: z.array(z.enum(NOTIFY_CATEGORIES), { message: "Events: choose at least one" }).min(1, "Events: choose at least one"),
    enabled: z.boolean().default(true),
  })
  .superRefine((v, ctx) => {
    if (!v.webhookUrl) return;
    let u: URL;
    try {
      u = new URL(v.webhookUrl);
    } catch {
      ctx.addIssue({ code: "custom", path: ["webhookUrl"], message: "URL: not a valid URL" });
      return;
    }
    if (u.username || u.password) ctx.addIssue({ code: "custom", path: ["webhookUrl"], message: "URL: no user or password in the URL (the path carries a webhook's key)" });
    if (v.kind === "slack" && (u.protocol !== "https:" || u.hostname !== "hooks.slack.com")) ctx.addIssue({ code: "custom", path: ["webhookUrl"], message: "URL: a Slack incoming webhook is https://hooks.slack.com/services/…" });
    if (v.kind === "webhook" && u.protocol !== "https:" && u.protocol !== "http:") ctx.addIssue({ code: "custom", path: ["webhookUrl"], message: "URL: http or https only" });
  });
export type TargetInput = z.input<typeof targetInputSchema>;

