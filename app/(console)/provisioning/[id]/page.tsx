import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { centerClientFromEnv } from "@/lib/center/client";
import { ActionFailure } from "@/lib/errors";
import { chooseView } from "@/lib/provisioning/choose";
import { PageHeader } from "@/components/shell/page-header";
import { ChooseStep } from "@/components/provisioning/choose-step";
import { confirmChoicesAction } from "../actions";

export const metadata = { title: "Provisioning wizard" };
export const dynamic = "force-dynamic";

// The provisioning wizard of one work item k2ops holds (issue #14): step 2,
// choose account / region / plan / image with the rules visible (account and
// region live in the URL: the lists follow them).
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
  return (
    <>
      <PageHeader title={`Provision ${view.name} (work item ${operationId})`} description={`Sold: ${view.ask.region} · ${view.ask.soldGib.toLocaleString("en-US")} GiB a month · ${view.ask.ipType}. Step 2 of the wizard: choose where the node runs; k2ops checks every choice again when you confirm.`} />
      <ChooseStep view={view} canOperate={hasRole(user.role, "operator")} confirm={confirmChoicesAction} />
      <p className="mt-4 text-xs text-muted-foreground">
        The steps after this one (create the VPS pn-&lt;subId&gt;, provision-node.sh, .env on stdin, deploy, wait for self-registration, verify) are not built yet. <Link href="/provisioning" className="underline-offset-2 hover:underline">Back to Provisioning</Link>
      </p>
    </>
  );
}
