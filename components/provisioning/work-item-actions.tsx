"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { WORK_ITEM_ACTIONS } from "@/lib/provisioning/filters";

// Claim and Abort on a work item row (issue #14 step 1 / step 8). The server's
// refusal (409: taken or gone) is shown as it said it and the list refreshed;
// nothing is retried from here.

type Res = { ok: true; data: unknown } | { ok: false; error: { message: string } };
export type WorkItemActions = { claim: (input: unknown) => Promise<Res>; abort: (input: unknown) => Promise<Res> };

/** k2ops' own record of an item it claimed (lib/provisioning/claim provisionRuns). */
export type RunView = { status: string; action: string; step: string; claimedBy: string; claimedAt: string | null; lastError: string | null; claimHeld: boolean };

export function ClaimButton({ id, asks, actions }: { id: number; asks: string; actions: WorkItemActions }) {
  const t = useTranslations("provisioning");
  const router = useRouter();
  const [open, setOpen] = React.useState(false);
  async function claim() {
    const res = await actions.claim({ operationId: id });
    router.refresh();
    if (!res.ok) {
      toast.error(res.error.message);
      return; // the dialog closes: the refreshed list shows the item's state
    }
    toast.success(t("claim.claimed", { id: String(id) }));
  }
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)}>
        {t("claim.button")}
      </Button>
      <ConfirmDialog
        open={open}
        onOpenChange={setOpen}
        destructive={false}
        title={t("claim.title", { id: String(id) })}
        description={t("claim.description", { asks })}
        confirmLabel={t("claim.confirm")}
        onConfirm={claim}
      />
    </>
  );
}

export function AbortButton({ id, actions }: { id: number; actions: WorkItemActions }) {
  const t = useTranslations("provisioning");
  const router = useRouter();
  const [open, setOpen] = React.useState(false);
  const [reason, setReason] = React.useState("");
  const [error, setError] = React.useState<string | null>(null);
  const reasonId = React.useId();
  async function abort() {
    const res = await actions.abort({ operationId: id, reason });
    if (!res.ok) {
      setError(res.error.message);
      toast.error(res.error.message);
      throw new Error(res.error.message); // keeps the dialog open
    }
    setError(null);
    toast.success(t("abort.aborted", { id: String(id) }));
    router.refresh();
  }
  return (
    <>
      <Button size="sm" variant="outline" onClick={() => setOpen(true)}>
        {t("abort.button")}
      </Button>
      <ConfirmDialog
        open={open}
        onOpenChange={setOpen}
        title={t("abort.title", { id: String(id) })}
        description={t("abort.description")}
        requireText={String(id)}
        confirmLabel={t("abort.confirm")}
        onConfirm={abort}
      >
        <div className="space-y-1">
          <Label htmlFor={reasonId}>{t("abort.reason")}</Label>
          <Input id={reasonId} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} aria-invalid={error ? true : undefined} />
          {error ? (
            <p className="text-xs text-destructive" data-testid="abort-error">
              {error}
            </p>
          ) : null}
        </div>
      </ConfirmDialog>
    </>
  );
}

const RUN_STATUSES = ["claiming", "claimed", "in_progress", "aborted", "failed", "done"] as const;
const isRunStatus = (s: string): s is (typeof RUN_STATUSES)[number] => (RUN_STATUSES as readonly string[]).includes(s);
const isAction = (s: string): s is (typeof WORK_ITEM_ACTIONS)[number] => (WORK_ITEM_ACTIONS as readonly string[]).includes(s);

/** k2ops' state of an item beside Center's: who claimed it here, the wizard step, what went wrong. */
export function RunCell({ run }: { run: RunView | undefined }) {
  const t = useTranslations("provisioning");
  if (!run) return <span className="text-muted-foreground">—</span>;
  const action = isAction(run.action) ? t(`action.${run.action}`) : run.action;
  // a claimed stop / destroy / change_ip waits for the operator's typed-name confirmation on the item's page;
  // any other step is shown by its id
  const next = run.step === "claim" && run.action !== "provision" ? t("run.confirmTyped", { action }) : run.step;
  const status = run.status === "claim-unknown" ? t("runStatus.claimUnknown") : isRunStatus(run.status) ? t(`runStatus.${run.status}`) : run.status;
  const tone = run.status === "claim-unknown" || run.status === "failed" ? "text-destructive" : run.status === "aborted" ? "text-muted-foreground" : "text-info";
  return (
    <span className={`block ${tone}`} data-testid="run-state" data-run-status={run.status}>
      {t("run.state", { status, by: run.claimedBy })}
      {run.status === "claimed" || run.status === "in_progress" ? (
        <span className="block text-muted-foreground">
          {t("run.next", { step: next })}
          {run.claimHeld ? t("run.sealed") : ""}
        </span>
      ) : null}
      {run.lastError ? <span className="block">{run.lastError}</span> : null}
    </span>
  );
}
