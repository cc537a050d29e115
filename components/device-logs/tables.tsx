import Link from "next/link";
import type { LogRow, TicketRow } from "@/lib/device-logs";
import { Badge } from "@/components/ui/badge";

// The Device logs page's ticket and log tables (presentational; server-rendered).

/** unix seconds → "YYYY-MM-DD HH:MM" (UTC) */
export const when = (s: number) => new Date(s * 1000).toISOString().slice(0, 16).replace("T", " ");
export const logHref = (s3Key: string) => `/device-logs/log?key=${encodeURIComponent(s3Key)}`;

export function TicketsTable({ tickets }: { tickets: TicketRow[] }) {
  if (!tickets.length) return <p className="text-sm text-muted-foreground">No ticket matches.</p>;
  return (
    <table className="w-full text-sm" data-testid="tickets">
      <thead className="text-left text-xs text-muted-foreground">
        <tr>
          <th className="py-1 pr-3">Ticket</th>
          <th className="py-1 pr-3">Created (UTC)</th>
          <th className="py-1 pr-3">User</th>
          <th className="py-1 pr-3">Device</th>
          <th className="py-1 pr-3">What they said</th>
          <th className="py-1 pr-3">Logs</th>
          <th className="py-1">Status</th>
        </tr>
      </thead>
      <tbody>
        {tickets.map((t) => (
          <tr key={t.id} className="border-t align-top" data-ticket={t.feedbackId}>
            <td className="py-1 pr-3 font-mono">
              <Link className="underline-offset-2 hover:underline" href={`/device-logs/tickets/${t.id}`}>
                {t.feedbackId}
              </Link>
            </td>
            <td className="py-1 pr-3 whitespace-nowrap">{when(t.createdAt)}</td>
            <td className="py-1 pr-3">
              {t.email}
              {t.userId ? <span className="block text-xs text-muted-foreground">user {t.userId}</span> : null}
            </td>
            <td className="py-1 pr-3 text-xs">
              <span className="font-mono">{t.udid || "—"}</span>
              {t.os ? <span className="block text-muted-foreground">{t.os} · {t.appVersion}</span> : null}
            </td>
            <td className="max-w-md py-1 pr-3">{t.content}</td>
            <td className="py-1 pr-3">{t.logCount}</td>
            <td className="py-1">
              <Badge variant={t.status === "open" ? "warning" : t.status === "resolved" ? "success" : "secondary"}>{t.status}</Badge>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function LogsTable({ logs }: { logs: LogRow[] }) {
  if (!logs.length) return <p className="text-sm text-muted-foreground">No log upload matches.</p>;
  return (
    <table className="w-full text-sm" data-testid="logs">
      <thead className="text-left text-xs text-muted-foreground">
        <tr>
          <th className="py-1 pr-3">Uploaded (UTC)</th>
          <th className="py-1 pr-3">Type</th>
          <th className="py-1 pr-3">Device</th>
          <th className="py-1 pr-3">Reason</th>
          <th className="py-1 pr-3">Ticket</th>
          <th className="py-1">Object</th>
        </tr>
      </thead>
      <tbody>
        {logs.map((l) => (
          <tr key={l.id} className="border-t align-top" data-log-type={l.logType}>
            <td className="py-1 pr-3 whitespace-nowrap">{when(l.createdAt)}</td>
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
  );
}
