import type { BadgeProps } from "@/components/ui/badge";

/** Job statuses after which nothing more happens (a paused or halted rollout has not ended). */
export const FINISHED = new Set(["succeeded", "failed", "cancelled", "interrupted"]);

/** The badge tone of each job status (lists and the rollout view). */
export const STATUS_TONE: Record<string, BadgeProps["variant"]> = {
  queued: "outline",
  running: "info",
  paused: "warning",
  halted: "destructive",
  succeeded: "success",
  failed: "destructive",
  cancelled: "secondary",
  interrupted: "warning",
};
