import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { listDeliveries } from "@/lib/notify/log";
import { listTargetViews } from "@/lib/notify/targets";
import { PageHeader } from "@/components/shell/page-header";
import { NotifySettings } from "@/components/notify/notify-settings";
import { addNotifyTargetAction, changeNotifyTargetAction, removeNotifyTargetAction, resendNotifyAction, testNotifyTargetAction } from "./actions";

export const metadata = { title: "Notifications" };
export const dynamic = "force-dynamic";

export default async function NotificationsPage() {
  const user = await requireUser();
  if (!hasRole(user.role, "admin")) {
    return (
      <>
        <PageHeader title="Notifications" />
        <p role="alert" className="rounded-lg border border-border bg-card p-4 text-sm">
          You need the admin role to manage notifications. You are signed in as {user.role}.
        </p>
      </>
    );
  }
  const [targets, log] = await Promise.all([listTargetViews(), listDeliveries({ limit: 100 })]);
  return (
    <>
      <PageHeader title="Notifications" description="Where rollouts, metering alerts and new work items are announced (a webhook or a Slack incoming webhook), which events go where, and every delivery. Messages never carry a secret." />
      <NotifySettings
        targets={targets}
        deliveries={log.rows}
        total={log.total}
        actions={{ add: addNotifyTargetAction, change: changeNotifyTargetAction, remove: removeNotifyTargetAction, test: testNotifyTargetAction, resend: resendNotifyAction }}
      />
    </>
  );
}
