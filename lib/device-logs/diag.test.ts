import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { en, zhCN } from "@/messages";
import { k2ServiceLog, panicLog } from "@/simulator/center/logs";
import { analyseDiagLog, EVIDENCE_CODES, layerOf, LIKELY_CODES, MAX_SERIES, MAX_TIMELINE, NEXT_CODES, parseLogfmt, SYMPTOM_CODES, VERDICT_RULE_CODES, type DiagAnalysis } from "./diag";

const T0 = Date.parse("2026-11-20T08:00:00Z") / 1000;

describe("parseLogfmt", () => {
  it("reads bare and quoted values, escapes, and skips words without '='", () => {
    expect(parseLogfmt('time=2026-11-20T08:00:00Z level=WARN msg="DIAG: dns-fail" domain=www.google.com err="i/o \\"timeout\\"" stray')).toEqual({
      time: "2026-11-20T08:00:00Z",
      level: "WARN",
      msg: "DIAG: dns-fail",
      domain: "www.google.com",
      err: 'i/o "timeout"',
    });
    // an unterminated quote runs to the end; an empty value is empty
    expect(parseLogfmt('a= b="x y')).toEqual({ a: "", b: "x y" });
  });
});

describe("analyseDiagLog on the simulator's logs (the shapes Center's bucket serves)", () => {
  it("a healthy session: session info, every heartbeat, no problems, OK", () => {
    const a = analyseDiagLog(k2ServiceLog("healthy-1", T0, "healthy", "jp-tokyo-01.sim.kaitu.io"));
    expect(a.verdict).toBe("OK");
    expect(a.rules).toEqual([]);
    expect(a.session).toMatchObject({ sessions: 1, server: "jp-tokyo-01.sim.kaitu.io", mode: "tun", protocol: "k2s", endReason: "user-disconnect", version: "0.4.6", os: "darwin", arch: "arm64" });
    expect(a.session.connectedAt).toBe(T0 * 1000 + 420);
    expect(a.heartbeatCount).toBeGreaterThanOrEqual(24);
    expect(a.heartbeats).toHaveLength(a.heartbeatCount);
    expect(a.heartbeats[0]).toMatchObject({ health: "healthy", transport: "quic", fallback: false, uptimeS: 30 });
    expect(a.heartbeats.every((h) => h.loss !== null && h.loss < 0.05 && h.rttMs !== null)).toBe(true);
    expect(a.timelineTotal).toBe(0);
    expect(a.panics).toEqual([]);
    expect(a.firstAt).toBe(T0 * 1000);
  });

  it("UDP blocked: QUIC handshake failures, the switch to TCP-WS, loss; WARN for the fallback, the runbook's 'UDP likely blocked'", () => {
    const a = analyseDiagLog(k2ServiceLog("udp-1", T0, "udp-blocked"));
    const count = (n: string) => a.eventCounts.find((e) => e.name === n)?.count ?? 0;
    expect(count("quic-handshake-fail")).toBe(2);
    expect(count("transport-switch")).toBe(1);
    expect(count("wire-error")).toBe(1);
    expect(a.layerCounts).toMatchObject({ transport: 3, wire: 1 });
    expect(a.timeline.map((e) => e.name)).toEqual(["quic-handshake-fail", "quic-handshake-fail", "transport-switch", "wire-error"]);
    expect(a.timeline[2].fields).toMatchObject({ from: "quic", to: "tcp-ws", reason: "quic-handshake-fail" });
    expect(a.heartbeats.filter((h) => h.fallback).length).toBeGreaterThan(0);
    expect(a.transitions.length).toBeGreaterThan(0);
    expect(a.transitions[0]).toMatchObject({ from: "healthy" });
    // loss > 0.25 heartbeats are critical: CRITICAL when one is, WARN (fallback) otherwise
    const critical = a.heartbeats.some((h) => h.health === "critical");
    expect(a.verdict).toBe(critical ? "CRITICAL" : "WARN");
    expect(a.rules.map((r) => r.rule)).toContain("a heartbeat with fallback=true: running on TCP-WS, QUIC may be blocked");
    if (critical) expect(a.findings.find((f) => f.symptom === "loss > 0.25")?.likely).toBe("UDP likely blocked (the client switched transport)");
  });

  it("DNS trouble: slow and failed lookups and a failed proxy dial, counted by layer", () => {
    const a = analyseDiagLog(k2ServiceLog("dns-1", T0, "dns-trouble"));
    expect(a.layerCounts.dns).toBeGreaterThan(0);
    expect(a.eventCounts.find((e) => e.name === "dns-slow")?.layer).toBe("dns");
    expect(a.eventCounts.find((e) => e.name === "dns-fail")?.count).toBeGreaterThan(0);
    expect(a.timeline.find((e) => e.name === "dns-fail")?.fields).toMatchObject({ domain: "www.google.com", err: "i/o timeout" });
  });

  it("a panic: the service log's recovered panic and the crash log's stack; PANIC, its rule shown first", () => {
    const a = analyseDiagLog(k2ServiceLog("panic-1", T0, "panic") + panicLog(T0 + 3600));
    expect(a.verdict).toBe("PANIC");
    expect(a.rules[0]).toMatchObject({ level: "PANIC", rule: "any panic in the log" });
    expect(a.panics).toHaveLength(2);
    expect(a.panics[0].message).toBe("engine panic recovered: runtime error: index out of range [3] with length 3");
    const crash = a.panics[1];
    expect(crash.message).toBe("runtime error: index out of range [3] with length 3");
    expect(crash.stack[0]).toBe("goroutine 214 [running]:");
    expect(crash.stack.some((l) => l.includes("engine/route.go:188"))).toBe(true);
    expect(crash.at).toBe((T0 + 3600) * 1000);
  });
});

describe("analyseDiagLog on lines the simulator does not write", () => {
  it("odd and malformed lines are tolerated: CRLF, no time, bad numbers, unknown events, heapMB, an idle tunnel, a rule over 10 failures", () => {
    const lines = [
      "garbage without structure",
      'time=not-a-time level=INFO msg="DIAG: heartbeat" health=healthy transport=quic loss=abc rttMs=612 tcpConns=0 udpConns=0 heapMB=41.5 fallback=maybe\r',
      'level=WARN msg="DIAG: some-new-event" k=v',
      ...Array.from({ length: 11 }, (_, i) => `time=2026-11-20T08:0${Math.floor(i / 6)}:${String((i * 7) % 60).padStart(2, "0")}Z level=WARN msg="DIAG: proxy-dial-fail" target=1.2.3.4:443 elapsedMs=3012`),
      'time=2026-11-20T09:00:00Z level=WARN msg="health: critical" from=degraded loss=0.31 rttMs=800',
      "",
    ];
    const a = analyseDiagLog(lines.join("\n"));
    expect(a.lines).toBe(15);
    expect(a.heartbeats[0]).toMatchObject({ at: null, loss: null, rttMs: 612, fallback: null, heapMB: 41.5, tcpConns: 0, udpConns: 0 });
    expect(a.eventCounts.find((e) => e.name === "some-new-event")?.layer).toBe("other");
    expect(a.eventCounts.find((e) => e.name === "proxy-dial-fail")?.count).toBe(11);
    expect(a.transitions).toEqual([{ at: Date.parse("2026-11-20T09:00:00Z"), line: 15, from: "degraded", to: "critical", loss: 0.31, rttMs: 800 }]);
    expect(a.verdict).toBe("WARN");
    expect(a.rules.map((r) => r.rule)).toEqual(["more than 10 DIAG failure events (DNS / proxy / QUIC)", "a heartbeat with heapMB > 30 (memory pressure on the network extension)"]);
    expect(a.findings.map((f) => f.symptom)).toEqual(["tcpConns=0 and udpConns=0", "rttMs > 500"]);
    expect(a.findings[0].next).toBe("proxy-dial-fail: 11");
  });

  it("an empty file is OK with nothing in it; a huge one keeps the chart series and the timeline bounded, counts whole", () => {
    expect(analyseDiagLog("")).toMatchObject({ verdict: "OK", heartbeatCount: 0, timelineTotal: 0, firstAt: null });
    const beat = (i: number) => `time=2026-11-20T08:00:00Z level=INFO msg="DIAG: heartbeat" health=healthy transport=quic loss=0.001 rttMs=80 uptimeS=${i * 30} fallback=false`;
    const slow = 'time=2026-11-20T08:00:00Z level=INFO msg="DIAG: dns-slow" domain=a.example elapsedMs=700';
    const text = Array.from({ length: 5000 }, (_, i) => `${beat(i)}\n${slow}`).join("\n");
    const a = analyseDiagLog(text);
    expect(a.heartbeatCount).toBe(5000);
    expect(a.heartbeats).toHaveLength(MAX_SERIES);
    expect(a.heartbeats.at(-1)!.uptimeS).toBe(4999 * 30);
    expect(a.timelineTotal).toBe(5000);
    expect(a.timeline).toHaveLength(MAX_TIMELINE);
    expect(a.timeline.at(-1)!.line).toBe(10_000);
  });

  it("layers follow the runbook's drill-down table", () => {
    expect(["connected", "session-end", "dns-slow", "quic-handshake-fail", "transport-switch", "proxy-dial-slow", "wire-error", "health-check"].map(layerOf)).toEqual([
      "connection",
      "connection",
      "dns",
      "transport",
      "transport",
      "proxy",
      "wire",
      "health",
    ]);
  });
});

describe("the rules' and findings' codes render the same English as lib's text (the page shows the catalog's)", () => {
  const t = createTranslator({ locale: "en", messages: en, namespace: "deviceLogs.analysis" });
  const zh = createTranslator({ locale: "zh-CN", messages: zhCN, namespace: "deviceLogs.analysis" });
  const beat = (o: string) => `time=2026-11-20T08:00:00Z level=INFO msg="DIAG: heartbeat" ${o}`;
  // logs that fire every rule and every finding between them (counts over 999 too: not grouped, as lib prints them)
  const logs = [
    k2ServiceLog("panic-1", T0, "panic") + panicLog(T0 + 3600),
    k2ServiceLog("udp-1", T0, "udp-blocked"),
    "panic: short\n",
    [
      ...Array.from({ length: 1200 }, () => beat("health=critical loss=0.4 rttMs=900 tcpConns=0 udpConns=0 fallback=true heapMB=31")),
      beat("health=degraded loss=0.06 rttMs=80"),
      ...Array.from({ length: 12 }, () => 'time=2026-11-20T08:00:00Z level=WARN msg="DIAG: quic-handshake-fail"'),
    ].join("\n"),
  ].map(analyseDiagLog);
  const all = (f: (a: DiagAnalysis) => unknown[]) => logs.flatMap(f);

  it("every rule and its evidence", () => {
    const rules = all((a) => a.rules) as DiagAnalysis["rules"];
    expect(new Set(rules.map((r) => r.code))).toEqual(new Set(VERDICT_RULE_CODES));
    // without a first panic's message (never, as the analysis goes: a panic line is always kept): rendered alone
    expect(new Set(rules.map((r) => r.evidencePhrase.code))).toEqual(new Set(EVIDENCE_CODES.filter((c) => c !== "panicLines")));
    expect(t("evidence.panicLines", { count: 1234 })).toBe("1234 panic line(s)");
    for (const r of rules) {
      expect(t(`rules.${r.code}`)).toBe(r.rule);
      expect(t(`evidence.${r.evidencePhrase.code}`, r.evidencePhrase.values)).toBe(r.evidence);
      // the Chinese keeps the data: counts and the panic's message
      for (const v of Object.values(r.evidencePhrase.values)) expect(zh(`evidence.${r.evidencePhrase.code}`, r.evidencePhrase.values)).toContain(String(v));
    }
    expect(rules.some((r) => r.evidence.includes("1200 of 1201"))).toBe(true);
  });

  it("every finding's likely cause, and its symptom and next look when they are sentences", () => {
    const findings = all((a) => a.findings) as DiagAnalysis["findings"];
    expect(new Set(findings.map((f) => f.likelyCode))).toEqual(new Set(LIKELY_CODES));
    expect(new Set(findings.map((f) => f.symptomCode).filter(Boolean))).toEqual(new Set(SYMPTOM_CODES));
    expect(new Set(findings.map((f) => f.nextCode).filter(Boolean))).toEqual(new Set(NEXT_CODES));
    for (const f of findings) {
      expect(t(`findings.likely.${f.likelyCode}`)).toBe(f.likely);
      if (f.symptomCode) expect(t(`findings.symptom.${f.symptomCode}`)).toBe(f.symptom);
      if (f.nextCode) expect(t(`findings.next.${f.nextCode}`)).toBe(f.next);
    }
  });
});
