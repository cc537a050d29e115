// The k2 client's DIAG analysis (issue #15; seed reference device-logs.md, the
// runbook's quick diagnosis and its DIAG layers), computed from a WHOLE log
// (not the old tool's 50k-character cut): session info, the heartbeat series,
// problem events by layer, health transitions, panics with their stacks, and a
// verdict OK / WARN / CRITICAL / PANIC with the rules that decided it.
//
// One pass over the text; only lines that can matter (DIAG:, health:, panic,
// goroutine stacks) are parsed as logfmt, so a 50 MB log stays fast (see
// scripts/bench-device-log.ts). Series and timelines are capped for the page;
// counts are always over the whole file.

import type { Phrase } from "@/lib/phrase";

export type DiagLayer = "connection" | "dns" | "transport" | "proxy" | "wire" | "health" | "other";
export type Verdict = "OK" | "WARN" | "CRITICAL" | "PANIC";

/** One DIAG event (not a heartbeat): `at` in ms since the epoch (null when the line has no parsable time); `line` is 1-based. */
export type DiagEvent = { at: number | null; line: number; level: string; name: string; layer: DiagLayer; fields: Record<string, string> };

/** One 30 s heartbeat: loss as a fraction (0-1), rtt in ms, tx/rx in MB (as the client prints them), uptime in s; null when absent or unparsable. */
export type Heartbeat = {
  at: number | null;
  line: number;
  health: string;
  transport: string;
  loss: number | null;
  rttMs: number | null;
  txMB: number | null;
  rxMB: number | null;
  tcpConns: number | null;
  udpConns: number | null;
  uptimeS: number | null;
  fallback: boolean | null;
  heapMB: number | null;
};

export type HealthTransition = { at: number | null; line: number; from: string; to: string; loss: number | null; rttMs: number | null };
export type Panic = { at: number | null; line: number; message: string; stack: string[] };
/**
 * A sentence as data for the page to translate: `code` names it in the
 * "deviceLogs.analysis" catalog, `values` fill its placeholders (counts as
 * numbers; text quoted from the log, e.g. a panic's message, verbatim). The
 * English sentence beside it (a rule's `evidence`) stays, for everything else.
 */
export type DiagPhrase<C extends string> = Phrase<C>;

/** The verdict rules (catalog "deviceLogs.analysis.rules.<code>"). */
export const VERDICT_RULE_CODES = ["panic", "critical", "failures", "fallback", "heap"] as const;
export type VerdictRuleCode = (typeof VERDICT_RULE_CODES)[number];
/** A rule's evidence sentences (catalog "deviceLogs.analysis.evidence.<code>"). */
export const EVIDENCE_CODES = ["panicLines", "panicLinesFirst", "heartbeatsCritical", "failureEvents", "heartbeatsFallback", "heartbeatsHeap"] as const;
export type EvidenceCode = (typeof EVIDENCE_CODES)[number];
/** A finding's likely cause (catalog "deviceLogs.analysis.findings.likely.<code>"). */
export const LIKELY_CODES = ["packetLoss", "udpBlocked", "severeLoss", "quicBlocked", "noTraffic", "highLatency"] as const;
export type LikelyCode = (typeof LIKELY_CODES)[number];
/** A finding's symptom when it is a sentence (catalog "deviceLogs.analysis.findings.symptom.<code>"). */
export const SYMPTOM_CODES = ["degradedLoss", "idle"] as const;
export type SymptomCode = (typeof SYMPTOM_CODES)[number];
/** A finding's next look when it is a sentence (catalog "deviceLogs.analysis.findings.next.<code>"). */
export const NEXT_CODES = ["compareRegion"] as const;
export type NextCode = (typeof NEXT_CODES)[number];

/**
 * A verdict rule that fired: `rule` and `evidence` in English; `code` names the
 * rule for the page's catalog and `evidencePhrase` is the evidence as a code and
 * its values (counts; the first panic's message verbatim, cut to 160 characters).
 */
export type VerdictRule = { level: Exclude<Verdict, "OK">; rule: string; evidence: string; code: VerdictRuleCode; evidencePhrase: DiagPhrase<EvidenceCode> };
/**
 * A runbook diagnosis pattern that matched (device-logs.md "Diagnosis patterns"): what it likely means and what to look at
 * next, in English; `count` is the heartbeats that showed the symptom. For the page's catalog: `likelyCode` names the likely
 * cause; `symptomCode` / `nextCode` name the symptom / the next look when it is a sentence, and are null when it is a log
 * condition ("loss > 0.25") or a DIAG event's count ("quic-handshake-fail: 2"), data shown verbatim. No values: none has a placeholder.
 */
export type Finding = { symptom: string; likely: string; next: string; count: number; likelyCode: LikelyCode; symptomCode: SymptomCode | null; nextCode: NextCode | null };

export type DiagAnalysis = {
  bytes: number;
  lines: number;
  /** DIAG lines in total, heartbeats included */
  diagLines: number;
  firstAt: number | null;
  lastAt: number | null;
  session: {
    sessions: number;
    server: string | null;
    mode: string | null;
    protocol: string | null;
    dialMs: number | null;
    connectedAt: number | null;
    endedAt: number | null;
    endReason: string | null;
    uptimeS: number | null;
    txMB: number | null;
    rxMB: number | null;
    /** from the daemon's start line (version=, os=, arch=) when present */
    version: string | null;
    os: string | null;
    arch: string | null;
  };
  heartbeatCount: number;
  /** at most MAX_SERIES points, evenly thinned over the whole file (the last one always kept) */
  heartbeats: Heartbeat[];
  /** problem events (not heartbeat, connected or session-end) per name and layer, over the whole file */
  eventCounts: { name: string; layer: DiagLayer; count: number }[];
  layerCounts: Record<DiagLayer, number>;
  /** the LAST MAX_TIMELINE problem events (the end of a log is where the trouble is) */
  timeline: DiagEvent[];
  timelineTotal: number;
  /** the last MAX_TRANSITIONS health transitions (all counted in transitionTotal) */
  transitions: HealthTransition[];
  transitionTotal: number;
  /** the first MAX_PANICS panics with their stacks (the first is the one that matters; all counted in panicTotal) */
  panics: Panic[];
  panicTotal: number;
  verdict: Verdict;
  /** every rule that fired, worst first; empty for OK */
  rules: VerdictRule[];
  findings: Finding[];
};

export const MAX_SERIES = 2000;
export const MAX_TIMELINE = 500;
export const MAX_TRANSITIONS = 500;
export const MAX_PANICS = 50;
const MAX_STACK = 60;

const LAYER_OF: [RegExp, DiagLayer][] = [
  [/^(connected|session-end)$/, "connection"],
  [/^dns/, "dns"],
  [/^(quic|transport)/, "transport"],
  [/^proxy-dial/, "proxy"],
  [/^wire/, "wire"],
  [/^health/, "health"],
];

/** The DIAG layer of an event name (device-logs.md "Layer drill-down"). */
export function layerOf(name: string): DiagLayer {
  for (const [re, layer] of LAYER_OF) if (re.test(name)) return layer;
  return "other";
}

/**
 * logfmt `key=value key="quoted \"value\""` → a record (later keys win).
 * Tolerant: a bare word without `=` is skipped, an unterminated quote runs to the end.
 */
export function parseLogfmt(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    const ks = i;
    while (i < n && line[i] !== "=" && line.charCodeAt(i) !== 32) i++;
    if (i >= n || line[i] !== "=") {
      // a bare word: skip it
      while (i < n && line.charCodeAt(i) !== 32) i++;
      continue;
    }
    const key = line.slice(ks, i);
    i++;
    let value = "";
    if (line[i] === '"') {
      i++;
      let buf = "";
      while (i < n && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < n) {
          i++;
          buf += line[i] === "n" ? "\n" : line[i];
        } else buf += line[i];
        i++;
      }
      i++;
      value = buf;
    } else {
      const vs = i;
      while (i < n && line.charCodeAt(i) !== 32) i++;
      value = line.slice(vs, i);
    }
    if (key) out[key] = value;
  }
  return out;
}

const num = (v: string | undefined): number | null => {
  if (v === undefined || v === "") return null;
  const x = Number(v);
  return Number.isFinite(x) ? x : null;
};
const bool = (v: string | undefined): boolean | null => (v === "true" ? true : v === "false" ? false : null);
const timeOf = (f: Record<string, string>): number | null => {
  const t = f.time ? Date.parse(f.time) : NaN;
  return Number.isFinite(t) ? t : null;
};
// a crash log's own time line, or a leading [ISO] / ISO stamp
const STAMP = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))/;

const PANIC = /panic/i;
const PANIC_START = /^panic:/i;

/** The lines of `text`, split on \n with a trailing \r dropped (no empty line after a final \n). */
export function* textLines(text: string): Generator<string> {
  const n = text.length;
  let pos = 0;
  while (pos < n) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = n;
    yield text.charCodeAt(end - 1) === 13 ? text.slice(pos, end - 1) : text.slice(pos, end);
    pos = end + 1;
  }
}

const RANK: Record<Verdict, number> = { OK: 0, WARN: 1, CRITICAL: 2, PANIC: 3 };

/**
 * Analyses a k2 client log (service k2.log, a crash panic-*.log, or both
 * concatenated) from its whole text. Never throws: odd lines are counted, not
 * fatal. Verdict rules (the quick-diag script's, runbook device-logs.md):
 * PANIC = any panic; CRITICAL = a heartbeat with health=critical; WARN = more
 * than 10 DIAG failure events, a heartbeat with fallback=true (TCP-WS), or
 * heapMB > 30 (memory pressure).
 */
export function analyseDiagLog(text: string): DiagAnalysis {
  const a: DiagAnalysis = {
    bytes: Buffer.byteLength(text, "utf8"),
    lines: 0,
    diagLines: 0,
    firstAt: null,
    lastAt: null,
    session: { sessions: 0, server: null, mode: null, protocol: null, dialMs: null, connectedAt: null, endedAt: null, endReason: null, uptimeS: null, txMB: null, rxMB: null, version: null, os: null, arch: null },
    heartbeatCount: 0,
    heartbeats: [],
    eventCounts: [],
    layerCounts: { connection: 0, dns: 0, transport: 0, proxy: 0, wire: 0, health: 0, other: 0 },
    timeline: [],
    timelineTotal: 0,
    transitions: [],
    transitionTotal: 0,
    panics: [],
    panicTotal: 0,
    verdict: "OK",
    rules: [],
    findings: [],
  };
  const all: Heartbeat[] = [];
  const counts = new Map<string, number>();
  let failEvents = 0;
  let panicLines = 0;
  let stack: Panic | null = null;
  let lastStamp: number | null = null;
  let lineNo = 0;
  for (const line of textLines(text)) {
    lineNo++;
    // a panic's stack: everything up to the next timestamped log line (frames, goroutine headers, blank lines)
    if (stack) {
      if (line.startsWith("time=") || /^\[\d{4}-/.test(line)) stack = null;
      else {
        if (stack.stack.length < MAX_STACK && line.trim()) stack.stack.push(line);
        const m = line.startsWith("# captured at ") ? STAMP.exec(line) : null;
        // the crash file's own capture time beats the last log line before it
        if (m) stack.at = Date.parse(m[1]);
        continue;
      }
    }
    const hasDiag = line.includes("DIAG:");
    const hasHealth = !hasDiag && line.includes("health: ");
    const hasPanic = !hasDiag && PANIC.test(line);
    if (hasPanic) {
      panicLines++;
      if (PANIC_START.test(line)) {
        stack = { at: lastStamp, line: lineNo, message: line.slice(6).trim(), stack: [] };
        if (++a.panicTotal <= MAX_PANICS) a.panics.push(stack);
        continue;
      }
    }
    const isLogfmt = line.startsWith("time=");
    if (!hasDiag && !hasHealth && !hasPanic && !(isLogfmt && lineNo <= 50)) {
      if (isLogfmt) {
        // the time span only: cheap scan of the time= value
        const sp = line.indexOf(" ");
        const t = Date.parse(line.slice(5, sp < 0 ? undefined : sp));
        if (Number.isFinite(t)) {
          a.firstAt ??= t;
          a.lastAt = t;
          lastStamp = t;
        }
      }
      continue;
    }
    const f = parseLogfmt(line);
    const at = timeOf(f);
    if (at !== null) {
      a.firstAt ??= at;
      a.lastAt = at;
      lastStamp = at;
    }
    const msg = f.msg ?? "";
    if (!hasDiag && !hasHealth && !hasPanic) {
      // the daemon's start line: its version and platform
      if (f.version && !a.session.version) Object.assign(a.session, { version: f.version, os: f.os ?? null, arch: f.arch ?? null });
      continue;
    }
    if (hasPanic && !hasDiag) {
      if (++a.panicTotal <= MAX_PANICS) a.panics.push({ at, line: lineNo, message: f.err ? `${msg}: ${f.err}` : msg || line.trim(), stack: [] });
      continue;
    }
    if (hasHealth) {
      const m = /^health: (\w+)/.exec(msg);
      if (m) {
        a.transitionTotal++;
        a.transitions.push({ at, line: lineNo, from: f.from ?? "", to: m[1], loss: num(f.loss), rttMs: num(f.rttMs) });
        if (a.transitions.length > MAX_TRANSITIONS * 2) a.transitions.splice(0, a.transitions.length - MAX_TRANSITIONS);
      }
      continue;
    }
    a.diagLines++;
    const name = msg.startsWith("DIAG: ") ? msg.slice(6).trim() : msg.replace(/^.*DIAG:\s*/, "").trim();
    if (name === "heartbeat") {
      a.heartbeatCount++;
      all.push({
        at,
        line: lineNo,
        health: f.health ?? "",
        transport: f.transport ?? "",
        loss: num(f.loss),
        rttMs: num(f.rttMs),
        txMB: num(f.txMB),
        rxMB: num(f.rxMB),
        tcpConns: num(f.tcpConns),
        udpConns: num(f.udpConns),
        uptimeS: num(f.uptimeS),
        fallback: bool(f.fallback),
        heapMB: num(f.heapMB),
      });
      continue;
    }
    if (name === "connected") {
      a.session.sessions++;
      Object.assign(a.session, { server: f.server ?? null, mode: f.mode ?? null, protocol: f.protocol ?? null, dialMs: num(f.dialMs), connectedAt: at, endedAt: null, endReason: null });
      continue;
    }
    if (name === "session-end") {
      Object.assign(a.session, { endedAt: at, endReason: f.reason ?? null, uptimeS: num(f.uptimeS), txMB: num(f.txMB), rxMB: num(f.rxMB) });
      if (!a.session.server && f.server) a.session.server = f.server;
      continue;
    }
    const layer = layerOf(name);
    a.layerCounts[layer]++;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (/fail/.test(name)) failEvents++;
    a.timelineTotal++;
    const { time: _t, level: _l, msg: _m, ...fields } = f;
    a.timeline.push({ at, line: lineNo, level: f.level ?? "", name, layer, fields });
    if (a.timeline.length > MAX_TIMELINE * 2) a.timeline.splice(0, a.timeline.length - MAX_TIMELINE);
  }
  if (a.timeline.length > MAX_TIMELINE) a.timeline.splice(0, a.timeline.length - MAX_TIMELINE);
  if (a.transitions.length > MAX_TRANSITIONS) a.transitions.splice(0, a.transitions.length - MAX_TRANSITIONS);
  a.lines = lineNo;
  a.eventCounts = [...counts].map(([name, count]) => ({ name, layer: layerOf(name), count })).sort((x, y) => y.count - x.count || x.name.localeCompare(y.name));
  a.heartbeats = thin(all, MAX_SERIES);

  // the verdict (quick-diag's rules), worst first
  const hb = (p: (h: Heartbeat) => boolean) => all.filter(p).length;
  const critical = hb((h) => h.health === "critical");
  const degraded = hb((h) => h.health === "degraded");
  const fallback = hb((h) => h.fallback === true);
  const heap = hb((h) => (h.heapMB ?? 0) > 30);
  const panics = Math.max(a.panicTotal, panicLines);
  if (panics) {
    const first = a.panics[0]?.message.slice(0, 160);
    const evidencePhrase: DiagPhrase<EvidenceCode> = first === undefined ? { code: "panicLines", values: { count: panics } } : { code: "panicLinesFirst", values: { count: panics, first } };
    a.rules.push({ level: "PANIC", rule: "any panic in the log", evidence: `${panics} panic line(s)${first !== undefined ? `; first: ${first}` : ""}`, code: "panic", evidencePhrase });
  }
  if (critical)
    a.rules.push({
      level: "CRITICAL",
      rule: "a heartbeat with health=critical (severe packet loss or UDP blocking)",
      evidence: `${critical} of ${a.heartbeatCount} heartbeats critical`,
      code: "critical",
      evidencePhrase: { code: "heartbeatsCritical", values: { count: critical, total: a.heartbeatCount } },
    });
  if (failEvents > 10) a.rules.push({ level: "WARN", rule: "more than 10 DIAG failure events (DNS / proxy / QUIC)", evidence: `${failEvents} failure events`, code: "failures", evidencePhrase: { code: "failureEvents", values: { count: failEvents } } });
  if (fallback)
    a.rules.push({
      level: "WARN",
      rule: "a heartbeat with fallback=true: running on TCP-WS, QUIC may be blocked",
      evidence: `${fallback} of ${a.heartbeatCount} heartbeats on the fallback`,
      code: "fallback",
      evidencePhrase: { code: "heartbeatsFallback", values: { count: fallback, total: a.heartbeatCount } },
    });
  if (heap) a.rules.push({ level: "WARN", rule: "a heartbeat with heapMB > 30 (memory pressure on the network extension)", evidence: `${heap} heartbeats over 30 MB`, code: "heap", evidencePhrase: { code: "heartbeatsHeap", values: { count: heap } } });
  a.rules.sort((x, y) => RANK[y.level] - RANK[x.level]);
  a.verdict = a.rules[0]?.level ?? "OK";

  // the runbook's diagnosis patterns (device-logs.md), as findings
  const switches = counts.get("transport-switch") ?? 0;
  const quicFails = counts.get("quic-handshake-fail") ?? 0;
  const dialFails = counts.get("proxy-dial-fail") ?? 0;
  const lossy = hb((h) => h.health === "degraded" && (h.loss ?? 0) > 0.05);
  if (lossy || degraded)
    a.findings.push({ symptom: `health=degraded with loss > 0.05`, likely: "packet loss", next: `quic-handshake-fail: ${quicFails}`, count: lossy || degraded, likelyCode: "packetLoss", symptomCode: "degradedLoss", nextCode: null });
  const severe = hb((h) => (h.loss ?? 0) > 0.25);
  if (severe)
    a.findings.push({
      symptom: "loss > 0.25",
      likely: switches ? "UDP likely blocked (the client switched transport)" : "severe loss",
      next: `transport-switch: ${switches}`,
      count: severe,
      likelyCode: switches ? "udpBlocked" : "severeLoss",
      symptomCode: null,
      nextCode: null,
    });
  if (fallback) a.findings.push({ symptom: "fallback=true", likely: "QUIC blocked, on TCP-WS", next: `quic-handshake-fail: ${quicFails}`, count: fallback, likelyCode: "quicBlocked", symptomCode: null, nextCode: null });
  const idle = hb((h) => h.tcpConns === 0 && h.udpConns === 0);
  if (idle) a.findings.push({ symptom: "tcpConns=0 and udpConns=0", likely: "no traffic through the tunnel", next: `proxy-dial-fail: ${dialFails}`, count: idle, likelyCode: "noTraffic", symptomCode: "idle", nextCode: null });
  const slow = hb((h) => (h.rttMs ?? 0) > 500);
  if (slow) a.findings.push({ symptom: "rttMs > 500", likely: "high latency (may be normal for a distant server)", next: "compare with the server's region", count: slow, likelyCode: "highLatency", symptomCode: null, nextCode: "compareRegion" });
  return a;
}

/** At most `max` points of `xs`, evenly spread, the first and the last always kept. */
function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const out: T[] = [];
  const step = (xs.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(xs[Math.round(i * step)]);
  return out;
}
