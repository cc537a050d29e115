import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { centerClientFromEnv } from "@/lib/center/client";
import { ActionFailure } from "@/lib/errors";
import { chooseView } from "@/lib/provisioning/choose";
import { runStepper } from "@/lib/provisioning/run-view";
import { PageHeader } from "@/components/shell/page-header";
import { ChooseStep } from "@/components/provisioning/choose-step";
import { RunStepper } from "@/components/provisioning/run-stepper";
import { confirmChoicesAction, startProvisionRunAction } from "../actions";

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
  let view;
  try {
    view = await chooseView(operationId, { client: centerClientFromEnv(), account: one(sp.account), region: one(sp.region) });
  } catch (e) {
    if (e instanceof ActionFailure) {
      return (
        <>
          <PageHeader title={`Work item ${operationId}`} description="The provisioning wizard." />
          <p role="alert" className="rounded-md border border-warning/50 bg-warning/10 p-3 text-sm" data-testid="wizard-unavailable">
            {e.message}
          </p>
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
  return (
    <>
      <PageHeader title={`Provision ${view.name} (work item ${operationId})`} description={`Sold: ${view.ask.region} · ${view.ask.soldGib.toLocaleString("en-US")} GiB a month · ${view.ask.ipType}. Choose where the node runs (k2ops checks every choice again when you confirm), then let k2ops create the VPS.`} />
      {choosing && !stepper?.vps ? <ChooseStep view={view} canOperate={canOperate} confirm={confirmChoicesAction} /> : null}
      {stepper ? <RunStepper view={stepper} canOperate={canOperate} start={startProvisionRunAction} /> : null}
      <p className="mt-4 text-xs text-muted-foreground">
        Steps 4 to 8 (provision-node.sh and the move to port 1022, .env on stdin, deploy, wait for self-registration, verify) are not built yet: the run waits at step 4 with its VPS running. <Link href="/provisioning" className="underline-offset-2 hover:underline">Back to Provisioning</Link>
      </p>
    </>
  );
}
