"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import type { JobView } from "@/components/jobs/job-progress";
import { controlsFor, type Control } from "./control-rules";

type Res = { ok: true; data: unknown } | { ok: false; error: { message: string } };
type Action = (input: unknown) => Promise<Res>;

/** The rollout's server actions (passed only to operators: viewers get no controls at all). */
export type RolloutControlActions = Record<Control["key"], Action>;

/** Pause / Resume / Promote canary / Retry failed nodes / Cancel, each behind a confirmation; the server's refusal is toasted as it said it. */
export function RolloutControls({ job, actions }: { job: JobView; actions: RolloutControlActions }) {
  const router = useRouter();
  const t = useTranslations("rollout.controls");
  const queryClient = useQueryClient();
  const [open, setOpen] = React.useState<Control["key"] | null>(null);
  const controls = controlsFor(job);
  const current = controls.find((c) => c.key === open) ?? null;
  // the texts in the page's language, with the numbers the rules computed
  const vals = (c: Control, count = 0) => ({ failed: c.values.failed, nodes: c.values.nodes, batches: c.values.batches, count, reason: c.values.reason ?? t("resume.defaultReason") });
  const description = (c: Control) => (c.key === "resume" && c.values.halted ? t("resume.descriptionHalted", vals(c)) : t(`${c.key}.description`, vals(c)));

  async function run(c: Control) {
    const res = await actions[c.key]({ jobId: job.id });
    if (!res.ok) {
      toast.error(res.error.message);
      throw new Error(res.error.message); // keeps the dialog open
    }
    toast.success(t(`${c.key}.done`, vals(c, c.doneCount?.(res.data) ?? 0)));
    await queryClient.invalidateQueries({ queryKey: ["job", job.id] });
    router.refresh();
  }

  if (!controls.length) return null;
  return (
    <div className="flex flex-wrap gap-2" data-testid="rollout-controls">
      {controls.map((c) => (
        <Button key={c.key} size="sm" variant={c.key === "cancel" ? "outline" : c.key === "promote" ? "default" : "secondary"} onClick={() => setOpen(c.key)}>
          {t(`${c.key}.label`)}
        </Button>
      ))}
      <ConfirmDialog
        open={current !== null}
        onOpenChange={(o) => !o && setOpen(null)}
        title={current ? t(`${current.key}.title`, vals(current)) : ""}
        description={current ? description(current) : undefined}
        confirmLabel={current ? t(`${current.key}.confirmLabel`, vals(current)) : ""}
        cancelLabel={current?.key === "cancel" ? t("keepRunning") : t("back")}
        destructive={current?.destructive ?? false}
        onConfirm={() => (current ? run(current) : undefined)}
      />
    </div>
  );
}
