"use client";

import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { JobProgress } from "./job-progress";

type Res = { ok: true; data: unknown } | { ok: false; error: { message: string } };

/** One job with every node's result, polled while it runs; operators may cancel it. */
export function JobDetail({ jobId, cancel }: { jobId: string; cancel?: (input: unknown) => Promise<Res> }) {
  const router = useRouter();
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
              else toast.success("Cancelling: running nodes finish, queued ones will not start");
            }
          : undefined
      }
    />
  );
}
