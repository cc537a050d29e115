import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { centerClientFromEnv } from "@/lib/center/client";
import { ActionFailure } from "@/lib/errors";
import { chooseView } from "@/lib/provisioning/choose";
import { runStepper } from "@/lib/provisioning/run-view";
import { findWorkItem } from "@/lib/provisioning";
import { provisionRuns } from "@/lib/provisioning/claim";
import { lifecycleView } from "@/lib/provisioning/lifecycle";
import { changeIpView } from "@/lib/provisioning/change-ip";
import { lightsailClientFromEnv } from "@/lib/lightsail/client";
import { provisionDeadline } from "@/lib/provisioning/work-items";
import { PageHeader } from "@/components/shell/page-header";
import { ChooseStep } from "@/components/provisioning/choose-step";
import { RunStepper } from "@/components/provisioning/run-stepper";
import { DeadlineNote } from "@/components/provisioning/countdown";
import { LifecycleStep } from "@/components/provisioning/lifecycle-step";
import { ChangeIpStep } from "@/components/provisioning/change-ip-step";
import { WarningNote } from "@/components/provisioning/instance-facts";
import { AbortButton } from "@/components/provisioning/work-item-actions";
import { abortWorkItemAction, carryOutLifecycleAction, changeIpAction, claimWorkItemAction, confirmChoicesAction, startChangeIpRunAction, startProvisionRunAction } from "../actions";

export const metadata = { title: "Provisioning wizard" };
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
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : null);
  const held = (await provisionRuns([operationId])).get(operationId);
  if (held && (held.action === "stop" || held.action === "destroy") && ["claimed", "in_progress"].includes(held.status)) {
    const lv = await lifecycleView(operationId, { center: centerClientFromEnv(), lightsail: lightsailClientFromEnv() }).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
    return (
      <>
        <PageHeader help="provisioning" title={`${held.action === "stop" ? "Stop" : "Destroy"} — work item ${operationId}`} description="A private subscription's lifecycle item (Center's daily sweep): k2ops acts at Lightsail, confirms the result there, then reports the item done." />
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
    const stepper = await runStepper(operationId);
    const open = ["claimed", "in_progress"].includes(held.status);
    const cv = open ? await changeIpView(operationId, { center: centerClientFromEnv(), lightsail: lightsailClientFromEnv() }).catch((e: unknown) => (e instanceof Error ? e.message : String(e))) : null;
    const canOperate = hasRole(user.role, "operator");
    return (
      <>
        <PageHeader help="provisioning" title={`Change IP — work item ${operationId}`} description="A private node's new public address: k2ops swaps the instance's Lightsail static IP, has the node register again from the new address (same host key), verifies it there and reports the item done." />
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
            wording={{ button: "Continue the change", title: "Continue the address change?", description: "Every move is looked up at Lightsail before it is made: a retry never allocates a second static IP. The steps run as a durable job; a console restart resumes it.", started: "Started: the address change continues" }}
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
          <PageHeader help="provisioning" title={`Work item ${operationId}`} description="The provisioning wizard." />
          <WarningNote testId="wizard-unavailable">{e.message}</WarningNote>
          <Link href="/provisioning" className="mt-3 inline-block text-sm underline-offset-2 hover:underline">
            Back to Provisioning
          </Link>
        </>
      );
    }
    throw e;
  }
  const stepper = await runStepper(operationId);
  const canOperate = hasRole(user.role, "operator");
  const choosing = view.step === "choose" || view.step === "create-vps";
  // Center's own deadline for the item (center-api.md §5.6), from its creation time
  const now = new Date();
  const nowMs = now.getTime();
  const op = await findWorkItem(centerClientFromEnv(), operationId, "provision", { timeoutMs: 10_000 }).catch(() => null);
  const deadline = op ? provisionDeadline(op, now) : null;
  return (
    <>
      <PageHeader help="provisioning" title={`Provision ${view.name} (work item ${operationId})`} description={`Sold: ${view.ask.region} · ${view.ask.soldGib.toLocaleString("en-US")} GiB a month · ${view.ask.ipType}. Choose where the node runs (k2ops checks every choice again when you confirm), then k2ops creates the VPS, prepares it, deploys the stack and waits for the node to register itself.`} />
      {op ? (
        <p className="text-sm text-muted-foreground" data-testid="run-center-status">
          At Center: {op.status}
          {op.lastError ? ` (${op.lastError})` : ""}
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
        k2ops never reports the item done: the node&apos;s own registration with its claim does. <Link href="/provisioning" className="underline-offset-2 hover:underline">Back to Provisioning</Link>
      </p>
    </>
  );
}

function BackToProvisioning() {
  return (
    <Link href="/provisioning" className="mt-3 inline-block text-sm underline-offset-2 hover:underline">
      Back to Provisioning
    </Link>
  );
}
