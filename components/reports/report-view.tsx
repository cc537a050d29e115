import type { AuthRolloutReport, FleetReport, UsersFileReport } from "@/lib/fleet-reports";
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

const STATE_LABEL: Record<string, string> = { no_data: "no data", pending: "pending…" };

function State({ state }: { state: string }) {
  return <Badge variant={STATE_TONE[state] ?? "secondary"}>{STATE_LABEL[state] ?? state}</Badge>;
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
const num = (v: number | null | undefined) => (v === null || v === undefined ? "—" : v.toLocaleString("en-US"));

function UsersFileView({ r }: { r: UsersFileReport }) {
  const v = r.verdict;
  const variant = v.state === "ok" ? "success" : v.state === "blocked" ? "destructive" : v.state === "running" ? "info" : "warning";
  return (
    <>
      <Alert variant={variant} className="mb-3" data-testid="report-verdict" data-state={v.state}>
        <AlertTitle>{v.state === "blocked" ? `BLOCKED: ${v.dirty} dirty node(s)` : v.state === "ok" ? "OK" : v.state === "running" ? "Running" : "Nothing audited"}</AlertTitle>
        <AlertDescription>{v.text}</AlertDescription>
      </Alert>
      <table className="w-full text-sm" data-testid="report-rows">
        <thead>
          <tr className="border-b border-border text-left text-xs text-muted-foreground">
            <th className={th}>Node</th>
            <th className={th}>IPv4</th>
            <th className={th}>State</th>
            <th className={`${th} text-right`}>Entries</th>
            <th className="py-1.5 font-medium">Why</th>
          </tr>
        </thead>
        <tbody>
          {r.rows.map((row) => (
            <tr key={row.ipv4} className="border-b border-border" data-node={row.ipv4} data-state={row.state}>
              <NodeCell name={row.name} ipv4={row.ipv4} />
              <td className="py-1 pr-3 font-mono text-xs">{row.ipv4}</td>
              <td className="py-1 pr-3">
                <State state={row.state} />
                {row.cause === "unmigrated" ? <Badge variant="warning" className="ml-1">un-migrated</Badge> : null}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums">{num(row.entries)}</td>
              <td className="py-1 break-words text-xs">{row.reason ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function AuthRolloutView({ r }: { r: AuthRolloutReport }) {
  const f = r.fleet;
  const pct = (v: number | null) => (v === null ? "—" : `${v.toFixed(1)}%`);
  return (
    <>
      {f.alert ? (
        <Alert variant={f.alert.level === "page" ? "destructive" : "warning"} className="mb-3" data-testid="report-verdict" data-state={f.alert.level}>
          <AlertTitle>{f.alert.level === "page" ? "Single-node isolation: page" : "Fleet-wide Center reachability"}</AlertTitle>
          <AlertDescription>{f.alert.text}</AlertDescription>
        </Alert>
      ) : (
        <Alert variant={r.job.ended ? (f.unknown ? "warning" : "success") : "info"} className="mb-3" data-testid="report-verdict" data-state={r.job.ended ? "clear" : "running"}>
          <AlertTitle>{!r.job.ended ? "Running" : f.read === 0 ? "No node's logs could be read" : "No node reports auth-center-unreachable"}</AlertTitle>
          <AlertDescription>
            {r.job.ended ? `${f.read} node(s) read over the last ${f.window}.` : `${f.read} node(s) read so far, ${f.pending} pending.`}
          </AlertDescription>
        </Alert>
      )}
      {f.unknown ? (
        <Alert variant="warning" className="mb-3" data-testid="report-unknown">
          <AlertDescription>
            {f.unknown} node(s) unknown: their logs could not be read. They are not in the totals (never counted as zeros).
          </AlertDescription>
        </Alert>
      ) : null}
      <dl className="mb-3 grid grid-cols-2 gap-x-6 gap-y-1 rounded-lg border border-border bg-card p-3 text-sm sm:grid-cols-4" data-testid="report-fleet">
        <div>
          <dt className="text-xs text-muted-foreground">FLEET (window {f.window})</dt>
          <dd className="tabular-nums">
            total {num(f.totals.total)} · authed {num(f.totals.authed)}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-muted-foreground">cookie hit · cold</dt>
          <dd className="tabular-nums">
            {num(f.totals.cookie_hit)} · {num(f.totals.cold)}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-muted-foreground">unauthed · legacy (no metadata)</dt>
          <dd className="tabular-nums">
            {num(f.totals.unauthed)} · {num(f.totals.legacy_no_metadata)}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-muted-foreground">unauthed % · authed ratio</dt>
          <dd className="tabular-nums" data-testid="report-ratios">
            {pct(f.unauthedPct)} · {pct(f.authedRatio)}
          </dd>
        </div>
        <div className="col-span-2 text-xs text-muted-foreground sm:col-span-4">
          {f.reporting} reporting · {f.noData} without data · {f.unknown} unknown · {f.skipped} skipped · {f.unreachableTotal} auth-center-unreachable warning(s)
        </div>
      </dl>
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="report-rows">
          <thead>
            <tr className="border-b border-border text-left text-xs text-muted-foreground">
              <th className={th}>Node</th>
              <th className={th}>IPv4</th>
              <th className={th}>State</th>
              {["total", "authed", "cookie hit", "cold", "unauthed", "legacy", "unreachable", "misconf.", "lines"].map((h) => (
                <th key={h} className={`${th} text-right`}>
                  {h}
                </th>
              ))}
              <th className="py-1.5 font-medium">Source / why</th>
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
                <td className="py-1 break-words text-xs">{[row.source === "docker" ? "docker logs" : row.source === "file" ? "k2s.log" : null, row.reason].filter(Boolean).join(" — ")}</td>
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
