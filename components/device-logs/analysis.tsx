import Link from "next/link";
import type { OpenedFile, ServerLink } from "@/lib/device-logs";
import type { DiagAnalysis, Verdict } from "@/lib/device-logs/diag";
import { Badge } from "@/components/ui/badge";
import { HeartbeatCharts } from "./heartbeat-charts";

// A client log's DIAG analysis as a page (issue #15): the verdict and the rules
// that decided it, the runbook's findings, session info and the server's node
// in the fleet, the heartbeat charts, problem events by layer and on a
// timeline, health transitions, panics with their stacks.

const ts = (ms: number | null) => (ms === null ? "—" : new Date(ms).toISOString().replace("T", " ").slice(0, 19));
const VARIANT: Record<Verdict, "success" | "warning" | "destructive"> = { OK: "success", WARN: "warning", CRITICAL: "destructive", PANIC: "destructive" };

export function VerdictCard({ a }: { a: DiagAnalysis }) {
  return (
    <section className="rounded-lg border p-4 text-sm" data-testid="verdict" data-verdict={a.verdict}>
      <p className="flex items-center gap-2 text-base font-semibold">
        Verdict <Badge variant={VARIANT[a.verdict]}>{a.verdict}</Badge>
      </p>
      {a.rules.length ? (
        <ul className="mt-2 space-y-1" data-testid="verdict-rules">
          {a.rules.map((r) => (
            <li key={r.rule}>
              <Badge variant={VARIANT[r.level]}>{r.level}</Badge> {r.rule} <span className="text-muted-foreground">({r.evidence})</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="mt-2 text-muted-foreground">No rule fired: no panic, no critical heartbeat, at most 10 DIAG failures, no TCP-WS fallback, no heap over 30 MB.</p>
      )}
      {a.findings.length ? (
        <table className="mt-3 w-full text-xs" data-testid="findings">
          <thead className="text-left text-muted-foreground">
            <tr>
              <th>Symptom (heartbeats)</th>
              <th>Likely cause</th>
              <th>Look next at</th>
            </tr>
          </thead>
          <tbody>
            {a.findings.map((f) => (
              <tr key={f.symptom} className="border-t">
                <td>
                  {f.symptom} ({f.count})
                </td>
                <td>{f.likely}</td>
                <td>{f.next}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

export function SessionCard({ a, server }: { a: DiagAnalysis; server: ServerLink | null }) {
  const s = a.session;
  const rows: [string, React.ReactNode][] = [
    ["Client", s.version ? `${s.version} · ${s.os ?? "?"} · ${s.arch ?? "?"}` : "—"],
    ["Sessions", String(s.sessions)],
    ["Server", s.server ?? "—"],
    ["Mode / protocol", `${s.mode ?? "—"} / ${s.protocol ?? "—"}`],
    ["Dial", s.dialMs === null ? "—" : `${s.dialMs} ms`],
    ["Connected", ts(s.connectedAt)],
    ["Ended", s.endedAt === null ? "—" : `${ts(s.endedAt)} (${s.endReason ?? "?"}, up ${s.uptimeS ?? "?"} s, tx ${s.txMB ?? "?"} MB, rx ${s.rxMB ?? "?"} MB)`],
    ["Log", `${a.lines.toLocaleString("en-US")} lines, ${(a.bytes / 1024).toFixed(0)} KiB, ${ts(a.firstAt)} → ${ts(a.lastAt)} UTC`],
  ];
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
          {server.node ? (
            <>
              The server is{" "}
              <Link className="font-mono underline-offset-2 hover:underline" href={`/nodes/${server.node.ipv4}`}>
                {server.node.name} ({server.node.ipv4})
              </Link>{" "}
              in the fleet: checklist {server.node.verificationStatus ?? "never run"}
              {server.node.verificationAt ? ` at ${server.node.verificationAt.slice(0, 16).replace("T", " ")} UTC` : ""}
              {server.node.failingChecks.length ? ` (failing: ${server.node.failingChecks.join(", ")})` : ""}.
              {server.node.around ? (
                <span className="mt-1 block text-xs text-muted-foreground" data-testid="server-around">
                  Around the log&apos;s end ({ts(a.lastAt)} UTC):{" "}
                  {server.node.around.checkBefore
                    ? `the checklist before it (${server.node.around.checkBefore.at.slice(0, 16).replace("T", " ")}) was ${server.node.around.checkBefore.status}${server.node.around.checkBefore.failingChecks.length ? ` (failing: ${server.node.around.checkBefore.failingChecks.join(", ")})` : ""}`
                    : "no checklist ran before it"}
                  ;{" "}
                  {server.node.around.usage
                    ? `its meter at ${server.node.around.usage.hour.slice(11, 16)}: ${server.node.around.usage.usedBytes === null ? "used unknown" : `${(server.node.around.usage.usedBytes / 2 ** 30).toFixed(1)} GiB used`}${server.node.around.usage.limitGb ? ` of ${server.node.around.usage.limitGb} GiB` : ""}${server.node.around.usage.cut ? ", CUT (over its limit: it served no one)" : server.node.around.usage.cut === false ? ", not cut" : ""}`
                    : "no meter reading within 2 h of it"}
                  .
                </span>
              ) : null}
            </>
          ) : (
            <span className="text-muted-foreground">No fleet node matches the server {server.server}.</span>
          )}
        </p>
      ) : null}
    </section>
  );
}

export function FileAnalysis({ file, server, rawHref }: { file: OpenedFile; server: ServerLink | null; rawHref: string }) {
  const a = file.analysis;
  return (
    <section className="mt-6 space-y-4" data-testid={`file-${file.name}`}>
      <h2 className="text-lg font-semibold">
        {file.name} <span className="text-sm font-normal text-muted-foreground">({file.kind}, {file.lines.toLocaleString("en-US")} lines)</span>{" "}
        <Link className="text-sm font-normal underline-offset-2 hover:underline" href={rawHref}>
          raw log
        </Link>
      </h2>
      {!a ? (
        <p className="text-sm text-muted-foreground">Not a k2 client log: no DIAG analysis (read it raw).</p>
      ) : (
        <>
          <div className="grid gap-4 lg:grid-cols-2">
            <VerdictCard a={a} />
            <SessionCard a={a} server={server} />
          </div>
          {a.heartbeatCount ? <HeartbeatCharts beats={a.heartbeats} /> : <p className="text-sm text-muted-foreground">No heartbeats in this file (a pre-DIAG build, or a crash log).</p>}
          <div className="grid gap-4 lg:grid-cols-2">
            <section className="rounded-lg border p-4 text-sm" data-testid="event-counts">
              <h3 className="font-medium">Problem events by layer</h3>
              <p className="text-xs text-muted-foreground">
                {Object.entries(a.layerCounts)
                  .filter(([, n]) => n > 0)
                  .map(([l, n]) => `${l}: ${n}`)
                  .join(" · ") || "none"}
              </p>
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
            </section>
            <section className="rounded-lg border p-4 text-sm" data-testid="transitions">
              <h3 className="font-medium">Health transitions ({a.transitionTotal})</h3>
              <ol className="mt-2 space-y-0.5 text-xs">
                {a.transitions.map((t) => (
                  <li key={t.line}>
                    {ts(t.at)} {t.from || "?"} → <strong>{t.to}</strong> (loss {t.loss ?? "?"}, RTT {t.rttMs ?? "?"} ms)
                  </li>
                ))}
              </ol>
            </section>
          </div>
          <section className="rounded-lg border p-4 text-sm" data-testid="timeline">
            <h3 className="font-medium">
              Timeline of problem events ({a.timelineTotal}
              {a.timelineTotal > a.timeline.length ? `; the last ${a.timeline.length} shown` : ""})
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
              <h3 className="font-medium">Panics ({a.panicTotal})</h3>
              {a.panics.map((p) => (
                <div key={p.line} className="mt-2">
                  <p>
                    {ts(p.at)} · line {p.line}: <strong>{p.message}</strong>
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
