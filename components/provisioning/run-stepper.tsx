"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { CircleCheck, CircleDashed, CircleDot, CircleX, LoaderCircle, Ban } from "lucide-react";
import type { RunStepper as RunStepperView, StepperStep } from "@/lib/provisioning/run-view";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { LiveRefresh } from "@/components/reports/live-refresh";

// The wizard's stepper (issue #14): each step's state, elapsed time, live line
// and evidence; "Create the VPS and continue" starts (or retries from the run's
// step) the durable job. The page re-renders from the server while the job runs.

type Res = { ok: true; data: unknown } | { ok: false; error: { message: string } };

function elapsed(ms: number | null): string {
  if (ms === null) return "";
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const ICON: Record<StepperStep["state"], React.ReactNode> = {
  done: <CircleCheck aria-hidden className="size-4 text-success" />,
  running: <LoaderCircle aria-hidden className="size-4 animate-spin text-primary" />,
  failed: <CircleX aria-hidden className="size-4 text-destructive" />,
  current: <CircleDot aria-hidden className="size-4 text-primary" />,
  todo: <CircleDashed aria-hidden className="size-4 text-muted-foreground" />,
  "not-built": <Ban aria-hidden className="size-4 text-muted-foreground" />,
};
const STATE_TEXT: Record<StepperStep["state"], string> = { done: "done", running: "running", failed: "failed", current: "next", todo: "to do", "not-built": "not built yet" };

/** The start button's words (default: a provision run's). */
export type StartWording = { button: string; title: string; description: string; started: string };
const PROVISION_WORDING: StartWording = {
  button: "Create the VPS and continue",
  title: "Create the VPS?",
  description: "k2ops looks for the instance by its name first and reuses it: a retry never buys a second VPS. The steps run as a durable job; a console restart resumes it.",
  started: "Started: the VPS is being created",
};

export function RunStepper({ view, canOperate, start, wording = PROVISION_WORDING }: { view: RunStepperView; canOperate: boolean; start: (input: unknown) => Promise<Res>; wording?: StartWording }) {
  const router = useRouter();
  const [open, setOpen] = React.useState(false);
  const running = view.steps.some((s) => s.state === "running") || view.job?.status === "queued" || view.job?.status === "running";
  const failed = view.steps.find((s) => s.state === "failed");
  async function go() {
    const res = await start({ operationId: view.operationId });
    router.refresh();
    if (!res.ok) toast.error(res.error.message);
    else toast.success(failed ? `Retrying from "${failed.label}"` : wording.started);
  }
  return (
    <section aria-labelledby="stepper-title" className="mt-6 rounded-lg border p-4" data-testid="run-stepper">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="stepper-title" className="text-base font-semibold">
          Steps
        </h2>
        <LiveRefresh active={running} label="live: updating while the job works" />
      </div>
      <ol className="mt-3 space-y-2">
        {view.steps.map((s) => (
          <li key={s.key} className="flex gap-3 text-sm" data-testid={`step-${s.key}`} data-state={s.state}>
            <span className="mt-0.5">{ICON[s.state]}</span>
            <div className="min-w-0 flex-1">
              <div className="flex flex-wrap items-baseline gap-x-2">
                <span className={s.state === "todo" || s.state === "not-built" ? "text-muted-foreground" : "font-medium"}>{s.label}</span>
                <span className="text-xs text-muted-foreground">
                  {STATE_TEXT[s.state]}
                  {s.elapsedMs !== null ? ` · ${elapsed(s.elapsedMs)}` : ""}
                  {s.attempt && s.attempt > 1 ? ` · attempt ${s.attempt}` : ""}
                </span>
              </div>
              {s.state === "running" && view.job?.live ? <p className="font-mono text-xs text-muted-foreground" role="status">{view.job.live}</p> : null}
              {s.summary && s.state !== "failed" ? <p className="break-words text-xs text-muted-foreground">{s.summary}</p> : null}
              {s.error && s.state === "failed" ? (
                <p className="break-words text-xs text-destructive" role="alert">
                  {s.error}
                </p>
              ) : null}
            </div>
          </li>
        ))}
      </ol>
      {view.vps ? (
        <p className="mt-3 text-sm" data-testid="run-vps">
          VPS <span className="font-mono">{view.vps.name}</span> at <span className="font-mono">{view.vps.ipv4}</span> ({view.vps.availabilityZone}, {view.vps.bundleId}, {view.vps.blueprintId}){view.vps.reused ? ", reused" : ""}
        </p>
      ) : null}
      {view.changeIp ? (
        <p className="mt-3 text-sm" data-testid="run-change-ip">
          <span className="font-mono">{view.changeIp.instanceName}</span>: <span className="font-mono">{view.changeIp.oldIp}</span> →{" "}
          <span className="font-mono">{view.changeIp.newIp ?? `static IP ${view.changeIp.newStaticIpName} (not attached yet)`}</span>
        </p>
      ) : null}
      {view.job ? (
        <p className="mt-1 text-xs text-muted-foreground">
          Job{" "}
          <Link className="underline-offset-2 hover:underline" href={`/operations?job=${view.job.id}`}>
            {view.job.id}
          </Link>
          : {view.job.status}
        </p>
      ) : null}
      {canOperate && view.canStart ? (
        <>
          <Button className="mt-3" onClick={() => setOpen(true)} data-testid="run-start">
            {failed ? `Retry from step ${failed.label.split(".")[0]}` : wording.button}
          </Button>
          <ConfirmDialog
            open={open}
            onOpenChange={setOpen}
            destructive={false}
            title={failed ? "Retry the failed step?" : wording.title}
            description={wording.description}
            confirmLabel={failed ? "Retry" : "Create"}
            onConfirm={go}
          />
        </>
      ) : null}
    </section>
  );
}
