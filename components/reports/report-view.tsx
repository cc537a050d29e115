import { useLocale, useTranslations } from "next-intl";
import type { AuthRolloutReport, FleetReport, UsersFileReport } from "@/lib/fleet-reports";
import type { ReasonPhrase } from "@/lib/fleet-reports/schema";
import { formatNumber } from "@/lib/i18n/format";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge, type BadgeProps } from "@/components/ui/badge";

// One fleet report (runbook §6.5 / §6.6): the verdict banner, the fleet
// totals (auth-rollout) and a row per node. Server-rendered; the page
// refreshes it while the job runs.

const STATE_TONE: Record<string, BadgeProps["variant"]> = {
  clean: "success",
  ok: "success",
  dirty: "destructive",
  unreadable: "destructive",
  unknown: "destructive",
  no_data: "warning",
  skipped: "outline",
  pending: "info",
};

const STATES = ["clean", "ok", "dirty", "unreadable", "unknown", "no_data", "skipped", "pending"] as const;
const isState = (s: string): s is (typeof STATES)[number] => (STATES as readonly string[]).includes(s);

function State({ state }: { state: string }) {
  const t = useTranslations("reports.view.state");
  return <Badge variant={STATE_TONE[state] ?? "secondary"}>{isState(state) ? t(state) : state}</Badge>;
}

function NodeCell({ name, ipv4 }: { name: string; ipv4: string }) {
  return (
    <td className="py-1 pr-3">
      <a href={`/nodes/${ipv4}`} className="underline-offset-2 hover:underline">
        {name}
      </a>
    </td>
  );
}

const th = "py-1.5 pr-3 font-medium";
/** A row's reason from its code (lib's English `reason` is the same; it stays for the CSV). */
function useReason() {
  const t = useTranslations("reports.view.reason");
  return (phrase: ReasonPhrase | null, text: string | null) => (phrase ? t(phrase.code, phrase.values) : (text ?? ""));
}
/** Counts with the page's digit grouping; "—" for a count that was not read. */
function useNum() {
  const locale = useLocale();
  return (v: number | null | undefined) => formatNumber(v, locale);
}

function UsersFileView({ r }: { r: UsersFileReport }) {
  const t = useTranslations("reports.view");
  const num = useNum();
  const reason = useReason();
  const v = r.verdict;
  // the verdict's sentence from its code and values (lib's v.text is the English of the same)
  const variant = v.state === "ok" ? "success" : v.state === "blocked" ? "destructive" : v.state === "running" ? "info" : "warning";
  return (
    <>
      <Alert variant={variant} className="mb-3" data-testid="report-verdict" data-state={v.state}>
        <AlertTitle>{t(`users.title.${v.state}`, v.values)}</AlertTitle>
        <AlertDescription>{t(`users.text.${v.code}`, v.values)}</AlertDescription>
      </Alert>
      <table className="w-full text-sm" data-testid="report-rows">
        <thead>
          <tr className="border-b border-border text-left text-xs text-muted-foreground">
            <th className={th}>{t("columns.node")}</th>
            <th className={th}>{t("columns.ipv4")}</th>
            <th className={th}>{t("columns.state")}</th>
            <th className={`${th} text-right`}>{t("columns.entries")}</th>
            <th className="py-1.5 font-medium">{t("columns.why")}</th>
          </tr>
        </thead>
        <tbody>
          {r.rows.map((row) => (
            <tr key={row.ipv4} className="border-b border-border" data-node={row.ipv4} data-state={row.state}>
              <NodeCell name={row.name} ipv4={row.ipv4} />
              <td className="py-1 pr-3 font-mono text-xs">{row.ipv4}</td>
              <td className="py-1 pr-3">
                <State state={row.state} />
                {row.cause === "unmigrated" ? <Badge variant="warning" className="ml-1">{t("unmigrated")}</Badge> : null}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums">{num(row.entries)}</td>
              <td className="py-1 break-words text-xs">{reason(row.reasonPhrase, row.reason)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

const COUNT_COLUMNS = ["total", "authed", "cookieHit", "cold", "unauthed", "legacy", "unreachable", "misconfigured", "lines"] as const;

function AuthRolloutView({ r }: { r: AuthRolloutReport }) {
  const t = useTranslations("reports.view");
  const locale = useLocale();
  const num = useNum();
  const reason = useReason();
  const f = r.fleet;
  const pct = (v: number | null) => (v === null ? "—" : formatNumber(v / 100, locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }));
  return (
    <>
      {f.alert ? (
        <Alert variant={f.alert.level === "page" ? "destructive" : "warning"} className="mb-3" data-testid="report-verdict" data-state={f.alert.level}>
          <AlertTitle>{t(`auth.alert.${f.alert.level}.title`)}</AlertTitle>
          {/* the alert's sentence from its code and values (lib's alert.text is the English of the same) */}
          <AlertDescription>{t(`auth.alert.${f.alert.code}.text`, f.alert.values)}</AlertDescription>
        </Alert>
      ) : (
        <Alert variant={r.job.ended ? (f.unknown ? "warning" : "success") : "info"} className="mb-3" data-testid="report-verdict" data-state={r.job.ended ? "clear" : "running"}>
          <AlertTitle>{!r.job.ended ? t("auth.running") : f.read === 0 ? t("auth.noneRead") : t("auth.clear")}</AlertTitle>
          <AlertDescription>{r.job.ended ? t("auth.readOver", { read: f.read, window: f.window }) : t("auth.readSoFar", { read: f.read, pending: f.pending })}</AlertDescription>
        </Alert>
      )}
      {f.unknown ? (
        <Alert variant="warning" className="mb-3" data-testid="report-unknown">
          <AlertDescription>{t("auth.unknown", { count: f.unknown })}</AlertDescription>
        </Alert>
      ) : null}
      <dl className="mb-3 grid grid-cols-2 gap-x-6 gap-y-1 rounded-lg border border-border bg-card p-3 text-sm sm:grid-cols-4" data-testid="report-fleet">
        <div>
          <dt className="text-xs text-muted-foreground">{t("auth.fleet", { window: f.window })}</dt>
          <dd className="tabular-nums">{t("auth.totalAuthed", { total: num(f.totals.total), authed: num(f.totals.authed) })}</dd>
        </div>
        <div>
          <dt className="text-xs text-muted-foreground">{t("auth.cookieCold")}</dt>
          <dd className="tabular-nums">
            {num(f.totals.cookie_hit)} · {num(f.totals.cold)}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-muted-foreground">{t("auth.unauthedLegacy")}</dt>
          <dd className="tabular-nums">
            {num(f.totals.unauthed)} · {num(f.totals.legacy_no_metadata)}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-muted-foreground">{t("auth.ratios")}</dt>
          <dd className="tabular-nums" data-testid="report-ratios">
            {pct(f.unauthedPct)} · {pct(f.authedRatio)}
          </dd>
        </div>
        <div className="col-span-2 text-xs text-muted-foreground sm:col-span-4">
          {t("auth.summary", { reporting: f.reporting, noData: f.noData, unknown: f.unknown, skipped: f.skipped, unreachable: f.unreachableTotal })}
        </div>
      </dl>
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="report-rows">
          <thead>
            <tr className="border-b border-border text-left text-xs text-muted-foreground">
              <th className={th}>{t("columns.node")}</th>
              <th className={th}>{t("columns.ipv4")}</th>
              <th className={th}>{t("columns.state")}</th>
              {COUNT_COLUMNS.map((h) => (
                <th key={h} className={`${th} text-right`}>
                  {t(`columns.${h}`)}
                </th>
              ))}
              <th className="py-1.5 font-medium">{t("columns.sourceWhy")}</th>
            </tr>
          </thead>
          <tbody>
            {r.rows.map((row) => (
              <tr key={row.ipv4} className="border-b border-border" data-node={row.ipv4} data-state={row.state}>
                <NodeCell name={row.name} ipv4={row.ipv4} />
                <td className="py-1 pr-3 font-mono text-xs">{row.ipv4}</td>
                <td className="py-1 pr-3">
                  <State state={row.state} />
                </td>
                {[row.counts?.total, row.counts?.authed, row.counts?.cookie_hit, row.counts?.cold, row.counts?.unauthed, row.counts?.legacy_no_metadata, row.unreachable, row.misconfigured, row.lines].map((v, i) => (
                  <td key={i} className={`py-1 pr-3 text-right tabular-nums ${i === 6 && (v ?? 0) > 0 ? "font-semibold text-destructive" : ""}`}>
                    {num(v)}
                  </td>
                ))}
                <td className="py-1 break-words text-xs">{[row.source === "docker" || row.source === "file" ? t(`auth.source.${row.source}`) : null, reason(row.reasonPhrase, row.reason)].filter(Boolean).join(" — ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The report's banner, totals and rows. */
export function ReportView({ report }: { report: FleetReport }) {
  return report.kind === "users-file-audit" ? <UsersFileView r={report} /> : <AuthRolloutView r={report} />;
}
