import { requireUser } from "@/lib/auth/page";
import { centerClientFromEnv } from "@/lib/center/client";
import { logSearchSchema, searchTriage } from "@/lib/device-logs";
import { PageHeader } from "@/components/shell/page-header";
import { LogsTable, TicketsTable } from "@/components/device-logs/tables";
import { WarningNote } from "@/components/provisioning/instance-facts";

export const metadata = { title: "Device logs" };
export const dynamic = "force-dynamic";

// Device-log triage (issue #15; runbook device-logs.md): find the user's ticket
// and uploads at Center; a ticket or an upload opens its analysis.
const FIELDS = [
  ["udid", "UDID", "udid-alice-mac"],
  ["email", "E-mail (contains)", "alice@"],
  ["userId", "User id", "501"],
  ["reason", "Upload reason", "user_feedback_report"],
  ["from", "From (UTC)", "2026-11-20"],
  ["to", "To (UTC)", "2026-11-30T23:59Z"],
] as const;

export default async function DeviceLogsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const sp = await searchParams;
  const raw = Object.fromEntries(Object.entries(sp).map(([k, v]) => [k, typeof v === "string" ? v : undefined]));
  const parsed = logSearchSchema.safeParse(raw);
  const errors = parsed.success ? {} : Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
  const configured = !!process.env.KAITU_CENTER_URL;
  const result = parsed.success && configured ? await searchTriage(parsed.data, centerClientFromEnv()) : null;
  return (
    <>
      <PageHeader help="deviceLogs" title="Device logs" description="A user's feedback tickets and uploaded logs at Center; open one for its DIAG analysis (computed by k2ops from the whole file)." />
      <form method="get" className="grid grid-cols-2 gap-3 rounded-lg border p-4 text-sm md:grid-cols-4" aria-label="Search tickets and logs">
        {FIELDS.map(([name, label, example]) => (
          <label key={name} className="flex flex-col gap-1">
            <span className="text-xs text-muted-foreground">{label}</span>
            <input name={name} defaultValue={raw[name] ?? ""} placeholder={example} className="rounded-md border bg-background px-2 py-1" aria-invalid={!!errors[name]} />
            {errors[name] ? (
              <span className="text-xs text-destructive" data-testid={`error-${name}`}>
                {errors[name]}
              </span>
            ) : null}
          </label>
        ))}
        <label className="flex flex-col gap-1">
          <span className="text-xs text-muted-foreground">Ticket status</span>
          <select name="status" defaultValue={raw.status ?? ""} className="rounded-md border bg-background px-2 py-1">
            <option value="">any</option>
            <option value="open">open</option>
            <option value="resolved">resolved</option>
            <option value="closed">closed</option>
          </select>
        </label>
        <div className="flex items-end">
          <button type="submit" className="rounded-md bg-primary px-3 py-1.5 text-primary-foreground">
            Search
          </button>
        </div>
      </form>
      {!configured ? <WarningNote>No Center is configured (KAITU_CENTER_URL): there is nothing to search.</WarningNote> : null}
      {result?.error ? <WarningNote>{result.error}</WarningNote> : null}
      {result ? (
        <>
          <h2 className="mt-6 mb-2 text-base font-semibold">
            Tickets <span className="text-sm font-normal text-muted-foreground">({result.tickets.length} of {result.ticketTotal})</span>
          </h2>
          <TicketsTable tickets={result.tickets} />
          <h2 className="mt-6 mb-2 text-base font-semibold">
            Log uploads <span className="text-sm font-normal text-muted-foreground">({result.logs.length} of {result.logTotal}{parsed.success && (parsed.data.email || parsed.data.status) ? "; logs have no e-mail or status: search by UDID or user id" : ""})</span>
          </h2>
          <LogsTable logs={result.logs} />
        </>
      ) : null}
    </>
  );
}
