"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

// Claim and Abort on a work item row (issue #14 step 1 / step 8). The server's
// refusal (409: taken or gone) is shown as it said it and the list refreshed;
// nothing is retried from here.

type Res = { ok: true; data: unknown } | { ok: false; error: { message: string } };
export type WorkItemActions = { claim: (input: unknown) => Promise<Res>; abort: (input: unknown) => Promise<Res> };

/** k2ops' own record of an item it claimed (lib/provisioning/claim provisionRuns). */
export type RunView = { status: string; action: string; step: string; claimedBy: string; claimedAt: string | null; lastError: string | null; claimHeld: boolean };

export function ClaimButton({ id, asks, actions }: { id: number; asks: string; actions: WorkItemActions }) {
  const router = useRouter();
  const [open, setOpen] = React.useState(false);
  async function claim() {
    const res = await actions.claim({ operationId: id });
    router.refresh();
    if (!res.ok) {
      toast.error(res.error.message);
      return; // the dialog closes: the refreshed list shows the item's state
    }
    toast.success(`Work item ${id} claimed: its claim token is sealed in k2ops`);
  }
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)}>
        Claim
      </Button>
      <ConfirmDialog
        open={open}
        onOpenChange={setOpen}
        destructive={false}
        title={`Claim work item ${id}?`}
        description={`${asks}. Center hands the item to you once: from now on Center's 30-minute provisioning deadline runs, and only an abort (reported as failed) gives it up.`}
        confirmLabel="Claim"
        onConfirm={claim}
      />
    </>
  );
}

export function AbortButton({ id, actions }: { id: number; actions: WorkItemActions }) {
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
    toast.success(`Work item ${id} given up: Center records it as failed; k2ops destroyed its claim token`);
    router.refresh();
  }
  return (
    <>
      <Button size="sm" variant="outline" onClick={() => setOpen(true)}>
        Abort…
      </Button>
      <ConfirmDialog
        open={open}
        onOpenChange={setOpen}
        title={`Give up work item ${id}?`}
        description="Center has no release: the item is reported failed with your reason (never a token or secret) and k2ops destroys its sealed claim token."
        requireText={String(id)}
        confirmLabel="Abort the work item"
        onConfirm={abort}
      >
        <div className="space-y-1">
          <Label htmlFor={reasonId}>Reason (Center records it)</Label>
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

/** k2ops' state of an item beside Center's: who claimed it here, the wizard step, what went wrong. */
export function RunCell({ run }: { run: RunView | undefined }) {
  if (!run) return <span className="text-muted-foreground">—</span>;
  // a claimed stop / destroy / change_ip waits for the operator's typed-name confirmation on the item's page
  const next = run.step === "claim" && run.action !== "provision" ? `confirm the ${run.action} (typed name)` : run.step;
  const tone = run.status === "claim-unknown" || run.status === "failed" ? "text-destructive" : run.status === "aborted" ? "text-muted-foreground" : "text-info";
  return (
    <span className={`block ${tone}`} data-testid="run-state" data-run-status={run.status}>
      {run.status === "claim-unknown" ? "claim unknown" : run.status} · {run.claimedBy}
      {run.status === "claimed" || run.status === "in_progress" ? <span className="block text-muted-foreground">next: {next}{run.claimHeld ? " · claim token sealed" : ""}</span> : null}
      {run.lastError ? <span className="block">{run.lastError}</span> : null}
    </span>
  );
}
