import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { listDeliveries } from "@/lib/notify/log";
import { listTargetViews } from "@/lib/notify/targets";
import { PageHeader } from "@/components/shell/page-header";
import { NotifySettings } from "@/components/notify/notify-settings";
import { addNotifyTargetAction, changeNotifyTargetAction, removeNotifyTargetAction, resendNotifyAction, testNotifyTargetAction } from "./actions";

export const dynamic = "force-dynamic";

export async function generateMetadata() {
  const t = await getTranslations("notify");
  return { title: t("title") };
}

export default async function NotificationsPage() {
  const user = await requireUser();
  const t = await getTranslations("notify");
  const tRoles = await getTranslations("roles");
  if (!hasRole(user.role, "admin")) {
    return (
      <>
        <PageHeader help="notifications" title={t("title")} />
        <p role="alert" className="rounded-lg border border-border bg-card p-4 text-sm">
          {t("adminOnly", { role: tRoles(user.role) })}
        </p>
      </>
    );
  }
  const [targets, log] = await Promise.all([listTargetViews(), listDeliveries({ limit: 100 })]);
  return (
    <>
      <PageHeader help="notifications" title={t("title")} description={t("description")} />
      <NotifySettings
        targets={targets}
        deliveries={log.rows}
        total={log.total}
        actions={{ add: addNotifyTargetAction, change: changeNotifyTargetAction, remove: removeNotifyTargetAction, test: testNotifyTargetAction, resend: resendNotifyAction }}
      />
    </>
  );
}
