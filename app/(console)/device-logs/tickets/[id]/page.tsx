import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { centerClientFromEnv } from "@/lib/center/client";
import { ActionFailure } from "@/lib/errors";
import { ticketView } from "@/lib/device-logs";
import { PageHeader } from "@/components/shell/page-header";
import { LogsTable, secondsToMs } from "@/components/device-logs/tables";
import { WarningNote } from "@/components/provisioning/instance-facts";
import { Badge } from "@/components/ui/badge";
import { Time } from "@/components/i18n/time";
import { TicketActions } from "@/components/device-logs/ticket-actions";
import { replyTicketAction, resolveTicketAction } from "../../actions";

export async function generateMetadata() {
  const tr = await getTranslations("deviceLogs");
  return { title: tr("ticket.metaTitle") };
}
export const dynamic = "force-dynamic";

// One feedback ticket (issue #15): what the user said, the replies, and the
// logs uploaded with it (by its feedbackId), each opening its analysis.
export default async function TicketPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const id = Number((await params).id);
  if (!Number.isInteger(id) || id <= 0 || !process.env.KAITU_CENTER_URL) notFound();
  let v;
  try {
    v = await ticketView(id, centerClientFromEnv());
  } catch (e) {
    if (e instanceof ActionFailure && e.code === "not_found") notFound();
    return <WarningNote>{e instanceof Error ? e.message : String(e)}</WarningNote>;
  }
  const t = v.ticket;
  const tr = await getTranslations("deviceLogs");
  const created = <Time value={secondsToMs(t.createdAt)} />;
  const resolved = t.resolvedAt ? <Time value={secondsToMs(t.resolvedAt)} /> : null;
  const device = t.udid || tr("ticket.noDevice");
  return (
    <>
      <PageHeader
        help="deviceLogs"
        title={tr("ticket.title", { id: t.feedbackId })}
        description={t.userId ? tr.rich("ticket.descriptionUser", { email: t.email, userId: String(t.userId), device, time: () => created }) : tr.rich("ticket.description", { email: t.email, device, time: () => created })}
      />
      <section className="space-y-2 rounded-lg border p-4 text-sm" data-testid="ticket">
        <p>
          <Badge variant={t.status === "open" ? "warning" : t.status === "resolved" ? "success" : "secondary"}>{t.status === "open" || t.status === "resolved" || t.status === "closed" ? tr(`ticketStatus.${t.status}`) : t.status}</Badge>
          {t.resolvedBy ? <span className="ml-2 text-muted-foreground">{resolved ? tr.rich("ticket.resolvedByAt", { who: t.resolvedBy, time: () => resolved }) : tr("ticket.resolvedBy", { who: t.resolvedBy })}</span> : null}
        </p>
        <p className="whitespace-pre-wrap">{t.content}</p>
        <p className="text-xs text-muted-foreground">
          {Object.entries(t.meta)
            .filter(([, x]) => typeof x === "string" || typeof x === "number")
            .map(([k, x]) => `${k}: ${String(x)}`)
            .join(" · ")}
        </p>
      </section>
      <h2 className="mt-6 mb-2 text-base font-semibold">{tr("ticket.replies")}</h2>
      {v.replies.length ? (
        <ol className="space-y-2 text-sm" data-testid="replies">
          {v.replies.map((r) => (
            <li key={r.id} className="rounded-md border p-2">
              <span className="text-xs text-muted-foreground">
                {r.senderType === "user" || r.senderType === "admin" ? tr(`ticket.sender.${r.senderType}`) : r.senderType} · {r.senderName} · <Time value={secondsToMs(r.createdAt)} />
              </span>
              <p className="whitespace-pre-wrap">{r.content}</p>
            </li>
          ))}
        </ol>
      ) : (
        <p className="text-sm text-muted-foreground">{tr("ticket.noReplies")}</p>
      )}
      {hasRole(user.role, "operator") ? (
        process.env.KAITU_SUPPORT_ACCESS_KEY ? (
          <TicketActions id={t.id} status={t.status} actions={{ resolve: resolveTicketAction, reply: replyTicketAction }} />
        ) : (
          <p className="mt-4 text-xs text-muted-foreground">{tr("ticket.needSupportKey")}</p>
        )
      ) : null}
      <h2 className="mt-6 mb-2 text-base font-semibold">{tr("ticket.logs")}</h2>
      <LogsTable logs={v.logs} />
      <Link href="/device-logs" className="mt-4 inline-block text-sm underline-offset-2 hover:underline">
        {tr("backToList")}
      </Link>
    </>
  );
}
