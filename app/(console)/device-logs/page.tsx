import { getTranslations } from "next-intl/server";
import { requireUser } from "@/lib/auth/page";
import { centerClientFromEnv } from "@/lib/center/client";
import { logSearchSchema, searchFieldError, searchTriage } from "@/lib/device-logs";
import { PageHeader } from "@/components/shell/page-header";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { LogsTable, TicketsTable } from "@/components/device-logs/tables";
import { WarningNote } from "@/components/provisioning/instance-facts";

export async function generateMetadata() {
  const t = await getTranslations("deviceLogs");
  return { title: t("title") };
}
export const dynamic = "force-dynamic";

// Device-log triage (issue #15; runbook device-logs.md): find the user's ticket
// and uploads at Center; a ticket or an upload opens its analysis.
// Each field's label is search.<name>; the examples are search values (data), the same in every language.
const FIELDS = [
  ["udid", "udid-alice-mac"],
  ["email", "alice@"],
  ["userId", "501"],
  ["reason", "user_feedback_report"],
  ["from", "2026-11-20"],
  ["to", "2026-11-30T23:59Z"],
] as const;
const STATUSES = ["open", "resolved", "closed"] as const;

export default async function DeviceLogsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const t = await getTranslations("deviceLogs");
  const sp = await searchParams;
  const raw = Object.fromEntries(Object.entries(sp).map(([k, v]) => [k, typeof v === "string" ? v : undefined]));
  const parsed = logSearchSchema.safeParse(raw);
  // a field's error: the schema's own messages come with a code (translated), any other is shown as zod gives it
  const errors: Record<string, string> = parsed.success
    ? {}
    : Object.fromEntries(
        parsed.error.issues.map((i) => {
          const e = searchFieldError(i);
          return [String(i.path[0]), e.code ? t(`search.errors.${e.code}`, e.values) : e.text];
        }),
      );
  const configured = !!process.env.KAITU_CENTER_URL;
  const result = parsed.success && configured ? await searchTriage(parsed.data, centerClientFromEnv()) : null;
  return (
    <>
      <PageHeader help="deviceLogs" title={t("title")} description={t("description")} />
      <form method="get" className="grid grid-cols-2 gap-3 rounded-lg border p-4 text-sm md:grid-cols-4" aria-label={t("search.aria")}>
        {FIELDS.map(([name, example]) => (
          <label key={name} className="flex min-w-0 flex-col gap-1">
            <span className="text-xs text-muted-foreground">{t(`search.${name}`)}</span>
            <input name={name} defaultValue={raw[name] ?? ""} placeholder={example} className="w-full min-w-0 rounded-md border bg-background px-2 py-1" aria-invalid={!!errors[name]} />
            {errors[name] ? (
              <span className="text-xs text-destructive" data-testid={`error-${name}`}>
                {errors[name]}
              </span>
            ) : null}
          </label>
        ))}
        <div className="flex min-w-0 flex-col gap-1">
          <label htmlFor="search-status" className="text-xs text-muted-foreground">
            {t("search.status")}
          </label>
          <Select name="status" defaultValue={raw.status ?? ""} emptyValue="__any__">
            <SelectTrigger id="search-status" className="min-w-0">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="__any__">{t("search.any")}</SelectItem>
              {STATUSES.map((s) => (
                <SelectItem key={s} value={s}>
                  {t(`ticketStatus.${s}`)}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <div className="flex items-end">
          <button type="submit" className="rounded-md bg-primary px-3 py-1.5 text-primary-foreground">
            {t("search.submit")}
          </button>
        </div>
      </form>
      {!configured ? <WarningNote>{t("search.noCenter")}</WarningNote> : null}
      {result?.error ? <WarningNote>{result.errorCause !== null ? t("search.centerError", { error: result.errorCause }) : result.error}</WarningNote> : null}
      {result ? (
        <>
          <h2 className="mt-6 mb-2 text-base font-semibold">
            {t("search.tickets")} <span className="text-sm font-normal text-muted-foreground">{t("search.shownOf", { shown: result.tickets.length, total: result.ticketTotal })}</span>
          </h2>
          <TicketsTable tickets={result.tickets} />
          <h2 className="mt-6 mb-2 text-base font-semibold">
            {t("search.logUploads")}{" "}
            <span className="text-sm font-normal text-muted-foreground">
              {t(parsed.success && (parsed.data.email || parsed.data.status) ? "search.logsShownOfTicketsOnly" : "search.shownOf", { shown: result.logs.length, total: result.logTotal })}
            </span>
          </h2>
          <LogsTable logs={result.logs} />
        </>
      ) : null}
    </>
  );
}
