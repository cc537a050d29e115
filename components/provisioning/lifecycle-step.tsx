"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
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
  const t = useTranslations("provisioning");
  const router = useRouter();
  const [open, setOpen] = React.useState(false);
  const stop = view.action === "stop";
  const name = view.confirmName ?? "";
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
        {t.rich("lifecycle.asks", { action: t(`action.${view.action}`), reason: view.reason ? t("lifecycle.reason", { reason: view.reason }) : "", b: (c) => <strong>{c}</strong> })}
      </p>
      {view.instance ? <InstanceFacts instance={view.instance} state={view.providerStatePhrase ? t(view.providerStatePhrase.code, view.providerStatePhrase.values) : view.providerState} testIdPrefix="lifecycle" /> : null}
      {view.blocked ? <WarningNote>{view.blockedPhrase ? t(view.blockedPhrase.code, view.blockedPhrase.values) : view.blocked}</WarningNote> : null}
      {alreadyGone ? <p>{t("lifecycle.alreadyGone")}</p> : null}
      {canOperate && !view.blocked ? (
        <>
          <Button variant={view.action === "destroy" ? "destructive" : "default"} onClick={() => setOpen(true)} data-testid="lifecycle-start">
            {view.action === "stop" ? <Power aria-hidden className="size-4" /> : <Trash2 aria-hidden className="size-4" />}
            {alreadyGone ? t("lifecycle.reportDone") : stop ? t("lifecycle.stopButton", { name }) : t("lifecycle.destroyButton", { name })}
          </Button>
          <ConfirmDialog
            open={open}
            onOpenChange={setOpen}
            title={alreadyGone ? t("lifecycle.reportDoneTitle") : stop ? t("lifecycle.stopTitle", { name }) : t("lifecycle.destroyTitle", { name })}
            description={stop ? t("lifecycle.stopDescription") : t("lifecycle.destroyDescription")}
            requireText={alreadyGone ? undefined : (view.confirmName ?? undefined)}
            confirmLabel={alreadyGone ? t("lifecycle.reportDoneConfirm") : stop ? t("lifecycle.stop") : t("lifecycle.destroy")}
            onConfirm={go}
          />
        </>
      ) : null}
    </section>
  );
}
