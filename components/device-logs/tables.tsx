import Link from "next/link";
import { useTranslations } from "next-intl";
import type { LogRow, TicketRow } from "@/lib/device-logs";
import { Badge } from "@/components/ui/badge";
import { Time } from "@/components/i18n/time";

// The Device logs page's ticket and log tables (presentational; server-rendered).

/** Center's times are unix seconds. */
export const secondsToMs = (s: number) => s * 1000;
export const logHref = (s3Key: string) => `/device-logs/log?key=${encodeURIComponent(s3Key)}`;

/** A ticket status in the page's language (Center's open | resolved | closed; anything else as Center sent it). */
export function useTicketStatusText() {
  const tStatus = useTranslations("deviceLogs.ticketStatus");
  return (status: string) => (status === "open" || status === "resolved" || status === "closed" ? tStatus(status) : status);
}

export function TicketsTable({ tickets }: { tickets: TicketRow[] }) {
  const t = useTranslations("deviceLogs.tables");
  const statusText = useTicketStatusText();
  if (!tickets.length) return <p className="text-sm text-muted-foreground">{t("noTicket")}</p>;
  return (
    <div className="overflow-x-auto">
    <table className="w-full text-sm" data-testid="tickets">
      <thead className="text-left text-xs text-muted-foreground">
        <tr>
          <th className="py-1 pr-3">{t("ticket")}</th>
          <th className="py-1 pr-3">{t("created")}</th>
          <th className="py-1 pr-3">{t("user")}</th>
          <th className="py-1 pr-3">{t("device")}</th>
          <th className="py-1 pr-3">{t("said")}</th>
          <th className="py-1 pr-3">{t("logs")}</th>
          <th className="py-1">{t("status")}</th>
        </tr>
      </thead>
      <tbody>
        {tickets.map((tk) => (
          <tr key={tk.id} className="border-t align-top" data-ticket={tk.feedbackId}>
            <td className="py-1 pr-3 font-mono">
              <Link className="underline-offset-2 hover:underline" href={`/device-logs/tickets/${tk.id}`}>
                {tk.feedbackId}
              </Link>
            </td>
            <td className="py-1 pr-3 whitespace-nowrap">
              <Time value={secondsToMs(tk.createdAt)} />
            </td>
            <td className="py-1 pr-3">
              {tk.email}
              {tk.userId ? <span className="block text-xs text-muted-foreground">{t("userId", { id: String(tk.userId) })}</span> : null}
            </td>
            <td className="py-1 pr-3 text-xs">
              <span className="font-mono">{tk.udid || "—"}</span>
              {tk.os ? <span className="block text-muted-foreground">{tk.os} · {tk.appVersion}</span> : null}
            </td>
            <td className="max-w-md py-1 pr-3">{tk.content}</td>
            <td className="py-1 pr-3">{tk.logCount}</td>
            <td className="py-1">
              <Badge variant={tk.status === "open" ? "warning" : tk.status === "resolved" ? "success" : "secondary"}>{statusText(tk.status)}</Badge>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

export function LogsTable({ logs }: { logs: LogRow[] }) {
  const t = useTranslations("deviceLogs.tables");
  if (!logs.length) return <p className="text-sm text-muted-foreground">{t("noLog")}</p>;
  return (
    <div className="overflow-x-auto">
    <table className="w-full text-sm" data-testid="logs">
      <thead className="text-left text-xs text-muted-foreground">
        <tr>
          <th className="py-1 pr-3">{t("uploaded")}</th>
          <th className="py-1 pr-3">{t("type")}</th>
          <th className="py-1 pr-3">{t("device")}</th>
          <th className="py-1 pr-3">{t("reason")}</th>
          <th className="py-1 pr-3">{t("ticket")}</th>
          <th className="py-1">{t("object")}</th>
        </tr>
      </thead>
      <tbody>
        {logs.map((l) => (
          <tr key={l.id} className="border-t align-top" data-log-type={l.logType}>
            <td className="py-1 pr-3 whitespace-nowrap">
              <Time value={secondsToMs(l.createdAt)} />
            </td>
            <td className="py-1 pr-3">{l.logType}</td>
            <td className="py-1 pr-3 font-mono text-xs">{l.udid}</td>
            <td className="py-1 pr-3 text-xs">{l.reason}</td>
            <td className="py-1 pr-3 font-mono text-xs">{l.feedbackId || "—"}</td>
            <td className="py-1 font-mono text-xs break-all">
              <Link className="underline-offset-2 hover:underline" href={logHref(l.s3Key)}>
                {l.s3Key}
              </Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}
