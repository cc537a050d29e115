import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { distinctAuditActions, listAuditEvents, parseAuditFilter } from "@/lib/audit";
import { PageHeader } from "@/components/shell/page-header";
import { AuditFilters } from "@/components/audit/audit-filters";
import { AuditTable } from "@/components/audit/audit-table";
import { AuditPager } from "@/components/audit/audit-pager";
import { userColumns } from "@/lib/table-columns";
import { saveTableColumnsAction } from "../table-columns-action";

export async function generateMetadata() {
  const t = await getTranslations("audit");
  return { title: t("title") };
}
export const dynamic = "force-dynamic";

type SP = Promise<Record<string, string | string[] | undefined>>;

export default async function AuditPage({ searchParams }: { searchParams: SP }) {
  const user = await requireUser();
  const sp = await searchParams;
  const filter = parseAuditFilter(sp);
  const [data, actions, columns] = await Promise.all([listAuditEvents(filter), distinctAuditActions(), userColumns("audit", user.id)]);
  const t = await getTranslations("audit");
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(sp)) if (typeof v === "string" && v && k !== "page") query.set(k, v);
  return (
    <>
      <PageHeader help="audit"
        title={t("title")}
        description={t("description")}
        actions={
          <a className="text-sm font-medium underline underline-offset-4" href={`/api/audit/export?${query.toString()}`} download>
            {t("export")}
          </a>
        }
      />
      <AuditFilters actions={actions} value={{ user: filter.user, action: filter.action, node: filter.node, outcome: filter.outcome, from: sp.from as string | undefined, to: sp.to as string | undefined }} />
      <p className="my-2 text-sm text-muted-foreground" data-testid="audit-total">
        {t("total", { count: data.total })}
      </p>
      <AuditTable
        hiddenColumns={columns.hidden}
        saveColumns={async (input) => {
          "use server";
          return saveTableColumnsAction({ table: "audit", hidden: input.hidden });
        }}
        rows={data.rows.map((r) => ({
          id: r.id,
          at: r.at.toISOString(),
          actor: r.actorEmail,
          role: r.actorRole,
          action: r.action,
          target: r.targetId ? `${r.targetType}:${r.targetId}` : r.targetType,
          status: r.status,
          durationMs: r.durationMs,
          ip: r.ip,
          params: JSON.stringify(r.params),
          result: r.result === null ? "" : JSON.stringify(r.result),
          error: r.error ?? "",
        }))}
      />
      <AuditPager page={data.page} pages={data.pages} query={query.toString()} />
    </>
  );
}
