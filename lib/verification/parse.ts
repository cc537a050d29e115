import { redactText } from "@/lib/redact";
import type { StoredCheck } from "./store";
import { SETTLE_MS, shownCommand, type ScriptVars, type SectionKey } from "./script";

// Splits the checklist script's output into its sections and evaluates the
// runbook §6 checks (plus the metering checks when a billing date is set).
//
// Every check answers pass, fail, skip or unknown. "unknown" is an answer: the
// evidence could not be read (command error, timeout, output cut short, an
// answer in a shape this parser does not recognise, a container that started
// moments ago and is still settling). Such a check is never pass and never fail.

/** One fenced section: its text, the END fence's exit status (null = cut short), each pipeline stage's exit status (null = not reported). */
export type Section = { text: string; rc: number | null; pipe: number[] | null };
export type CenterView = { tunnels: { domain: string }[] } | null;
type Verdict = { status: StoredCheck["status"]; observed: string };

export type ParsedVerification = {
  /** fail if any check fails; else unknown if any node check could not be read (Center not askable excepted); else pass */
  status: "pass" | "fail" | "unknown";
  failingChecks: string[];
  unknownChecks: string[];
  checks: StoredCheck[];
  /** deployDir: where the stack really runs (the node's own answer), apart from the architecture label */
  facts: { arch: string | null; deployDir: "/apps/k2s" | "/apps/kaitu-slave" | null; versionTag: string | null; sidecarHealth: string | null; hygiene: { bbr: string | null; ipv6: boolean | null; iptables: string | null } };
};

const EVIDENCE_CAP = 4000;

/** Only lines fenced with this run's token count; anything else (even a fake fence) is section content. */
export function splitSections(raw: string, token: string): Map<string, Section> {
  const out = new Map<string, Section>();
  const begin = new RegExp(`^===K2OPS ${token} BEGIN ([a-z0-9_]+)===$`);
  const end = new RegExp(`^===K2OPS ${token} END ([a-z0-9_]+) rc=(\\d+)===$`);
  // the PIPE fence may follow output that ended without a newline (wget)
  const pipe = new RegExp(`^(.*)===K2OPS ${token} PIPE ([0-9 ]+)===$`);
  let current: string | null = null;
  let buf: string[] = [];
  let stages: number[] | null = null;
  for (const line of raw.split("\n")) {
    const b = begin.exec(line);
    if (b && current === null) {
      current = b[1];
      buf = [];
      stages = null;
      continue;
    }
    const e = end.exec(line);
    if (e && current === e[1]) {
      out.set(current, { text: buf.join("\n"), rc: Number(e[2]), pipe: stages });
      current = null;
      continue;
    }
    const p = current !== null ? pipe.exec(line) : null;
    if (p) {
      if (p[1]) buf.push(p[1]);
      stages = p[2].trim().split(/\s+/).map(Number);
      continue;
    }
    if (current !== null) buf.push(line);
  }
  // a section cut short (output cap, connection drop) is kept, marked incomplete
  if (current !== null) out.set(current, { text: buf.join("\n"), rc: null, pipe: stages });
  return out;
}

function slogAttr(line: string, key: string): string | null {
  const m = new RegExp(`(?:^|\\s)${key}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`).exec(line);
  if (!m) return null;
  return m[1].startsWith('"') ? m[1].slice(1, -1).replace(/\\"/g, '"') : m[1];
}

/**
 * An RFC 3339 time (any number of fraction digits, Z or ±hh:mm) → Unix ms, or
 * null. Docker's zero time ("0001-01-01T00:00:00Z", never started) is null too.
 */
export function parseTime(s: string | null | undefined): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec((s ?? "").trim());
  if (!m || m[1].startsWith("0001-")) return null;
  const t = Date.parse(`${m[1]}.${(m[2] ?? "").padEnd(3, "0").slice(0, 3)}${m[3]}`);
  return Number.isFinite(t) ? t : null;
}

/** An slog line's own `time=` (Unix ms), or null. */
const lineTime = (line: string) => parseTime(slogAttr(line, "time"));

/** One `docker compose ps --format json` row: the fields the check reads. */
export type PsRow = { name: string; service: string; state: string; health: string; status: string | null };

const STATES = new Set(["running", "restarting", "paused", "exited", "created", "dead", "removing"]);

/**
 * `docker compose ps --format json` → rows. Compose ≥ 2.21 prints one JSON
 * object per line, older v2 releases ONE JSON array; both are accepted (other
 * lines, e.g. compose's WARN lines on stderr, are ignored). Returns null when
 * the output cannot be read as rows (the check is then unknown, never fail).
 */
export function parseComposePsJson(text: string): PsRow[] | null {
  const items: unknown[] = [];
  const json = text.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("{") || l.startsWith("["));
  const others = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("{") && !l.startsWith("["));
  // anything besides JSON must be a compose warning, or we do not know what we read
  if (others.some((l) => !/^(WARN|time=|level=)/.test(l))) return null;
  try {
    for (const l of json) {
      const v: unknown = JSON.parse(l);
      if (Array.isArray(v)) items.push(...v);
      else items.push(v);
    }
  } catch {
    try {
      // a pretty-printed array over several lines
      const v: unknown = JSON.parse(text.split("\n").filter((l) => !/^\s*(WARN|time=|level=)/.test(l)).join("\n"));
      if (!Array.isArray(v)) return null;
      items.length = 0;
      items.push(...v);
    } catch {
      return null;
    }
  }
  const rows: PsRow[] = [];
  for (const it of items) {
    const o = it as Record<string, unknown> | null;
    if (!o || typeof o !== "object" || typeof o.Name !== "string" || typeof o.State !== "string") return null;
    const state = o.State.toLowerCase();
    if (!STATES.has(state)) return null;
    rows.push({ name: o.Name, service: typeof o.Service === "string" ? o.Service : o.Name, state, health: typeof o.Health === "string" ? o.Health : "", status: typeof o.Status === "string" && o.Status ? o.Status : null });
  }
  return rows;
}

/** compose ps table → rows (columns are separated by 3+ spaces; a trailing empty PORTS cell is allowed). Kept for other readers of the table. */
export function parseComposePs(text: string): { name: string; status: string }[] {
  const lines = text.split("\n").filter((l) => l.trim());
  const headerIdx = lines.findIndex((l) => /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS/.test(l));
  if (headerIdx < 0) return [];
  const header = lines[headerIdx];
  const statusAt = header.indexOf("STATUS");
  const portsAt = header.indexOf("PORTS");
  return lines.slice(headerIdx + 1).map((l) => ({
    name: l.split(/\s{3,}/)[0].trim(),
    status: l.slice(statusAt, portsAt > 0 ? portsAt : undefined).trim(),
  }));
}

/** The cause of a sidecar restart loop, from its error lines (node-behavior §3.4). */
export function restartLoopCause(logs: string): string | null {
  if (/secret is required/.test(logs)) return "missing K2_NODE_SECRET";
  if (/all ipv4 services failed/.test(logs)) return "container network broken (iptables nf_tables, DNS or firewall)";
  if (/invalid secretToken/.test(logs)) return "Center rejected the node secret (TOFU mismatch)";
  if (/Center request failed|failed to register node/.test(logs)) return "Center unreachable or failing";
  return null;
}

function cap(s: string): string {
  const r = redactText(s);
  return r.length > EVIDENCE_CAP ? r.slice(0, EVIDENCE_CAP) + "\n… (truncated)" : r;
}

const firstLine = (t: string) => t.trim().split("\n")[0]?.slice(0, 300) ?? "";

/**
 * How a grep-like section ended: `match` (lines found), `none` (grep exit 1
 * with no output: a real "no match"), or `error` (anything else: a failed
 * stage, grep exit 2, sudo refusing, …; `why` says which). `grepStage` is the
 * grep's index in the pipeline (the stages after it must succeed too).
 */
export function grepOutcome(sec: Section, grepStage: number): { kind: "match" | "none" | "error"; why: string } {
  const st = sec.pipe;
  if (!st || st.length <= grepStage) {
    // no PIPE report: the command did not finish its pipeline (e.g. a `cd` failed before it)
    return { kind: "error", why: firstLine(sec.text) || `exit ${sec.rc}` };
  }
  const bad = st.findIndex((rc, i) => i !== grepStage && rc !== 0);
  if (bad >= 0) return { kind: "error", why: `${firstLine(sec.text) || "(no message)"} (stage ${bad + 1} exited ${st[bad]})` };
  const g = st[grepStage];
  if (g === 0) return { kind: "match", why: "" };
  if (g === 1 && !sec.text.trim()) return { kind: "none", why: "" };
  return { kind: "error", why: `${firstLine(sec.text) || "(no message)"} (exit ${g})` };
}

/** A container's current run, from the preamble's `docker inspect` (StartedAt in Unix ms; null = could not be read). */
type Run = { started: number | null; restarts: number | null; missing: boolean; error: string | null; image: string | null };

function parseRun(meta: string, key: string): Run {
  const m = new RegExp(`^${key}=(\\d+) (.*)$`, "m").exec(meta);
  if (!m) return { started: null, restarts: null, missing: false, error: "not reported", image: null };
  if (m[1] !== "0") return { started: null, restarts: null, missing: /No such (object|container)/i.test(m[2]), error: m[2].trim() || `exit ${m[1]}`, image: null };
  // "<StartedAt> <RestartCount>" and, for the tunnel container, " <Config.Image>"
  const [at, rc, image] = m[2].trim().split(/\s+/);
  const started = parseTime(at);
  const restarts = /^\d+$/.test(rc ?? "") ? Number(rc) : null;
  const img = image && /^[\w./:@-]+$/.test(image) ? image : null;
  // a container that exists but never started has the zero time: no run, no evidence
  if (started === null && !/^0001-/.test(at ?? "")) return { started: null, restarts, missing: false, error: `unreadable StartedAt ${JSON.stringify(at ?? "")}`, image: img };
  return { started, restarts, missing: false, error: null, image: img };
}

/**
 * The usage reporter's health from its DIAG lines. Only the current run counts
 * (lines after the last `usage-reporter-start`, when it is still in view) and
 * only the current billing cycle (a new epoch restarts the count). A sidecar
 * recreated moments ago (pull + up -d) has reported once: that is healthy, the
 * climb shows from the next report (next_report_interval, 60 s in production).
 * A line it cannot read (no numeric cumulative) makes the answer unknown.
 */
export function evaluateReporter(text: string): Verdict {
  let lines = text.split("\n").filter((l) => l.includes("usage-reporter-"));
  const start = lines.findLastIndex((l) => l.includes("usage-reporter-start"));
  if (start >= 0) lines = lines.slice(start + 1);
  const last = lines.at(-1);
  if (last && /usage-reporter-(cycle|meter)-fail/.test(last)) {
    return { status: "fail", observed: `latest report failed: ${slogAttr(last, "err") ?? last.slice(0, 200)}` };
  }
  const oks = lines.filter((l) => l.includes("usage-reporter-cycle-ok")).map((l) => ({ epoch: slogAttr(l, "epoch"), cum: Number(slogAttr(l, "cumulative") ?? NaN) }));
  if (!oks.length) return { status: "fail", observed: start >= 0 ? "reporter started but no cycle-ok yet" : "no usage-reporter-cycle-ok line" };
  const epoch = oks.at(-1)!.epoch;
  const cum = oks.filter((o) => o.epoch === epoch).map((o) => o.cum);
  if (epoch === null || cum.some((v) => !Number.isFinite(v))) return { status: "unknown", observed: "cycle-ok line without a numeric cumulative or epoch (unrecognised line)" };
  if (cum.length === 1) return { status: "pass", observed: `1 report accepted since the sidecar started (epoch ${epoch}, cumulative ${cum[0]}); the climb shows from the next report` };
  const climbing = cum.every((v, i) => i === 0 || v >= cum[i - 1]);
  return climbing
    ? { status: "pass", observed: `${cum.length} cycles in epoch ${epoch}, cumulative ${cum[0]} → ${cum[cum.length - 1]}` }
    : { status: "fail", observed: `cumulative went down within epoch ${epoch}: ${cum.join(" → ")}` };
}

const unq = (v: string) => v.replace(/\s+#.*$/, "").trim().replace(/^(['"])(.*)\1$/, "$2");

/**
 * Parses the checklist output of one run. `token` is the run's fence token,
 * `ipv4` the node's address, `centerNode` Center's view of the node (null:
 * Center could not be asked). Pure: no I/O.
 */
export function parseVerificationOutput(raw: string, ctx: { token: string; ipv4: string; centerNode: CenterView }): ParsedVerification {
  const s = splitSections(raw, ctx.token);
  const meta = s.get("meta")?.text ?? "";
  const tunnel = /^tunnel=(\S+)/m.exec(meta)?.[1] ?? "k2s";
  const dir = /^dir=(\S+)/m.exec(meta)?.[1] ?? "/apps/k2s";
  const now = parseTime(/^now=(\S+)/m.exec(meta)?.[1]);
  const side = parseRun(meta, "sidecar_inspect");
  const tun = parseRun(meta, "tunnel_inspect");
  const iso = (t: number | null) => (t === null ? "" : new Date(t).toISOString());
  const vars: ScriptVars = { D: dir, C: tunnel, SS: iso(side.started), KS: iso(tun.started) };
  const domain = `${ctx.ipv4.replace(/\./g, "-")}.sslip.io`;
  const checks: StoredCheck[] = [];

  /** Seconds since the run started, when it is young enough (and not a restart loop) to still be settling; else null. */
  const settling = (r: Run): number | null => {
    if (r.started === null || now === null || r.restarts !== 0) return null;
    const age = now - r.started;
    return age >= -5_000 && age < SETTLE_MS ? Math.max(0, Math.round(age / 1000)) : null;
  };
  const pending = (what: string, age: number): Verdict => ({ status: "unknown", observed: `pending: ${what} started ${age} s ago and is still starting (settle window ${SETTLE_MS / 1000} s); verify again` });

  const add = (key: string, name: string, proves: string, command: string, expected: string, section: SectionKey | null, evaluate: (sec: Section) => Verdict, onMissing?: () => Verdict) => {
    const sec = section ? s.get(section) : { text: "", rc: 0, pipe: [0] };
    const push = (r: Verdict, evidence: string) => checks.push({ key, name, proves, command, expected, observed: cap(r.observed), status: r.status, evidence: cap(evidence) });
    if (!sec) return push(onMissing?.() ?? { status: "unknown", observed: "no output for this check (the script did not reach it)" }, "");
    if (sec.rc === 124) return push({ status: "unknown", observed: "timed out on the node" }, sec.text);
    if (sec.rc === null) return push({ status: "unknown", observed: "output cut short (the section did not finish)" }, sec.text);
    const r = evaluate(sec);
    push(r, sec.text);
  };

  add("timezone", "Timezone", "Host clock zone is Asia/Singapore, so the 04:00 auto-update cron fires when planned", shownCommand("timezone", vars), "Asia/Singapore (+08, +0800)", "timezone", (sec) => {
    const g = grepOutcome(sec, 1);
    if (g.kind === "error") return { status: "unknown", observed: `could not read the time zone: ${g.why}` };
    const zone = /Time zone:\s*(.+)$/m.exec(sec.text)?.[1]?.trim();
    if (!zone) return { status: "unknown", observed: "timedatectl printed no 'Time zone' line" };
    return { status: /^Asia\/Singapore\b/.test(zone) ? "pass" : "fail", observed: zone };
  });

  // a restart loop's cause is in the runs before the current one
  const errSec = s.get("sidecar_errors");
  const loop = restartLoopCause(errSec?.text ?? "");
  const sideSettle = settling(side);
  const tunSettle = settling(tun);
  // compose's rows, read once: the containers check and the sidecar-health fact both use them
  const containersSec = s.get("containers");
  const composeRows = containersSec?.rc === 0 ? parseComposePsJson(containersSec.text) : null;

  add("containers", "Containers up", "Both containers run, the sidecar is healthy, k2s is not paused, no retired k2-oc orphan", shownCommand("containers", vars), `k2-sidecar running (healthy), ${tunnel} running, no k2-oc`, "containers", (sec) => {
    if (sec.rc !== 0) return { status: "unknown", observed: `docker compose ps failed: ${firstLine(sec.text) || `exit ${sec.rc}`}` };
    const rows = composeRows;
    if (!rows) return { status: "unknown", observed: `unrecognised docker compose ps output: ${firstLine(sec.text)}` };
    const describe = (r: PsRow) => r.status ?? `${r.state}${r.health ? ` (${r.health})` : ""}`;
    const sc = rows.find((r) => r.name === "k2-sidecar");
    const tc = rows.find((r) => r.name === tunnel);
    const problems: string[] = [];
    let wait: Verdict | null = null;
    if (!sc) problems.push("k2-sidecar not running");
    else if (sc.state === "running" && sc.health === "starting" && sideSettle !== null) wait = pending("k2-sidecar", sideSettle);
    else if (sc.state !== "running" || sc.health !== "healthy") problems.push(`k2-sidecar ${describe(sc)}${loop ? ` — restart loop: ${loop}` : ""}`);
    if (!tc) problems.push(`${tunnel} not running`);
    else if (tc.state === "paused") problems.push(`${tunnel} ${describe(tc)} — traffic cutoff`);
    else if (tc.state !== "running") problems.push(`${tunnel} ${describe(tc)}`);
    if (rows.some((r) => r.name === "k2-oc")) problems.push("k2-oc orphan present (push compose + up -d --remove-orphans)");
    if (problems.length) return { status: "fail", observed: problems.join("; ") };
    return wait ?? { status: "pass", observed: rows.map((r) => `${r.name}: ${describe(r)}`).join("; ") };
  });

  /**
   * A sidecar-log check: the last line of the current run matching the
   * pattern, or why there is none. Lines older than the run's start are
   * ignored (they belong to an earlier run).
   */
  const sidecarLine = (sec: Section, what: string, ok: (line: string) => Verdict, none: () => Verdict): Verdict => {
    if (side.started === null) return sidecarMissing();
    const g = grepOutcome(sec, 1);
    if (g.kind === "error") return { status: "unknown", observed: `could not read the sidecar log: ${g.why}` };
    const line = sec.text.split("\n").filter((l) => l.trim()).pop();
    const t = line ? lineTime(line) : null;
    // lines come from `docker logs --since StartedAt`; one without its own time is taken as current
    if (line && (t === null || t >= side.started - 1)) return ok(line);
    if (sideSettle !== null) return pending("k2-sidecar", sideSettle);
    const r = none();
    return line ? { ...r, observed: `${r.observed} (only a line of an earlier run: ${what} at ${slogAttr(line, "time")})` } : r;
  };
  function sidecarMissing(): Verdict {
    if (side.missing) return { status: "fail", observed: "k2-sidecar container does not exist" };
    if (side.error) return { status: "unknown", observed: `k2-sidecar's start time could not be read: ${side.error}` };
    if (side.started === null) return { status: "fail", observed: "k2-sidecar has never started" };
    return { status: "unknown", observed: "no output for this check (the script did not reach it)" };
  }

  add("registration", "Sidecar registered", "The sidecar completed registration with Center (one tunnel) in its current run", shownCommand("sidecar_log", vars), "Registration completed … tunnels=1", "registration", (sec) =>
    sidecarLine(
      sec,
      "Registration completed",
      (line) => {
        const n = slogAttr(line, "tunnels");
        if (n === null || !/^\d+$/.test(n)) return { status: "unknown", observed: `unrecognised line: ${line.slice(0, 200)}` };
        return n === "1" ? { status: "pass", observed: `tunnels=1 nodeCreated=${slogAttr(line, "nodeCreated")}` } : { status: "fail", observed: `tunnels=${n}` };
      },
      () => ({ status: "fail", observed: loop ? `never registered: ${loop}` : "no 'Registration completed' line since the sidecar started" }),
    ), sidecarMissing);

  add("tunnel_domain", "Tunnel domain", "The tunnel uses the node's own {ipv4-dashes}.sslip.io domain", shownCommand("sidecar_log", vars), domain, "tunnel_domain", (sec) =>
    sidecarLine(
      sec,
      "Tunnel registered",
      (line) => {
        const d = slogAttr(line, "domain");
        if (!d) return { status: "unknown", observed: `unrecognised line: ${line.slice(0, 200)}` };
        return { status: d === domain ? "pass" : "fail", observed: `${d} (created=${slogAttr(line, "created")})` };
      },
      () => ({ status: "fail", observed: "no 'Tunnel registered' line since the sidecar started" }),
    ), sidecarMissing);

  add("k2s_ready", "k2s ready", "The tunnel server of the CURRENT k2s run started and listens on :443 (k2s writes this to its log file, not to docker logs)", shownCommand("k2s_ready", vars), "k2s server ready listen=:443, newer than k2s's start", "k2s_ready", (sec) => {
    const g = grepOutcome(sec, 0);
    if (g.kind === "error") return { status: "unknown", observed: `could not read k2s.log: ${g.why}` };
    if (tun.missing) return { status: "fail", observed: `${tunnel} container does not exist` };
    if (tun.error) return { status: "unknown", observed: `${tunnel}'s start time could not be read (${tun.error}): cannot tell a current 'server ready' from an old one` };
    if (tun.started === null) return { status: "fail", observed: `${tunnel} has never started` };
    const line = sec.text.split("\n").filter((l) => l.includes("server ready")).pop();
    const t = line ? lineTime(line) : null;
    if (line && t === null) return { status: "unknown", observed: `unrecognised line (no time=): ${line.slice(0, 200)}` };
    // k2s logs whole milliseconds; StartedAt has nanoseconds
    if (line && t !== null && t >= Math.floor(tun.started) - 1) return { status: "pass", observed: `${slogAttr(line, "msg") ?? "server ready"} listen=${slogAttr(line, "listen")} at ${slogAttr(line, "time")}` };
    if (tunSettle !== null) return pending(tunnel, tunSettle);
    return { status: "fail", observed: `no 'server ready' since ${tunnel} started at ${iso(tun.started)}${line ? ` (latest is older: ${slogAttr(line, "time")})` : ""}` };
  });

  add("container_net", "Container network", "Containers reach the internet and see the node's own public IP", shownCommand("container_net", vars), ctx.ipv4, "container_net", (sec) => {
    const out = sec.text.trim();
    if (sec.rc === 0 && out === ctx.ipv4) return { status: "pass", observed: out };
    if (sec.rc === 0 && /^\d{1,3}(\.\d{1,3}){3}$/.test(out)) return { status: "fail", observed: `${out} (not the node's own address)` };
    // busybox wget's own failures are an answer: the container has no working outbound network
    if (/^wget: (download timed out|bad address|can't connect|error getting response)/m.test(out)) return { status: "fail", observed: firstLine(out) };
    // exec refused (container restarting, paused, stopped): the network could not be tested
    if (/Error response from daemon|No such container|OCI runtime/.test(out)) return { status: "unknown", observed: `could not run inside k2-sidecar: ${firstLine(out)}` };
    return { status: "unknown", observed: `unrecognised answer: ${firstLine(out) || "(no output)"} (exit ${sec.rc})` };
  });

  add("center", "Center cross-check", "Center lists this node with exactly one tunnel on its sslip.io domain", "GET /app/nodes (Center API)", `one tunnel: ${domain}`, null, () => {
    if (!ctx.centerNode) return { status: "unknown", observed: "Center could not be asked" };
    const domains = ctx.centerNode.tunnels.map((t) => t.domain);
    if (!domains.length) return { status: "fail", observed: "node not listed at Center (or without tunnels)" };
    return domains.length === 1 && domains[0] === domain ? { status: "pass", observed: domains[0] } : { status: "fail", observed: domains.join(", ") };
  });

  add("port_mapping", "Port mapping", "Docker publishes 443/tcp, 443/udp and the 20 hop ports 40000-40019/udp", shownCommand("port_mapping", vars), "22 IPv4 maps", "port_mapping", (sec) => {
    if (tunnel === "k2-slave") return { status: "skip", observed: "legacy k2-slave uses the host network: no port maps" };
    if (sec.rc !== 0) {
      if (/No such container/.test(sec.text)) return { status: "fail", observed: `${tunnel} container does not exist` };
      return { status: "unknown", observed: `docker port failed: ${firstLine(sec.text) || `exit ${sec.rc}`}` };
    }
    const lines = sec.text.split("\n").map((l) => l.trim()).filter(Boolean);
    const bad = lines.find((l) => !/^\d+\/\w+\s*->\s*(\[[0-9a-f:]*\]|[0-9.]+|::):\d+$/.test(l));
    if (bad) return { status: "unknown", observed: `unrecognised docker port line: ${bad.slice(0, 200)}` };
    const v4 = lines.filter((l) => /->\s*0\.0\.0\.0:\d+$/.test(l));
    const want = new Set(["443/tcp->443", "443/udp->443", ...Array.from({ length: 20 }, (_, i) => `443/udp->${40000 + i}`)]);
    for (const l of v4) {
      const m = /^(\d+\/\w+)\s*->\s*0\.0\.0\.0:(\d+)$/.exec(l);
      if (m) want.delete(`${m[1]}->${m[2]}`);
    }
    return want.size === 0 ? { status: "pass", observed: `${v4.length} IPv4 maps` } : { status: "fail", observed: `${v4.length} IPv4 maps; missing ${[...want].slice(0, 4).join(", ")}${want.size > 4 ? "…" : ""}` };
  });

  // metering is on when .env sets a billing date; reading .env must succeed to say it is off
  const billingSec = s.get("billing");
  let billing: { state: "on"; date: string } | { state: "off" } | { state: "unknown"; why: string };
  if (!billingSec) billing = { state: "unknown", why: "the script did not reach the .env read" };
  else if (billingSec.rc === 124 || billingSec.rc === null) billing = { state: "unknown", why: billingSec.rc === 124 ? ".env read timed out" : ".env read cut short" };
  else {
    const g = grepOutcome(billingSec, 0);
    const date = unq(/^K2_NODE_BILLING_START_DATE=(.*)$/m.exec(billingSec.text)?.[1] ?? "");
    billing = g.kind === "error" ? { state: "unknown", why: g.why } : date ? { state: "on", date } : { state: "off" };
  }
  const metering = (then: (date: string) => Verdict): Verdict =>
    billing.state === "off" ? { status: "skip", observed: "metering off (no billing date in .env)" } : billing.state === "unknown" ? { status: "unknown", observed: `could not tell whether metering is on: ${billing.why}` } : then(billing.date);

  add("meter_initialized", "Meter initialized", "The traffic meter of the current sidecar run uses the configured billing date and quota", shownCommand("sidecar_log", vars), "Traffic monitor initialized billingDate=… limitGB=…", "meter", (sec) =>
    metering((date) =>
      sidecarLine(
        sec,
        "Traffic monitor initialized",
        (line) => {
          if (line.includes("Metering disabled")) return { status: "fail", observed: `the sidecar runs with metering disabled though .env sets K2_NODE_BILLING_START_DATE=${date} (recreate it: up -d)` };
          const bd = slogAttr(line, "billingDate");
          if (!bd) return { status: "unknown", observed: `unrecognised line: ${line.slice(0, 200)}` };
          return bd === date ? { status: "pass", observed: `billingDate=${bd} limitGB=${slogAttr(line, "limitGB")}` } : { status: "fail", observed: `the sidecar runs with billingDate=${bd}, .env says ${date} (recreate it: up -d)` };
        },
        () => ({ status: "fail", observed: "no 'Traffic monitor initialized' line since the sidecar started" }),
      ),
    ), () => metering(() => sidecarMissing()));

  add("reporter", "Usage reporter", "Usage reports reach Center and the cumulative count climbs", shownCommand("sidecar_log", vars), "periodic usage-reporter-cycle-ok, cumulative non-decreasing", "reporter", (sec) =>
    metering(() => {
      const g = grepOutcome(sec, 1);
      if (g.kind === "error") return { status: "unknown", observed: `could not read the sidecar log: ${g.why}` };
      if (side.started === null) return sidecarMissing();
      const since = side.started;
      const fresh = sec.text.split("\n").filter((l) => (lineTime(l) ?? Infinity) >= since - 1).join("\n");
      const r = evaluateReporter(fresh);
      // a sidecar that started moments ago has not reported yet: pending, not failing
      if (r.status === "fail" && !/cycle-ok/.test(fresh) && sideSettle !== null) return pending("k2-sidecar", sideSettle);
      return r;
    }), () => metering(() => sidecarMissing()));

  const names = (s.get("names")?.text ?? "").split("\n").map((x) => x.trim()).filter(Boolean);
  const image = tun.image ?? "";
  // the sidecar's health from compose's own rows; a sidecar that does not exist is "missing"
  const health = composeRows?.find((r) => r.name === "k2-sidecar")?.health ?? "";
  const bbr = /=\s*(\S+)/.exec(s.get("bbr")?.text ?? "")?.[1] ?? null;
  const ipv6Text = s.get("ipv6")?.rc === 0 ? s.get("ipv6")?.text : undefined;
  // a legacy k2-slave tunnel is named first: it may still run from the old dir, and an
  // un-migrated k2s node (same dir) is a different state with a different fix
  const arch = names.includes("k2-slave") ? "k2-slave" : dir === "/apps/kaitu-slave" ? "kaitu-slave" : names.includes("k2v5") ? "k2v5-era" : names.includes("k2s") ? "k2s" : names.length ? "unknown" : null;

  const failing = checks.filter((c) => c.status === "fail").map((c) => c.key);
  const unknown = checks.filter((c) => c.status === "unknown").map((c) => c.key);
  // Center not configured or not answering is the console's gap, not the node's: that check shows
  // unknown, but only the node's own unreadable evidence makes the run unknown
  const nodeUnknown = unknown.filter((k) => !(k === "center" && !ctx.centerNode));
  return {
    status: failing.length ? "fail" : nodeUnknown.length ? "unknown" : "pass",
    failingChecks: failing,
    unknownChecks: unknown,
    checks,
    facts: {
      arch,
      deployDir: dir === "/apps/kaitu-slave" || dir === "/apps/k2s" ? dir : null,
      versionTag: /:([^:\s]+)$/.exec(image)?.[1] ?? null,
      sidecarHealth: /^(healthy|starting|unhealthy)$/.test(health) ? health : side.missing ? "missing" : null,
      hygiene: { bbr, ipv6: ipv6Text === undefined ? null : /inet6 (?!fd00:)[0-9a-f:]+\/\d+ scope global/.test(ipv6Text), iptables: s.get("iptables")?.rc === 0 ? (s.get("iptables")?.text ?? "").trim() || null : null },
    },
  };
}
