import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import type { OpenedFile, ServerLink } from "@/lib/device-logs";
import type { DiagAnalysis, Verdict } from "@/lib/device-logs/diag";
import { formatNumber } from "@/lib/i18n/format";
import { Badge } from "@/components/ui/badge";
import { Time } from "@/components/i18n/time";
import { HeartbeatCharts } from "./heartbeat-charts";

// A client log's DIAG analysis as a page (issue #15): the verdict and the rules
// that decided it, the runbook's findings, session info and the server's node
// in the fleet, the heartbeat charts, problem events by layer and on a
// timeline, health transitions, panics with their stacks. The rules and
// findings come from lib/device-logs/diag as codes (their English beside them
// is for everything else); a finding's symptom or next look without a code is
// the log's own condition or event count, shown verbatim.

// The log's own clock: its timestamps stay in UTC, as in the raw lines, so they can be matched.
const ts = (ms: number | null) => (ms === null ? "—" : new Date(ms).toISOString().replace("T", " ").slice(0, 19));
const VARIANT: Record<Verdict, "success" | "warning" | "destructive"> = { OK: "success", WARN: "warning", CRITICAL: "destructive", PANIC: "destructive" };

export function VerdictCard({ a }: { a: DiagAnalysis }) {
  const t = useTranslations("deviceLogs.analysis");
  return (
    <section className="rounded-lg border p-4 text-sm" data-testid="verdict" data-verdict={a.verdict}>
      <p className="flex items-center gap-2 text-base font-semibold">
        {t("verdict")} <Badge variant={VARIANT[a.verdict]}>{a.verdict}</Badge>
      </p>
      {a.rules.length ? (
        <ul className="mt-2 space-y-1" data-testid="verdict-rules">
          {a.rules.map((r) => (
            <li key={r.rule}>
              <Badge variant={VARIANT[r.level]}>{r.level}</Badge> {t(`rules.${r.code}`)} <span className="text-muted-foreground">({t(`evidence.${r.evidencePhrase.code}`, r.evidencePhrase.values)})</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="mt-2 text-muted-foreground">{t("noRule")}</p>
      )}
      {a.findings.length ? (
        <div className="overflow-x-auto">
        <table className="mt-3 w-full text-xs" data-testid="findings">
          <thead className="text-left text-muted-foreground">
            <tr>
              <th>{t("symptom")}</th>
              <th>{t("likely")}</th>
              <th>{t("next")}</th>
            </tr>
          </thead>
          <tbody>
            {a.findings.map((f) => (
              <tr key={f.symptom} className="border-t">
                <td>
                  {f.symptomCode ? t(`findings.symptom.${f.symptomCode}`) : f.symptom} ({f.count})
                </td>
                <td>{t(`findings.likely.${f.likelyCode}`)}</td>
                <td>{f.nextCode ? t(`findings.next.${f.nextCode}`) : f.next}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      ) : null}
    </section>
  );
}

export function SessionCard({ a, server }: { a: DiagAnalysis; server: ServerLink | null }) {
  const t = useTranslations("deviceLogs.analysis");
  const locale = useLocale();
  const s = a.session;
  // the session's values are the log's (versions, reasons, numbers as logged): verbatim
  const rows: [string, React.ReactNode][] = [
    [t("session.client"), s.version ? `${s.version} · ${s.os ?? "?"} · ${s.arch ?? "?"}` : "—"],
    [t("session.sessions"), String(s.sessions)],
    [t("session.server"), s.server ?? "—"],
    [t("session.mode"), `${s.mode ?? "—"} / ${s.protocol ?? "—"}`],
    [t("session.dial"), s.dialMs === null ? "—" : `${s.dialMs} ms`],
    [t("session.connected"), ts(s.connectedAt)],
    [t("session.ended"), s.endedAt === null ? "—" : t("session.endedValue", { at: ts(s.endedAt), reason: s.endReason ?? "?", up: String(s.uptimeS ?? "?"), tx: String(s.txMB ?? "?"), rx: String(s.rxMB ?? "?") })],
    [t("session.log"), t("session.logValue", { lines: a.lines, kib: Math.round(a.bytes / 1024), first: ts(a.firstAt), last: ts(a.lastAt) })],
  ];
  const statusText = (status: string) => (status === "pass" || status === "fail" || status === "unknown" || status === "error" ? t(`checkStatus.${status}`) : status);
  const node = server?.node;
  const around = node?.around;
  const usage = around?.usage;
  return (
    <section className="rounded-lg border p-4 text-sm" data-testid="session">
      <dl className="grid grid-cols-[9rem_1fr] gap-1">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-muted-foreground">{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {server ? (
        <p className="mt-2" data-testid="server-node">
          {node ? (
            <>
              {t.rich("serverNode", {
                name: node.name,
                ipv4: node.ipv4,
                status: node.verificationStatus ? statusText(node.verificationStatus) : t("neverRun"),
                link: (c) => (
                  <Link className="font-mono underline-offset-2 hover:underline" href={`/nodes/${node.ipv4}`}>
                    {c}
                  </Link>
                ),
                at: () => (node.verificationAt ? t.rich("checkAt", { time: () => <Time value={node.verificationAt} /> }) : null),
                failing: () => (node.failingChecks.length ? t("failing", { checks: node.failingChecks.join(", ") }) : null),
              })}
              {around ? (
                <span className="mt-1 block text-xs text-muted-foreground" data-testid="server-around">
                  {t.rich("around", {
                    end: ts(a.lastAt),
                    check: () =>
                      around.checkBefore
                        ? t.rich(around.checkBefore.failingChecks.length ? "checkBeforeFailing" : "checkBefore", {
                            status: statusText(around.checkBefore.status),
                            checks: around.checkBefore.failingChecks.join(", "),
                            time: () => <Time value={around.checkBefore?.at} />,
                          })
                        : t("noCheckBefore"),
                    // the meter's hour stays on the log's UTC clock, next to the log's end
                    meter: () =>
                      usage
                        ? t("meter", {
                            hour: usage.hour.slice(11, 16),
                            usage: usage.usedBytes === null ? t("usedUnknown") : t("usedGib", { gib: formatNumber(usage.usedBytes / 2 ** 30, locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) }),
                            limit: usage.limitGb ? t("limit", { limit: String(usage.limitGb) }) : "",
                            cut: usage.cut ? t("cut") : usage.cut === false ? t("notCut") : "",
                          })
                        : t("noMeter"),
                  })}
                </span>
              ) : null}
            </>
          ) : (
            <span className="text-muted-foreground">{t("noNode", { server: server.server })}</span>
          )}
        </p>
      ) : null}
    </section>
  );
}

export function FileAnalysis({ file, server, rawHref }: { file: OpenedFile; server: ServerLink | null; rawHref: string }) {
  const t = useTranslations("deviceLogs.analysis");
  const a = file.analysis;
  return (
    <section className="mt-6 space-y-4" data-testid={`file-${file.name}`}>
      <h2 className="text-lg font-semibold">
        {file.name} <span className="text-sm font-normal text-muted-foreground">{t("fileMeta", { kind: t(`kind.${file.kind}`), lines: file.lines })}</span>{" "}
        <Link className="text-sm font-normal underline-offset-2 hover:underline" href={rawHref}>
          {t("rawLog")}
        </Link>
      </h2>
      {!a ? (
        <p className="text-sm text-muted-foreground">{t("notK2")}</p>
      ) : (
        <>
          <div className="grid gap-4 lg:grid-cols-2">
            <VerdictCard a={a} />
            <SessionCard a={a} server={server} />
          </div>
          {a.heartbeatCount ? <HeartbeatCharts beats={a.heartbeats} /> : <p className="text-sm text-muted-foreground">{t("noHeartbeats")}</p>}
          <div className="grid gap-4 lg:grid-cols-2">
            <section className="rounded-lg border p-4 text-sm" data-testid="event-counts">
              <h3 className="font-medium">{t("eventsByLayer")}</h3>
              <p className="text-xs text-muted-foreground">
                {Object.entries(a.layerCounts)
                  .filter(([, n]) => n > 0)
                  .map(([l, n]) => `${l}: ${n}`)
                  .join(" · ") || t("none")}
              </p>
              <div className="overflow-x-auto">
              <table className="mt-2 w-full text-xs">
                <tbody>
                  {a.eventCounts.map((e) => (
                    <tr key={e.name} className="border-t">
                      <td className="font-mono">{e.name}</td>
                      <td>{e.layer}</td>
                      <td className="text-right">{e.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              </div>
            </section>
            <section className="rounded-lg border p-4 text-sm" data-testid="transitions">
              <h3 className="font-medium">{t("transitions", { total: a.transitionTotal })}</h3>
              <ol className="mt-2 space-y-0.5 text-xs">
                {a.transitions.map((x) => (
                  <li key={x.line}>
                    {t.rich("transition", { at: ts(x.at), from: x.from || "?", to: x.to, loss: String(x.loss ?? "?"), rtt: String(x.rttMs ?? "?"), b: (c) => <strong>{c}</strong> })}
                  </li>
                ))}
              </ol>
            </section>
          </div>
          <section className="rounded-lg border p-4 text-sm" data-testid="timeline">
            <h3 className="font-medium">
              {a.timelineTotal > a.timeline.length ? t("timelineLast", { total: a.timelineTotal, shown: a.timeline.length }) : t("timeline", { total: a.timelineTotal })}
            </h3>
            <div className="max-h-80 overflow-auto">
              <table className="mt-2 w-full text-xs">
                <tbody>
                  {a.timeline.map((e) => (
                    <tr key={e.line} className="border-t align-top">
                      <td className="whitespace-nowrap pr-2">{ts(e.at)}</td>
                      <td className="pr-2">{e.layer}</td>
                      <td className="pr-2 font-mono">{e.name}</td>
                      <td className="break-all">
                        {Object.entries(e.fields)
                          .map(([k, x]) => `${k}=${x}`)
                          .join(" ")}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          {a.panics.length ? (
            <section className="rounded-lg border border-destructive/40 p-4 text-sm" data-testid="panics">
              <h3 className="font-medium">{t("panics", { total: a.panicTotal })}</h3>
              {a.panics.map((p) => (
                <div key={p.line} className="mt-2">
                  <p>
                    {t.rich("panic", { at: ts(p.at), line: String(p.line), message: p.message, b: (c) => <strong>{c}</strong> })}
                  </p>
                  {p.stack.length ? <pre className="mt-1 max-h-64 overflow-auto rounded bg-muted p-2 text-xs">{p.stack.join("\n")}</pre> : null}
                </div>
              ))}
            </section>
          ) : null}
        </>
      )}
    </section>
  );
}
