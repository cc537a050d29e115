import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { centerClientFromEnv } from "@/lib/center/client";
import { ActionFailure, errorSentence } from "@/lib/errors";
import { say } from "@/lib/i18n/server-text";
import { chooseView } from "@/lib/provisioning/choose";
import { runStepper } from "@/lib/provisioning/run-view";
import { findWorkItem } from "@/lib/provisioning";
import { provisionRuns } from "@/lib/provisioning/claim";
import { lifecycleView } from "@/lib/provisioning/lifecycle";
import { changeIpView } from "@/lib/provisioning/change-ip";
import { lightsailClientFromEnv } from "@/lib/lightsail/client";
import { provisionDeadline } from "@/lib/provisioning/work-items";
import { WORK_ITEM_STATUSES } from "@/lib/provisioning/filters";
import { getFormatters, pageLocale } from "@/lib/i18n/server";
import { PageHeader } from "@/components/shell/page-header";
import { ChooseStep } from "@/components/provisioning/choose-step";
import { RunStepper } from "@/components/provisioning/run-stepper";
import { DeadlineNote } from "@/components/provisioning/countdown";
import { LifecycleStep } from "@/components/provisioning/lifecycle-step";
import { ChangeIpStep } from "@/components/provisioning/change-ip-step";
import { WarningNote } from "@/components/provisioning/instance-facts";
import { AbortButton } from "@/components/provisioning/work-item-actions";
import { abortWorkItemAction, carryOutLifecycleAction, changeIpAction, claimWorkItemAction, confirmChoicesAction, startChangeIpRunAction, startProvisionRunAction } from "../actions";

export async function generateMetadata() {
  const t = await getTranslations("provisioning");
  return { title: t("wizard.title") };
}
export const dynamic = "force-dynamic";

// The provisioning wizard of one work item k2ops holds (issue #14): step 2,
// choose account / region / plan / image with the rules visible (account and
// region live in the URL: the lists follow them), then the stepper of the steps
// the durable job runs.
export default async function WorkItemPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const { id } = await params;
  const sp = await searchParams;
  const operationId = Number(id);
  if (!Number.isInteger(operationId) || operationId <= 0 || !process.env.KAITU_CENTER_URL) notFound();
  const t = await getTranslations("provisioning");
  // ids as plain strings: ICU would group them ("1,234")
  const idText = String(operationId);
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : null);
  const held = (await provisionRuns([operationId])).get(operationId);
  if (held && (held.action === "stop" || held.action === "destroy") && ["claimed", "in_progress"].includes(held.status)) {
    const lv = await lifecycleView(operationId, { center: centerClientFromEnv(), lightsail: lightsailClientFromEnv() }).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
    return (
      <>
        <PageHeader help="provisioning" title={held.action === "stop" ? t("wizard.stopTitle", { id: idText }) : t("wizard.destroyTitle", { id: idText })} description={t("wizard.lifecycleDescription")} />
        {typeof lv === "string" ? (
          <WarningNote>{lv}</WarningNote>
        ) : (
          <LifecycleStep view={lv} canOperate={hasRole(user.role, "operator")} carryOut={carryOutLifecycleAction} />
        )}
        {hasRole(user.role, "operator") ? (
          <div className="mt-3">
            <AbortButton id={operationId} actions={{ claim: claimWorkItemAction, abort: abortWorkItemAction }} />
          </div>
        ) : null}
        <BackToProvisioning />
      </>
    );
  }
  if (held?.action === "change_ip") {
    const locale = await pageLocale();
    const stepper = await runStepper(operationId, { locale });
    const open = ["claimed", "in_progress"].includes(held.status);
    const cv = open ? await changeIpView(operationId, { center: centerClientFromEnv(), lightsail: lightsailClientFromEnv() }).catch((e: unknown) => say(errorSentence(e), locale)) : null;
    const canOperate = hasRole(user.role, "operator");
    return (
      <>
        <PageHeader help="provisioning" title={t("wizard.changeIpTitle", { id: idText })} description={t("wizard.changeIpDescription")} />
        {typeof cv === "string" ? (
          <WarningNote>{cv}</WarningNote>
        ) : cv && !cv.plan ? (
          <ChangeIpStep view={cv} canOperate={canOperate} change={changeIpAction} />
        ) : null}
        {stepper ? (
          <RunStepper
            view={stepper}
            canOperate={canOperate}
            start={startChangeIpRunAction}
            wording={{ button: t("wizard.changeIpStart.button"), title: t("wizard.changeIpStart.title"), description: t("wizard.changeIpStart.description"), started: t("wizard.changeIpStart.started") }}
          />
        ) : null}
        {canOperate && open && !(typeof cv === "object" && cv?.plan) ? (
          <div className="mt-3">
            <AbortButton id={operationId} actions={{ claim: claimWorkItemAction, abort: abortWorkItemAction }} />
          </div>
        ) : null}
        <BackToProvisioning />
      </>
    );
  }
  let view;
  try {
    view = await chooseView(operationId, { client: centerClientFromEnv(), account: one(sp.account), region: one(sp.region) });
  } catch (e) {
    if (e instanceof ActionFailure) {
      return (
        <>
          <PageHeader help="provisioning" title={t("wizard.unavailableTitle", { id: idText })} description={t("wizard.unavailableDescription")} />
          <WarningNote testId="wizard-unavailable">{say(e.text, await pageLocale())}</WarningNote>
          <Link href="/provisioning" className="mt-3 inline-block text-sm underline-offset-2 hover:underline">
            {t("wizard.back")}
          </Link>
        </>
      );
    }
    throw e;
  }
  const stepper = await runStepper(operationId, { locale: await pageLocale() });
  const canOperate = hasRole(user.role, "operator");
  const choosing = view.step === "choose" || view.step === "create-vps";
  // Center's own deadline for the item (center-api.md §5.6), from its creation time
  const now = new Date();
  const nowMs = now.getTime();
  const op = await findWorkItem(centerClientFromEnv(), operationId, "provision", { timeoutMs: 10_000 }).catch(() => null);
  const deadline = op ? provisionDeadline(op, now) : null;
  const fmt = await getFormatters();
  const centerStatus = op && isWorkItemStatus(op.status) ? t(`status.${op.status}`) : op?.status;
  return (
    <>
      <PageHeader help="provisioning" title={t("wizard.provisionTitle", { name: view.name, id: idText })} description={t("wizard.provisionDescription", { region: view.ask.region, soldGib: fmt.number(view.ask.soldGib), ipType: view.ask.ipType })} />
      {op ? (
        <p className="text-sm text-muted-foreground" data-testid="run-center-status">
          {t("wizard.atCenter", { status: centerStatus ?? "" })}
          {op.lastError ? t("wizard.atCenterError", { error: op.lastError }) : ""}
        </p>
      ) : null}
      {deadline ? <DeadlineNote deadline={deadline} serverNowMs={nowMs} /> : null}
      {choosing && !stepper?.vps ? <ChooseStep view={view} canOperate={canOperate} confirm={confirmChoicesAction} /> : null}
      {stepper ? <RunStepper view={stepper} canOperate={canOperate} start={startProvisionRunAction} /> : null}
      {canOperate && stepper && ["claimed", "in_progress"].includes(stepper.status) && stepper.step !== "verify" ? (
        <div className="mt-3" data-testid="run-abort">
          <AbortButton id={operationId} actions={{ claim: claimWorkItemAction, abort: abortWorkItemAction }} />
        </div>
      ) : null}
      <p className="mt-4 text-xs text-muted-foreground">
        {t("wizard.neverDone")}{" "}
        <Link href="/provisioning" className="underline-offset-2 hover:underline">
          {t("wizard.back")}
        </Link>
      </p>
    </>
  );
}

const isWorkItemStatus = (s: string): s is (typeof WORK_ITEM_STATUSES)[number] => (WORK_ITEM_STATUSES as readonly string[]).includes(s);

async function BackToProvisioning() {
  const t = await getTranslations("provisioning");
  return (
    <Link href="/provisioning" className="mt-3 inline-block text-sm underline-offset-2 hover:underline">
      {t("wizard.back")}
    </Link>
  );
}
