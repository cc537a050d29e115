"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { ArrowRightLeft } from "lucide-react";
import type { ChangeIpView } from "@/lib/provisioning/change-ip";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { InstanceFacts, WarningNote } from "./instance-facts";

// A change_ip work item before it is confirmed (issue #14): the instance and its
// address now, why k2ops cannot act when it cannot, Center's ownership
// consequence, and the change behind a typed-name confirmation.

type Res = { ok: true; data: unknown } | { ok: false; error: { message: string } };

export function ChangeIpStep({ view, canOperate, change }: { view: ChangeIpView; canOperate: boolean; change: (input: unknown) => Promise<Res> }) {
  const t = useTranslations("provisioning.changeIp");
  // lib's sentences (the state at Lightsail, why k2ops cannot act, Center's ownership rule) by their catalog codes
  const tp = useTranslations("provisioning");
  const router = useRouter();
  const [open, setOpen] = React.useState(false);
  const name = view.confirmName ?? "";
  async function go() {
    const res = await change({ operationId: view.operationId, name: view.confirmName ?? "" });
    router.refresh();
    if (!res.ok) {
      toast.error(res.error.message);
      throw new Error(res.error.message); // keeps the dialog open
    }
    toast.success(t("started"));
  }
  return (
    <section className="mt-4 space-y-3 rounded-lg border p-4 text-sm" data-testid="change-ip-step">
      <p>
        {t.rich("asks", {
          reason: view.reason ? t("reason", { reason: view.reason }) : "",
          region: view.targetRegion ? t("region", { region: view.targetRegion }) : "",
          b: (c) => <strong>{c}</strong>,
        })}
      </p>
      {view.instance ? <InstanceFacts instance={view.instance} address={view.publicIp} state={view.providerStatePhrase ? tp(view.providerStatePhrase.code, view.providerStatePhrase.values) : view.providerState} testIdPrefix="change-ip" /> : null}
      {view.blocked ? <WarningNote>{view.blockedPhrase ? tp(view.blockedPhrase.code, view.blockedPhrase.values) : view.blocked}</WarningNote> : null}
      {view.ownershipWarning ? (
        <WarningNote testId="change-ip-ownership">{view.ownershipWarningPhrase ? tp(view.ownershipWarningPhrase.code, view.ownershipWarningPhrase.values) : view.ownershipWarning}</WarningNote>
      ) : null}
      {canOperate && !view.blocked ? (
        <>
          <Button variant="destructive" onClick={() => setOpen(true)} data-testid="change-ip-start">
            <ArrowRightLeft aria-hidden className="size-4" />
            {t("button", { name })}
          </Button>
          <ConfirmDialog
            open={open}
            onOpenChange={setOpen}
            title={t("title", { name })}
            description={t("description")}
            requireText={view.confirmName ?? undefined}
            confirmLabel={t("confirm")}
            onConfirm={go}
          />
        </>
      ) : null}
    </section>
  );
}
