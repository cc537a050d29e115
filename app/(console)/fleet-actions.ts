"use server";

import { z } from "zod";
import { revalidatePath } from "next/cache";
import { ActionFailure, defineAction } from "@/lib/actions/safe-action";
import { syncFleetFromCenter } from "@/lib/fleet/sync";
import { isCenterError } from "@/lib/center/client";
import { cancelJob } from "@/lib/jobs";

export const syncFleetAction = defineAction({
  name: "fleet.sync",
  role: "operator",
  input: z.object({}).passthrough(),
  target: () => ({ type: "fleet", id: "all" }),
  auditResult: (r) => r,
  run: async () => {
    try {
      const res = await syncFleetFromCenter();
      revalidatePath("/");
      return { total: res.total, added: res.added, updated: res.updated, gone: res.gone };
    } catch (e) {
      if (isCenterError(e)) throw new ActionFailure("failed", `Center refused: ${e.message}`);
      throw new ActionFailure("failed", `Center could not be reached; the table shows the last known fleet. (${e instanceof Error ? e.message : String(e)})`);
    }
  },
});

export const cancelJobAction = defineAction({
  name: "job.cancel",
  role: "operator",
  input: z.object({ jobId: z.string().regex(/^[a-z0-9]{10,40}$/i) }),
  target: (i) => ({ type: "job", id: i.jobId }),
  run: async (input) => {
    if (!(await cancelJob(input.jobId))) throw new ActionFailure("conflict", "That job has already finished.");
    return { cancelled: true };
  },
});
