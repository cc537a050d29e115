import { Suspense } from "react";
import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { runMeteringAudits } from "@/lib/metering/audits";
import { meteringPageView, meteringRange } from "@/lib/metering/view";
import { PageHeader } from "@/components/shell/page-header";
import { MeteringAudits } from "@/components/metering/metering-audits";
import { MeteringOverview } from "@/components/metering/metering-overview";
import { Skeleton } from "@/components/ui/skeleton";
import { userColumns } from "@/lib/table-columns";
import { saveTableColumnsAction } from "../table-columns-action";

export async function generateMetadata() {
  const t = await getTranslations("metering");
  return { title: t("title") };
}
export const dynamic = "force-dynamic";

// the audits read Center's cloud inventory (cached a minute): streamed, so a slow Center never holds the table back
async function Audits({ canFix }: { canFix: boolean }) {
  const { audits, problems, problemPhrases, rulesSource } = await runMeteringAudits();
  return <MeteringAudits audits={audits} problems={problems} problemPhrases={problemPhrases} rulesSource={rulesSource} canFix={canFix} />;
}

export default async function MeteringPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const [view, columns] = await Promise.all([meteringPageView({ range: meteringRange((await searchParams).range) }), userColumns("metering", user.id)]);
  const t = await getTranslations("metering");
  return (
    <>
      <PageHeader help="metering" title={t("title")} description={t("description")} />
      <MeteringOverview
        view={view}
        hiddenColumns={columns.hidden}
        saveColumns={async (input) => {
          "use server";
          return saveTableColumnsAction({ table: "metering", hidden: input.hidden });
        }}
      />
      <div className="mt-6">
        <Suspense fallback={<Skeleton className="h-24 w-full" />}>
          <Audits canFix={hasRole(user.role, "operator")} />
        </Suspense>
      </div>
    </>
  );
}
