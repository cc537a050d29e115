"use client";

import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { JobProgress } from "./job-progress";
import { RolloutLive } from "@/components/rollout/rollout-view";
import type { RolloutControlActions } from "@/components/rollout/rollout-controls";

type Res = { ok: true; data: unknown } | { ok: false; error: { message: string } };

/**
 * One job with every node's result, polled while it runs; operators may cancel
 * it. A rollout gets its own view (batches, steps, controls by state).
 */
export function JobDetail({ jobId, kind, cancel, rolloutControls }: { jobId: string; kind?: string; cancel?: (input: unknown) => Promise<Res>; rolloutControls?: RolloutControlActions }) {
  const router = useRouter();
  const t = useTranslations("jobs");
  if (kind === "rollout") return <RolloutLive jobId={jobId} controls={rolloutControls} onFinished={() => router.refresh()} />;
  return (
    <JobProgress
      jobId={jobId}
      detailed
      onFinished={() => router.refresh()}
      onCancel={
        cancel
          ? async (id) => {
              const r = await cancel({ jobId: id });
              if (!r.ok) toast.error(r.error.message);
              else toast.success(t("cancelRequested"));
            }
          : undefined
      }
    />
  );
}
