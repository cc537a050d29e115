import crypto from "node:crypto";
import { z } from "zod";
import { ActionFailure } from "@/lib/errors";
import { redactText } from "@/lib/redact";
import { sshEngine } from "@/lib/node-ops/engine";
import { check, onNode } from "@/lib/node-ops/ops";
import type { ExecResult } from "@/lib/ssh/engine";
import { NONE, phraseSchema, reasonPhraseOf, skippedPhrase, verbatim, type Phrase, type ReasonPhrase, type ReportItem } from "./schema";

// The auth-rollout report (runbook §6.6 `auth-rollout-report.sh`,
// node-behavior.md §6.6 and §2.4), made correct. k2s writes its slog lines to
// <deploy dir>/logs/k2s.log (rotated to k2s-<time>.log.gz), NOT to `docker
// logs k2s` (journald: only the entrypoint's lines), so the script's
// `docker logs | grep` reads zeros on every real node. Here the node reads the
// log file (and the rotated files of the window), falls back to `docker logs
// --since` only when the file has no line (a node that logs to stderr), and
// filters ON the node: only `DIAG: auth-rollout` lines of the window cross the
// wire (at most MAX_ROLLOUT_LINES); `DIAG: auth-center-unreachable` and
// `DIAG: auth-node-misconfigured` are only counted. A node whose logs cannot
// be read is "unknown", never zeros.

export const AUTH_KEYS = ["total", "authed", "cookie_hit", "cold", "unauthed", "legacy_no_metadata"] as const;
export type AuthKey = (typeof AUTH_KEYS)[number];
export type AuthCounts = Record<AuthKey, number>;

/** More `DIAG: auth-rollout` lines than this in one node's window (one every 5 min: 8,640 in 30 days) make its row unknown. */
export const MAX_ROLLOUT_LINES = 20_000;

export const zeroCounts = (): AuthCounts => ({ total: 0, authed: 0, cookie_hit: 0, cold: 0, unauthed: 0, legacy_no_metadata: 0 });

const TOKEN_RE = /(?:^|\s)(total|authed|cookie_hit|cold|unauthed|legacy_no_metadata)=(\d{1,12})(?=\s|$)/g;

/**
 * One k2s log line → its auth counters, or null when it is not a
 * `msg="DIAG: auth-rollout"` line or carries none of the six counters
 * (total, authed, cookie_hit, cold, unauthed, legacy_no_metadata; a missing
 * one counts 0). Format (node-behavior.md §2.4):
 * `time=… level=INFO msg="DIAG: auth-rollout" total=N authed=N cookie_hit=N cold=N unauthed=N legacy_no_metadata=N`.
 */
export function parseAuthRolloutLine(line: string): AuthCounts | null {
  if (!line.includes("DIAG: auth-rollout")) return null;
  const out = zeroCounts();
  let seen = 0;
  for (const m of line.matchAll(TOKEN_RE)) {
    out[m[1] as AuthKey] += Number(m[2]);
    seen++;
  }
  return seen ? out : null;
}

export type AuthSum = { counts: AuthCounts; lines: number; unparsed: number; first: string | null; last: string | null };

/** Sums the counters of `DIAG: auth-rollout` lines (others are ignored; rollout lines without counters are counted as unparsed). */
export function sumAuthRolloutLines(lines: string[]): AuthSum {
  const counts = zeroCounts();
  let n = 0;
  let unparsed = 0;
  let first: string | null = null;
  let last: string | null = null;
  for (const line of lines) {
    if (!line.includes("DIAG: auth-rollout")) continue;
    const c = parseAuthRolloutLine(line);
    if (!c) {
      unparsed++;
      continue;
    }
    n++;
    for (const k of AUTH_KEYS) counts[k] += c[k];
    const t = /^time=(\S+)/.exec(line)?.[1] ?? null;
    if (t) {
      if (!first || t < first) first = t;
      if (!last || t > last) last = t;
    }
  }
  return { counts, lines: n, unparsed, first, last };
}

/**
 * The node-side script (stdin of `sudo -n bash -s`; no secret, read-only):
 * finds the deploy dir (k2s's compose working dir, else as the checklist
 * does), prints `K2OPS <token> …` meta lines, then the window's matching lines
 * of the log file (+ rotated files newer than the window's start), and, when
 * the file is absent or has no `DIAG: auth-rollout` line, those of
 * `docker logs --since <seconds>s k2s`. Each source ends with
 * `stats <src> rollout=N unreachable=N misconfigured=N` and `rc <src> <exit>`.
 */
export function authRolloutScript(windowSeconds: number, token: string): string {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 60 || windowSeconds > 366 * 86400) throw new Error("window must be 60 s to 366 days");
  if (!/^[0-9a-f]{16,64}$/.test(token)) throw new Error("token must be 16-64 hex characters");
  return `main() {
set -u
T=${token}
W=${windowSeconds}
CAP=${MAX_ROLLOUT_LINES}
say() { printf 'K2OPS %s %s\\n' "$T" "$*"; }
PAT='DIAG: auth-(rollout|center-unreachable|node-misconfigured)'
KS=$(timeout 10 docker inspect -f '{{.State.Status}}' k2s 2>/dev/null) || KS=missing
WD=$(timeout 10 docker inspect -f '{{index .Config.Labels "com.docker.compose.project.working_dir"}}' k2s 2>/dev/null) || WD=
case "$WD" in
  /apps/k2s|/apps/kaitu-slave) D=$WD ;;
  *) if [ ! -f /apps/k2s/docker-compose.yml ] && [ -d /apps/kaitu-slave ]; then D=/apps/kaitu-slave; else D=/apps/k2s; fi ;;
esac
NOW=$(date -u +%s)
FROM=$((NOW - W))
SINCE=$(date -u -d "@$FROM" +%Y-%m-%dT%H:%M:%S)
say "dir=$D"
say "k2s=\${KS:-missing}"
say "since=\${SINCE}Z"
# the window's lines: auth-rollout lines pass (at most CAP), the two warnings are only counted
count() {
  awk -v since="$SINCE" -v cap="$CAP" -v tok="$T" -v src="$1" '
    substr($0, 1, 5) == "time=" && substr($0, 6, 19) < since { next }
    index($0, "DIAG: auth-rollout") { n++; if (n <= cap) print; next }
    index($0, "DIAG: auth-center-unreachable") { u++; next }
    index($0, "DIAG: auth-node-misconfigured") { m++ }
    END { printf "K2OPS %s stats %s rollout=%d unreachable=%d misconfigured=%d\\n", tok, src, n, u, m }'
}
file_lines() {
  local rc=0
  find "$D/logs" -maxdepth 1 -name 'k2s-*.log.gz' -newermt "@$FROM" -print0 2>/dev/null | sort -z | xargs -0 -r zcat -f -- || rc=2
  cat -- "$D/logs/k2s.log" || rc=2
  return $rc
}
ROLL=0
if [ -f "$D/logs/k2s.log" ]; then
  say "begin file"
  OUT=$(file_lines | grep -aE "$PAT" | count file; say "rc file \${PIPESTATUS[0]}")
  printf '%s\\n' "$OUT"
  ROLL=$(printf '%s\\n' "$OUT" | sed -n "s/^K2OPS $T stats file rollout=\\([0-9]*\\) .*/\\1/p")
else
  say "file=absent"
fi
if [ "\${ROLL:-0}" = 0 ]; then
  say "begin docker"
  timeout 120 docker logs --since "\${W}s" k2s 2>&1 | grep -aE "$PAT" | count docker; say "rc docker \${PIPESTATUS[0]}"
fi
say "done"
}
main </dev/null
`;
}

type Source = "file" | "docker";
type Section = { lines: string[]; rollout: number | null; unreachable: number; misconfigured: number; rc: number | null };

/** What one node's logs said over the window (`ok`), or why they could not be read (`reason` in English, `phrase` the same as code + values). */
export type AuthRolloutRead =
  | { ok: true; source: Source; dir: string; k2s: string; since: string; sum: AuthSum; unreachable: number; misconfigured: number }
  | { ok: false; reason: string; phrase?: ReasonPhrase };

/** Parses the script's output (pure). `truncated`: the SSH layer cut stdout short. */
export function parseAuthRolloutOutput(stdout: string, token: string, truncated = false): AuthRolloutRead {
  if (truncated) return { ok: false, reason: "the node's answer was larger than the report reads (output truncated): narrow the window", phrase: { code: "truncated", values: {} } };
  const prefix = `K2OPS ${token} `;
  const meta = new Map<string, string>();
  const sections = new Map<Source, Section>();
  let cur: Section | null = null;
  let done = false;
  for (const line of stdout.split("\n")) {
    if (!line.startsWith(prefix)) {
      if (cur && line) cur.lines.push(line);
      continue;
    }
    const rest = line.slice(prefix.length);
    const begin = /^begin (file|docker)$/.exec(rest);
    const stats = /^stats (file|docker) rollout=(\d+) unreachable=(\d+) misconfigured=(\d+)$/.exec(rest);
    const rc = /^rc (file|docker) (\d+)$/.exec(rest);
    if (begin) {
      cur = { lines: [], rollout: null, unreachable: 0, misconfigured: 0, rc: null };
      sections.set(begin[1] as Source, cur);
    } else if (stats && sections.get(stats[1] as Source)) {
      Object.assign(sections.get(stats[1] as Source)!, { rollout: Number(stats[2]), unreachable: Number(stats[3]), misconfigured: Number(stats[4]) });
    } else if (rc && sections.get(rc[1] as Source)) {
      sections.get(rc[1] as Source)!.rc = Number(rc[2]);
      cur = null;
    } else if (rest === "done") done = true;
    else {
      const kv = /^(dir|k2s|since|file)=(.*)$/.exec(rest);
      if (kv) meta.set(kv[1], kv[2]);
      cur = null;
    }
  }
  const dir = meta.get("dir") ?? "";
  const k2s = meta.get("k2s") || "missing";
  const since = meta.get("since") ?? "";
  if (!done || !dir) return { ok: false, reason: "the node's answer was incomplete (the report script did not finish)", phrase: { code: "incomplete", values: {} } };
  const usable = (s: Section | undefined): s is Section & { rollout: number } => !!s && s.rc === 0 && s.rollout !== null;
  const file = sections.get("file");
  const docker = sections.get("docker");
  const pick: [Source, Section & { rollout: number }] | null =
    usable(file) && file.rollout > 0 ? ["file", file] : usable(docker) && docker.rollout > 0 ? ["docker", docker] : usable(file) ? ["file", file] : usable(docker) ? ["docker", docker] : null;
  if (!pick) {
    const why = [
      file ? `${dir}/logs/k2s.log could not be read (exit ${file.rc ?? "none"})` : `no ${dir}/logs/k2s.log`,
      docker ? `docker logs k2s failed (exit ${docker.rc ?? "none"}; k2s container: ${k2s})` : null,
    ].filter(Boolean);
    const phrase: ReasonPhrase = { code: file ? "logsUnreadable" : "logsMissing", values: { dir, file: file ? String(file.rc ?? "none") : NONE, docker: docker ? String(docker.rc ?? "none") : NONE, k2s } };
    return { ok: false, reason: why.join("; "), phrase };
  }
  const [source, s] = pick;
  if (s.rollout > MAX_ROLLOUT_LINES) return { ok: false, reason: `more than ${MAX_ROLLOUT_LINES} auth-rollout lines in the window (${s.rollout}): narrow the window`, phrase: { code: "tooManyLines", values: { max: String(MAX_ROLLOUT_LINES), count: String(s.rollout) } } };
  const sum = sumAuthRolloutLines(s.lines);
  // every line the node counted must have arrived and parsed: else the totals would be wrong
  if (sum.lines + sum.unparsed !== s.rollout) return { ok: false, reason: `the node counted ${s.rollout} auth-rollout lines but ${sum.lines + sum.unparsed} arrived`, phrase: { code: "countMismatch", values: { counted: String(s.rollout), arrived: String(sum.lines + sum.unparsed) } } };
  return { ok: true, source, dir, k2s, since, sum, unreachable: s.unreachable, misconfigured: s.misconfigured };
}

/**
 * Reads one node's auth counters over the last `windowSeconds` seconds
 * (runbook §6.6; node-behavior.md §2.4, §6.6): one stdin script through the
 * node's usual guards (read-only, no lock). Resolves `{ ok: true, … }` with
 * the summed counters, the number of lines, the source it read (`file` =
 * <dir>/logs/k2s.log + rotated files, `docker` = docker logs), the
 * unreachable/misconfigured warning counts; or `{ ok: false, reason }` when
 * the logs could not be read (SSH failure, unreadable file and no docker
 * logs, a truncated answer). Never rejects.
 */
export async function readAuthRollout(ipv4: string, windowSeconds: number, meta: { triggeredBy: string }): Promise<AuthRolloutRead> {
  try {
    const token = crypto.randomBytes(12).toString("hex");
    const ctx = { actor: meta.triggeredBy, requestId: `auth-report-${token.slice(0, 12)}` };
    return await onNode(ipv4, { name: "report.auth-rollout", mutating: false, ctx }, async (t) => {
      const r: ExecResult = await sshEngine().runScript(t, authRolloutScript(windowSeconds, token), { sudo: true, timeoutMs: 180_000, maxStdout: 5 * 1024 * 1024, maxStderr: 64 * 1024 });
      check(r, "Reading the k2s logs");
      return parseAuthRolloutOutput(r.stdout, token, r.truncated);
    });
  } catch (e) {
    const message = redactText(e instanceof Error ? e.message : String(e)).slice(0, 400);
    const ssh = e instanceof ActionFailure && e.code === "failed";
    return { ok: false, reason: ssh ? `SSH failed: ${message}` : message, phrase: ssh ? { code: "sshFailed", values: { message } } : verbatim(message) };
  }
}

// ---- the report: a job item's evidence → a row; the rows → fleet totals and the alert ----

const countsSchema = z.object({ total: z.number(), authed: z.number(), cookie_hit: z.number(), cold: z.number(), unauthed: z.number(), legacy_no_metadata: z.number() });

/** What an auth-rollout node step stores as its item's evidence (counters only, never log lines). */
export const authRolloutEvidenceSchema = z.union([
  z.object({
    report: z.literal("auth-rollout"),
    ok: z.literal(true),
    source: z.enum(["file", "docker"]),
    dir: z.string(),
    k2s: z.string(),
    since: z.string(),
    counts: countsSchema,
    lines: z.number(),
    unparsed: z.number(),
    first: z.string().nullable(),
    last: z.string().nullable(),
    unreachable: z.number(),
    misconfigured: z.number(),
  }),
  z.object({ report: z.literal("auth-rollout"), ok: z.literal(false), reason: z.string(), phrase: phraseSchema.optional() }),
]);
export type AuthRolloutEvidence = z.infer<typeof authRolloutEvidenceSchema>;

export function authRolloutEvidence(r: AuthRolloutRead): AuthRolloutEvidence {
  if (!r.ok) return { report: "auth-rollout", ok: false, reason: r.reason, ...(r.phrase ? { phrase: r.phrase } : {}) };
  const { sum } = r;
  return { report: "auth-rollout", ok: true, source: r.source, dir: r.dir, k2s: r.k2s, since: r.since, counts: sum.counts, lines: sum.lines, unparsed: sum.unparsed, first: sum.first, last: sum.last, unreachable: r.unreachable, misconfigured: r.misconfigured };
}

/** ok: counters read; no_data: logs read, no auth-rollout line in the window; unknown: logs unreadable (never zeros). */
export type AuthRowState = "ok" | "no_data" | "unknown" | "skipped" | "pending";
export type AuthRolloutRow = {
  ipv4: string;
  name: string;
  state: AuthRowState;
  /** null unless the logs were read */
  counts: AuthCounts | null;
  lines: number | null;
  unreachable: number | null;
  misconfigured: number | null;
  source: Source | null;
  /** English (the CSV's) */
  reason: string | null;
  /** the same as code + values (the page's, reports.view.reason.<code>); null when there is no reason */
  reasonPhrase: ReasonPhrase | null;
};

/** One node's row, from its job item (`jobEnded`: a step that never ran is unknown, not pending). */
export function authRolloutRow(item: ReportItem, jobEnded: boolean): AuthRolloutRow {
  const base = { ipv4: item.nodeIpv4, name: item.nodeName, counts: null, lines: null, unreachable: null, misconfigured: null, source: null, reason: null, reasonPhrase: null };
  if (item.status === "skipped") return { ...base, state: "skipped", reason: item.summary ?? "skipped", reasonPhrase: skippedPhrase(item.summary) };
  const ev = authRolloutEvidenceSchema.safeParse(item.evidence);
  if (ev.success) {
    const e = ev.data;
    if (!e.ok) return { ...base, state: "unknown", reason: e.reason, reasonPhrase: reasonPhraseOf(e.phrase) ?? verbatim(e.reason) };
    const read = { ...base, counts: e.counts, lines: e.lines, unreachable: e.unreachable, misconfigured: e.misconfigured, source: e.source };
    if (e.lines > 0) return { ...read, state: "ok", reason: e.unparsed ? `${e.unparsed} auth-rollout line(s) without counters` : null, reasonPhrase: e.unparsed ? { code: "unparsed", values: { count: String(e.unparsed) } } : null };
    const why = e.k2s !== "running" ? `k2s is ${e.k2s}` : "k2s logs one every 5 min: a build without auth metrics, or logging elsewhere";
    const where = e.source === "file" ? `${e.dir}/logs/k2s.log` : "docker logs k2s";
    return { ...read, state: "no_data", reason: `no DIAG: auth-rollout line since ${e.since} in ${where} (${why})`, reasonPhrase: { code: e.k2s !== "running" ? "noDataK2s" : "noData", values: { since: e.since, where, k2s: e.k2s } } };
  }
  const terminal = ["succeeded", "failed", "reverted", "cancelled"].includes(item.status);
  if (!terminal && !jobEnded) return { ...base, state: "pending" };
  return {
    ...base,
    state: "unknown",
    reason: item.error ?? `not read (${item.status === "cancelled" ? "cancelled" : `step ${item.status}`})`,
    reasonPhrase: item.error !== null ? verbatim(item.error) : item.status === "cancelled" ? { code: "notReadCancelled", values: {} } : { code: "notRead", values: { status: item.status } },
  };
}

export type AuthFleet = {
  window: string;
  totals: AuthCounts;
  /** unauthed / total and authed / total, in % (one decimal); null when total is 0 */
  unauthedPct: number | null;
  authedRatio: number | null;
  /** nodes whose logs were read (ok + no_data) */
  read: number;
  reporting: number;
  noData: number;
  unknown: number;
  pending: number;
  skipped: number;
  unreachableTotal: number;
  /** §6.6: some nodes report auth-center-unreachable while peers reach Center = page; all = a fleet-wide note */
  /** `text`: English; `code` + `values`: the same sentence (reports.view.auth.alert.<code>.text; counts as digits, the list verbatim) */
  alert: ({ level: "page" | "note"; text: string; nodes: { ipv4: string; name: string; count: number }[] } & Phrase<"page" | "note">) | null;
};

const pct = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 10 : null);

/** Fleet totals and the alert of §6.6 over the rows (only rows whose logs were read count; unknown rows are counted apart, never as zeros). */
export function authRolloutFleet(rows: AuthRolloutRow[], window: string): AuthFleet {
  const totals = zeroCounts();
  const read = rows.filter((r) => r.state === "ok" || r.state === "no_data");
  for (const r of read) for (const k of AUTH_KEYS) totals[k] += r.counts?.[k] ?? 0;
  const isolated = read.filter((r) => (r.unreachable ?? 0) > 0);
  const n = read.length;
  const k = isolated.length;
  const nodes = isolated.map((r) => ({ ipv4: r.ipv4, name: r.name, count: r.unreachable ?? 0 }));
  const list = nodes.map((x) => `${x.ipv4}(${x.count})`).join(" ");
  let alert: AuthFleet["alert"] = null;
  if (k > 0 && k < n) {
    const text = `ALERT(page): ${k}/${n} node(s) report auth-center-unreachable while peers reach Center — ${list} — single-node isolation: check those nodes' network path to Center (firewall, DNS, routing).`;
    alert = { level: "page", nodes, text, code: "page", values: { isolated: String(k), read: String(n), list } };
  } else if (k > 0 && k === n) {
    alert = { level: "note", nodes, text: `NOTE: all ${n} reachable node(s) report auth-center-unreachable — looks fleet-wide (Center or its network), not a node problem.`, code: "note", values: { read: String(n) } };
  }
  return {
    window,
    totals,
    unauthedPct: pct(totals.unauthed, totals.total),
    authedRatio: pct(totals.authed, totals.total),
    read: n,
    reporting: rows.filter((r) => r.state === "ok").length,
    noData: rows.filter((r) => r.state === "no_data").length,
    unknown: rows.filter((r) => r.state === "unknown").length,
    pending: rows.filter((r) => r.state === "pending").length,
    skipped: rows.filter((r) => r.state === "skipped").length,
    unreachableTotal: read.reduce((a, r) => a + (r.unreachable ?? 0), 0),
    alert,
  };
}
