import { useTranslations } from "next-intl";
import type { BadgeProps } from "@/components/ui/badge";

/** The statuses of a job or of one of its node items, each a key of the catalogs' jobs.status. */
const JOB_STATUSES = ["queued", "pending", "running", "paused", "halted", "succeeded", "failed", "cancelled", "interrupted", "skipped", "reverted"] as const;
type JobStatus = (typeof JOB_STATUSES)[number];
const isJobStatus = (s: string): s is JobStatus => (JOB_STATUSES as readonly string[]).includes(s);

/** A job or item status in the page's language (jobs.status); a status the catalogs do not know is shown as the server sent it. */
export function useJobStatusText(): (status: string) => string {
  const tStatus = useTranslations("jobs.status");
  return (s) => (isJobStatus(s) ? tStatus(s) : s);
}

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
