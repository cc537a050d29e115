import { requireUser } from "@/lib/auth/page";
import { meteringPageView, meteringRange } from "@/lib/metering/view";
import { PageHeader } from "@/components/shell/page-header";
import { MeteringOverview } from "@/components/metering/metering-overview";

export const metadata = { title: "Metering" };
export const dynamic = "force-dynamic";

export default async function MeteringPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const view = await meteringPageView({ range: meteringRange((await searchParams).range) });
  return (
    <>
      <PageHeader title="Metering" description="Quota used per node this billing cycle, as each node's own meter counts it, with the history k2ops records itself." />
      <MeteringOverview view={view} />
    </>
  );
}
