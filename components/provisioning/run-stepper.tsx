"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { CircleCheck, CircleDashed, CircleDot, CircleX, LoaderCircle, Ban } from "lucide-react";
import type { RunStepper as RunStepperView, StepperStep } from "@/lib/provisioning/run-view";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { LiveRefresh } from "@/components/reports/live-refresh";
import { useJobStatusText } from "@/components/jobs/job-status";

// The wizard's stepper (issue #14): each step's state, elapsed time, live line
// and evidence; "Create the VPS and continue" starts (or retries from the run's
// step) the durable job. The page re-renders from the server while the job runs.

type Res = { ok: true; data: unknown } | { ok: false; error: { message: string } };

type T = ReturnType<typeof useTranslations<"provisioning.stepper">>;
type TP = ReturnType<typeof useTranslations<"provisioning">>;

// figures as plain strings: the English keeps its "1234 ms" / "2.5 s" as before
function elapsed(t: T, ms: number | null): string {
  if (ms === null) return "";
  return ms < 1000 ? t("elapsedMs", { ms: String(ms) }) : ms < 60_000 ? t("elapsedS", { s: (ms / 1000).toFixed(1) }) : t("elapsedMin", { m: String(Math.floor(ms / 60_000)), s: String(Math.round((ms % 60_000) / 1000)) });
}

const ICON: Record<StepperStep["state"], React.ReactNode> = {
  done: <CircleCheck aria-hidden className="size-4 text-success" />,
  running: <LoaderCircle aria-hidden className="size-4 animate-spin text-primary" />,
  failed: <CircleX aria-hidden className="size-4 text-destructive" />,
  current: <CircleDot aria-hidden className="size-4 text-primary" />,
  todo: <CircleDashed aria-hidden className="size-4 text-muted-foreground" />,
  "not-built": <Ban aria-hidden className="size-4 text-muted-foreground" />,
};
const STATE_KEY = { done: "done", running: "running", failed: "failed", current: "current", todo: "todo", "not-built": "notBuilt" } as const satisfies Record<StepperStep["state"], string>;

// a step's label by its catalog code (lib/provisioning/run-view STEP_LABEL_CODES); a step lib does not know keeps the server's label
const stepLabel = (tp: TP, s: StepperStep) => (s.labelCode ? tp(s.labelCode) : s.label);

/** The start button's words (default: a provision run's). */
export type StartWording = { button: string; title: string; description: string; started: string };

export function RunStepper({ view, canOperate, start, wording: given }: { view: RunStepperView; canOperate: boolean; start: (input: unknown) => Promise<Res>; wording?: StartWording }) {
  const t = useTranslations("provisioning.stepper");
  const tp = useTranslations("provisioning");
  const jobStatus = useJobStatusText();
  const wording = given ?? { button: t("provisionStart.button"), title: t("provisionStart.title"), description: t("provisionStart.description"), started: t("provisionStart.started") };
  const router = useRouter();
  const [open, setOpen] = React.useState(false);
  const running = view.steps.some((s) => s.state === "running") || view.job?.status === "queued" || view.job?.status === "running";
  const failed = view.steps.find((s) => s.state === "failed");
  async function go() {
    const res = await start({ operationId: view.operationId });
    router.refresh();
    if (!res.ok) toast.error(res.error.message);
    else toast.success(failed ? t("retrying", { label: stepLabel(tp, failed) }) : wording.started);
  }
  return (
    <section aria-labelledby="stepper-title" className="mt-6 rounded-lg border p-4" data-testid="run-stepper">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="stepper-title" className="text-base font-semibold">
          {t("title")}
        </h2>
        <LiveRefresh active={running} label={t("live")} />
      </div>
      <ol className="mt-3 space-y-2">
        {view.steps.map((s) => (
          <li key={s.key} className="flex gap-3 text-sm" data-testid={`step-${s.key}`} data-state={s.state}>
            <span className="mt-0.5">{ICON[s.state]}</span>
            <div className="min-w-0 flex-1">
              <div className="flex flex-wrap items-baseline gap-x-2">
                <span className={s.state === "todo" || s.state === "not-built" ? "text-muted-foreground" : "font-medium"}>{stepLabel(tp, s)}</span>
                <span className="text-xs text-muted-foreground">
                  {t(`state.${STATE_KEY[s.state]}`)}
                  {s.elapsedMs !== null ? ` · ${elapsed(t, s.elapsedMs)}` : ""}
                  {s.attempt && s.attempt > 1 ? t("attempt", { n: String(s.attempt) }) : ""}
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
          {t.rich("vps", {
            name: () => <span className="font-mono">{view.vps?.name}</span>,
            ip: () => <span className="font-mono">{view.vps?.ipv4}</span>,
            zone: view.vps.availabilityZone,
            bundle: view.vps.bundleId,
            blueprint: view.vps.blueprintId,
            reused: view.vps.reused ? t("reused") : "",
          })}
        </p>
      ) : null}
      {view.changeIp ? (
        <p className="mt-3 text-sm" data-testid="run-change-ip">
          <span className="font-mono">{view.changeIp.instanceName}</span>: <span className="font-mono">{view.changeIp.oldIp}</span> →{" "}
          <span className="font-mono">{view.changeIp.newIp ?? t("staticIpPending", { name: view.changeIp.newStaticIpName })}</span>
        </p>
      ) : null}
      {view.job ? (
        <p className="mt-1 text-xs text-muted-foreground">
          {t.rich("job", {
            link: () => (
              <Link className="underline-offset-2 hover:underline" href={`/operations?job=${view.job?.id}`}>
                {view.job?.id}
              </Link>
            ),
            status: jobStatus(view.job.status),
          })}
        </p>
      ) : null}
      {canOperate && view.canStart ? (
        <>
          <Button className="mt-3" onClick={() => setOpen(true)} data-testid="run-start">
            {failed ? t("retryFrom", { step: failed.label.split(".")[0] }) : wording.button}
          </Button>
          <ConfirmDialog
            open={open}
            onOpenChange={setOpen}
            destructive={false}
            title={failed ? t("retryTitle") : wording.title}
            description={wording.description}
            confirmLabel={failed ? t("retry") : t("create")}
            onConfirm={go}
          />
        </>
      ) : null}
    </section>
  );
}
