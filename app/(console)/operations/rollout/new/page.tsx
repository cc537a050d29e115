import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { fleetQuerySchema } from "@/lib/fleet";
import { PageHeader } from "@/components/shell/page-header";
import { RolloutForm, type RolloutTargetInput } from "@/components/rollout/rollout-form";
import { previewRolloutAction, startRolloutAction } from "../../rollout-actions";

export async function generateMetadata() {
  const t = await getTranslations("rollout.page");
  return { title: t("title") };
}
export const dynamic = "force-dynamic";

const FLEET_KEYS = Object.keys(fleetQuerySchema.shape);

/**
 * The target as the fleet table links it: `?target=selection&nodes=a,b` (in the
 * table's order) or `?target=filter&<the table's own URL parameters>`. Nothing
 * here is trusted: the form and the server validate it.
 */
function targetOf(sp: Record<string, string | string[] | undefined>): RolloutTargetInput {
  const list = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : []);
  if (sp.target === "filter") {
    const filter: Record<string, string> = {};
    for (const k of FLEET_KEYS) {
      const v = list(sp[k])[0];
      if (v) filter[k] = v.slice(0, 200);
    }
    return { filter };
  }
  const nodes = [...new Set(list(sp.nodes).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean))];
  return { selection: nodes.slice(0, 10_000) };
}

export default async function NewRolloutPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const t = await getTranslations("rollout.page");
  const tRoles = await getTranslations("roles");
  const header = <PageHeader help="rollout" title={t("title")} description={t("description")} />;
  if (!hasRole(user.role, "operator")) {
    return (
      <>
        {header}
        <p role="alert" className="rounded-md border border-warning/50 bg-warning/10 p-3 text-sm" data-testid="rollout-forbidden">
          {t.rich("forbidden", {
            role: tRoles(user.role),
            link: (c) => (
              <Link href="/operations" className="underline">
                {c}
              </Link>
            ),
          })}
        </p>
      </>
    );
  }
  return (
    <>
      {header}
      <RolloutForm initialTarget={targetOf(sp)} preview={previewRolloutAction} start={startRolloutAction} />
    </>
  );
}
