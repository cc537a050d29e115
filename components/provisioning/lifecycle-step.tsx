"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { Power, Trash2 } from "lucide-react";
import type { LifecycleView } from "@/lib/provisioning/lifecycle";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { InstanceFacts, WarningNote } from "./instance-facts";

// A stop / destroy work item (issue #14): what it names (Center's cloud
// instance, its state at Lightsail), why k2ops cannot act when it cannot, and
// the destructive button behind a typed-name confirmation.

type Res = { ok: true; data: { summary: string } } | { ok: false; error: { message: string } };

export function LifecycleStep({ view, canOperate, carryOut }: { view: LifecycleView; canOperate: boolean; carryOut: (input: unknown) => Promise<Res> }) {
  const router = useRouter();
  const [open, setOpen] = React.useState(false);
  const verb = view.action === "stop" ? "Stop" : "Destroy";
  async function go() {
    const res = await carryOut({ operationId: view.operationId, name: view.confirmName ?? "" });
    router.refresh();
    if (!res.ok) {
      toast.error(res.error.message);
      throw new Error(res.error.message); // keeps the dialog open
    }
    toast.success(res.data.summary);
  }
  const alreadyGone = view.action === "destroy" && !view.instance && !view.blocked;
  return (
    <section className="mt-4 space-y-3 rounded-lg border p-4 text-sm" data-testid="lifecycle-step">
      <p>
        Center asks to <strong>{view.action}</strong> this subscription&apos;s instance{view.reason ? ` (${view.reason})` : ""}.
      </p>
      {view.instance ? <InstanceFacts instance={view.instance} state={view.providerState} testIdPrefix="lifecycle" /> : null}
      {view.blocked ? <WarningNote>{view.blocked}</WarningNote> : null}
      {alreadyGone ? <p>The instance is already deleted (Center no longer lists it): reporting the item done changes nothing else.</p> : null}
      {canOperate && !view.blocked ? (
        <>
          <Button variant={view.action === "destroy" ? "destructive" : "default"} onClick={() => setOpen(true)} data-testid="lifecycle-start">
            {view.action === "stop" ? <Power aria-hidden className="size-4" /> : <Trash2 aria-hidden className="size-4" />}
            {alreadyGone ? "Report the item done" : `${verb} ${view.confirmName}…`}
          </Button>
          <ConfirmDialog
            open={open}
            onOpenChange={setOpen}
            title={alreadyGone ? "Report the item done?" : `${verb} ${view.confirmName}?`}
            description={
              view.action === "stop"
                ? "Lightsail stops the machine (its disk and address are kept): the node serves nobody until it is started again. k2ops waits until Lightsail says stopped, then reports the item done."
                : "Lightsail deletes the machine and its disk: this cannot be undone. k2ops waits until it is gone, removes the node's record at Center, then reports the item done."
            }
            requireText={alreadyGone ? undefined : (view.confirmName ?? undefined)}
            confirmLabel={alreadyGone ? "Report done" : verb}
            onConfirm={go}
          />
        </>
      ) : null}
    </section>
  );
}
