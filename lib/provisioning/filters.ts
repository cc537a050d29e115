import { z } from "zod";

// The Provisioning page's filter (URL parameters ?action=&status=), shared by
// the server page and the client filter controls.

export const WORK_ITEM_ACTIONS = ["provision", "change_ip", "stop", "destroy"] as const;
export const WORK_ITEM_STATUSES = ["queued", "claimed", "in_progress", "done", "failed", "canceled"] as const;

/** Anything but a known action or status is "all" (never an error: a stale link still opens). */
export const workItemFilterSchema = z.object({
  action: z.enum(WORK_ITEM_ACTIONS).optional().catch(undefined),
  status: z.enum(WORK_ITEM_STATUSES).optional().catch(undefined),
});
export type WorkItemFilter = z.infer<typeof workItemFilterSchema>;

/** A work item named by Center's operation id (claim). */
export const workItemRefSchema = z.object({ operationId: z.number({ error: "a work item number" }).int("a work item number").positive("a work item number") });
/** Giving up a claimed item: the reason Center records (concise; never a secret). */
export const abortWorkItemSchema = workItemRefSchema.extend({
  reason: z.string().trim().min(3, "say why, in a few words (3+ characters)").max(200, "keep it under 200 characters"),
});
/** Carrying out a stop / destroy item: the instance's name, typed by the operator (checked again on the server). */
export const lifecycleSchema = workItemRefSchema.extend({
  name: z.string().trim().min(1, "type the instance's name").max(100, "an instance name is under 100 characters"),
});
