import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/page";
import { hasRole } from "@/lib/auth/roles";
import { centerClientFromEnv } from "@/lib/center/client";
import { ActionFailure } from "@/lib/errors";
import { ticketView } from "@/lib/device-logs";
import { PageHeader } from "@/components/shell/page-header";
import { LogsTable, when } from "@/components/device-logs/tables";
import { WarningNote } from "@/components/provisioning/instance-facts";
import { Badge } from "@/components/ui/badge";
import { TicketActions } from "@/components/device-logs/ticket-actions";
import { replyTicketAction, resolveTicketAction } from "../../actions";

export const metadata = { title: "Ticket" };
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
  return (
    <>
      <PageHeader help="deviceLogs" title={`Ticket ${t.feedbackId}`} description={`${t.email}${t.userId ? ` · user ${t.userId}` : ""} · ${t.udid || "no device"} · created ${when(t.createdAt)} UTC`} />
      <section className="space-y-2 rounded-lg border p-4 text-sm" data-testid="ticket">
        <p>
          <Badge variant={t.status === "open" ? "warning" : t.status === "resolved" ? "success" : "secondary"}>{t.status}</Badge>
          {t.resolvedBy ? <span className="ml-2 text-muted-foreground">by {t.resolvedBy}{t.resolvedAt ? ` at ${when(t.resolvedAt)} UTC` : ""}</span> : null}
        </p>
        <p className="whitespace-pre-wrap">{t.content}</p>
        <p className="text-xs text-muted-foreground">
          {Object.entries(t.meta)
            .filter(([, x]) => typeof x === "string" || typeof x === "number")
            .map(([k, x]) => `${k}: ${String(x)}`)
            .join(" · ")}
        </p>
      </section>
      <h2 className="mt-6 mb-2 text-base font-semibold">Replies</h2>
      {v.replies.length ? (
        <ol className="space-y-2 text-sm" data-testid="replies">
          {v.replies.map((r) => (
            <li key={r.id} className="rounded-md border p-2">
              <span className="text-xs text-muted-foreground">
                {r.senderType} · {r.senderName} · {when(r.createdAt)} UTC
              </span>
              <p className="whitespace-pre-wrap">{r.content}</p>
            </li>
          ))}
        </ol>
      ) : (
        <p className="text-sm text-muted-foreground">No replies.</p>
      )}
      {hasRole(user.role, "operator") ? (
        process.env.KAITU_SUPPORT_ACCESS_KEY ? (
          <TicketActions id={t.id} status={t.status} actions={{ resolve: resolveTicketAction, reply: replyTicketAction }} />
        ) : (
          <p className="mt-4 text-xs text-muted-foreground">Center lets only its support role resolve or reply to tickets: configure KAITU_SUPPORT_ACCESS_KEY to do it from here.</p>
        )
      ) : null}
      <h2 className="mt-6 mb-2 text-base font-semibold">Logs uploaded with it</h2>
      <LogsTable logs={v.logs} />
      <Link href="/device-logs" className="mt-4 inline-block text-sm underline-offset-2 hover:underline">
        Back to Device logs
      </Link>
    </>
  );
}
