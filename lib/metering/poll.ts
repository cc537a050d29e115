import crypto from "node:crypto";
import type { Ctx } from "@/lib/node-ops/ops";
import { envMap } from "@/lib/node-ops/env-file";
import { splitSections, type Section } from "@/lib/verification/parse";
import { BYTES_PER_GIB, normalizeBillingMode, parseBillingDate, usedBytesOf, type BillingMode } from "./cycle";

// One SSH round trip per node reads everything the meter has (issue #13
// "Collect"; node-behavior.md §4-§5, metering.md Part D): the sidecar's
// traffic.state and cutoff.state (in its config volume on the host), the host
// NIC counters it reads (/proc/net/dev of the host netns), the latest usage
// reporter cycle-ok / cycle-fail lines, whether k2s is paused, and the four
// metering knobs of .env, grepped BY NAME (the .env holds secrets; no other
// line leaves the node). The script travels on stdin (`bash -s`), fenced by a
// per-run token (lib/verification/parse splitSections), each command under its
// own timeout. The parser and the sample it makes are pure.

/** The .env keys the poll reads, and nothing else. */
export const METER_ENV_KEYS = ["K2_NODE_BILLING_START_DATE", "K2_NODE_TRAFFIC_LIMIT_GB", "K2_NODE_TRAFFIC_BILLING_MODE", "K2_NODE_TRAFFIC_USED_GB"] as const;

const SECTION_TIMEOUT_S = 10;

/**
 * The poll script for one run (`token`: 16-64 hex characters, the fence). The
 * sidecar is inspected first: on the simulator that is also what makes its
 * meter catch up. The config volume is `<compose project>_config` (the
 * sidecar's label; the deploy dir's name when it has none).
 */
export function meterPollScript(token: string): string {
  if (!/^[0-9a-f]{16,64}$/.test(token)) throw new Error("token must be 16-64 hex characters");
  const keys = METER_ENV_KEYS.join("|");
  return `set -u
T=${token}
sec() { echo "===K2OPS $T BEGIN $1==="; }
fin() { echo "===K2OPS $T END $1 rc=$2==="; }
run() { local out rc; sec "$1"; out=$(timeout ${SECTION_TIMEOUT_S} bash -c "$2" 2>&1 </dev/null); rc=$?; [ -n "$out" ] && printf '%s\\n' "$out"; fin "$1" $rc; }
D=/apps/k2s
if [ ! -f "$D/docker-compose.yml" ] && [ -d /apps/kaitu-slave ]; then D=/apps/kaitu-slave; fi
SI=$(timeout ${SECTION_TIMEOUT_S} docker inspect -f '{{.State.Status}}|{{.State.StartedAt}}|{{index .Config.Labels "com.docker.compose.project"}}' k2-sidecar 2>&1 </dev/null); SRC=$?
sec sidecar; printf '%s\\n' "$SI" | head -n 3; fin sidecar $SRC
P=; [ $SRC = 0 ] && P=\${SI##*|}
case $P in ''|*[!A-Za-z0-9_.-]*) P=\${D##*/} ;; esac
V=/var/lib/docker/volumes/\${P}_config/_data
export D V
sec meta; echo "dir=$D"; echo "volume=$V"; fin meta 0
run k2s 'docker inspect -f "{{.State.Status}}|{{.State.Paused}}" k2s'
# the docker reads first, the files after: a file read is then never older than what docker showed
run reporter "docker logs --tail 600 k2-sidecar 2>&1 | grep -E 'usage-reporter-cycle-(ok|fail)' | tail -n 6"
run traffic_state 'sudo -n cat "$V/traffic.state"'
run cutoff_state 'sudo -n cat "$V/cutoff.state"'
run clock 'date -u +%s%3N'
run nic 'cat /proc/net/dev'
run env "sudo -n grep -E '^[[:space:]]*(export[[:space:]]+)?(${keys})=' \\"\\$D/.env\\""
exit 0
`;
}

// ---- the parsed reading -------------------------------------------------------

export type TrafficState = { cycleEndUnix: number; cycleStartRxBytes: bigint; cycleStartTxBytes: bigint; priorUsedBytes: bigint; lastUsedBytes: bigint | null };
export type NicCounters = { name: string; rxBytes: bigint; txBytes: bigint };
export type ReporterOk = { at: Date; epochUnix: number; cumulativeBytes: bigint; quotaTotalBytes: bigint };
export type ReporterFail = { at: Date; usedBytes: bigint | null; limitBytes: bigint | null; error: string };

export type MeterEnv = {
  billingDate: string | null;
  /** the day of month the cycle resets on; null when the date is empty or invalid */
  billingDay: number | null;
  /** Go's time.Parse error for a non-empty invalid date (the sidecar then runs uncapped) */
  billingDateError: string | null;
  /** K2_NODE_TRAFFIC_LIMIT_GB as the sidecar reads it (not a number → 0 = unlimited); null when the key is absent (compose default 0) */
  limitGb: number | null;
  limitRaw: string | null;
  mode: BillingMode;
  modeRaw: string | null;
  modeUnknown: boolean;
  /** K2_NODE_TRAFFIC_USED_GB (the first-boot seed), GB */
  seedGb: number | null;
};

export type MeterReading = {
  /** the node's clock when it read the NIC (null when unreadable) */
  nodeAt: Date | null;
  dir: string;
  volume: string;
  sidecar: { status: string; startedAt: Date | null } | null;
  k2s: { status: string; paused: boolean } | null;
  /** null: the .env could not be read (then nothing is known about metering) */
  env: MeterEnv | null;
  /** the .env's billing date is set and valid: the sidecar meters (once it runs with this .env) */
  metering: boolean | null;
  trafficState: TrafficState | null;
  trafficStateProblem: "absent" | "corrupt" | "unreadable" | null;
  /** cutoff.state; null when absent (a node that never changed state) */
  cut: boolean | null;
  nic: NicCounters | null;
  reporter: { ok: ReporterOk | null; fail: ReporterFail | null };
  /** sections that could not be read, one sentence each */
  problems: string[];
};

const big = (v: unknown): bigint | null => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : typeof v === "string" && /^\d{1,20}$/.test(v) ? BigInt(v) : null);

/**
 * traffic.state as loadTrafficState reads it: a missing or corrupt file is the
 * zero state (returned as null with the reason). Numbers are read from the
 * JSON text itself, so counters beyond 2^53 stay exact. A legacy file without
 * per-direction baselines (cycle_start_bytes only) is "corrupt" for the meter
 * (it re-anchors at start).
 */
export function parseTrafficState(text: string): { state: TrafficState | null; problem: "corrupt" | null } {
  const t = text.trim();
  let j: unknown;
  try {
    j = JSON.parse(t.replace(/:\s*(\d{16,})/g, ':"$1"'));
  } catch {
    return { state: null, problem: "corrupt" };
  }
  if (!j || typeof j !== "object" || Array.isArray(j)) return { state: null, problem: "corrupt" };
  const o = j as Record<string, unknown>;
  const end = big(o.billing_cycle_end_at);
  const rx = big(o.cycle_start_rx);
  const tx = big(o.cycle_start_tx);
  if (end === null || rx === null || tx === null) return { state: null, problem: "corrupt" };
  return { state: { cycleEndUnix: Number(end), cycleStartRxBytes: rx, cycleStartTxBytes: tx, priorUsedBytes: big(o.prior_used_bytes) ?? 0n, lastUsedBytes: big(o.last_used_bytes) }, problem: null };
}

/**
 * The host NIC the sidecar meters (host_nic.go): of the /proc/net/dev lines,
 * interfaces other than lo, veth* and docker* (br-* bridges are NOT excluded,
 * as in the sidecar), the one with the largest rx + tx; rx = field 1, tx =
 * field 9 after the colon (bytes). Null when there is none.
 */
export function parsePrimaryNic(text: string): NicCounters | null {
  let best: NicCounters | null = null;
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    const f = line.slice(i + 1).trim().split(/\s+/);
    if (!name || f.length < 9 || name === "lo" || name.startsWith("veth") || name.startsWith("docker")) continue;
    if (!/^\d+$/.test(f[0]) || !/^\d+$/.test(f[8])) continue;
    const c = { name, rxBytes: BigInt(f[0]), txBytes: BigInt(f[8]) };
    if (!best || c.rxBytes + c.txBytes > best.rxBytes + best.txBytes) best = c;
  }
  return best;
}

/** The attributes of one slog TextHandler line (values unquoted as Go quoted them). */
export function slogAttrs(line: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([A-Za-z_][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const m of line.matchAll(re)) {
    let v = m[2];
    if (v.startsWith('"')) {
      try {
        v = JSON.parse(v) as string;
      } catch {
        v = v.slice(1, -1);
      }
    }
    if (!out.has(m[1])) out.set(m[1], v);
  }
  return out;
}

/** The latest `DIAG: usage-reporter-cycle-ok` and `-cycle-fail` lines among `text`'s lines (Part D). */
export function parseReporterLines(text: string): { ok: ReporterOk | null; fail: ReporterFail | null } {
  let ok: ReporterOk | null = null;
  let fail: ReporterFail | null = null;
  for (const line of text.split("\n")) {
    const a = slogAttrs(line);
    const at = new Date(a.get("time") ?? "");
    if (Number.isNaN(at.getTime())) continue;
    if (a.get("msg") === "DIAG: usage-reporter-cycle-ok") {
      const epoch = big(a.get("epoch"));
      const cum = big(a.get("cumulative"));
      const quota = big(a.get("quotaTotal"));
      if (epoch === null || cum === null || quota === null) continue;
      if (!ok || at >= ok.at) ok = { at, epochUnix: Number(epoch), cumulativeBytes: cum, quotaTotalBytes: quota };
    } else if (a.get("msg") === "DIAG: usage-reporter-cycle-fail") {
      if (!fail || at >= fail.at) fail = { at, usedBytes: big(a.get("used")), limitBytes: big(a.get("limit")), error: (a.get("err") ?? "").slice(0, 500) };
    }
  }
  return { ok, fail };
}

/** The metering knobs from the grepped .env lines (only METER_ENV_KEYS are ever present). */
export function parseMeterEnv(text: string): MeterEnv {
  const env = envMap(text);
  const date = env.get("K2_NODE_BILLING_START_DATE")?.trim() || null;
  const parsed = date ? parseBillingDate(date) : null;
  const limitRaw = env.get("K2_NODE_TRAFFIC_LIMIT_GB") ?? null;
  // the sidecar's YAML int64 field: a number, else 0 (unlimited); the simulator's int_env
  const int = (v: string | null) => (v === null ? null : /^[+-]?\d{1,18}$/.test(v.trim()) ? Number(v.trim()) : 0);
  const modeRaw = env.get("K2_NODE_TRAFFIC_BILLING_MODE") ?? null;
  const mode = normalizeBillingMode(modeRaw);
  return {
    billingDate: date,
    billingDay: parsed?.ok ? parsed.day : null,
    billingDateError: parsed && !parsed.ok ? parsed.error : null,
    limitGb: int(limitRaw),
    limitRaw,
    mode: mode.mode,
    modeRaw,
    modeUnknown: mode.unknown,
    seedGb: int(env.get("K2_NODE_TRAFFIC_USED_GB") ?? null),
  };
}

/** Parses the poll script's output (`token` = the run's fence). Pure; never throws on node output. */
export function parseMeterPoll(raw: string, token: string): MeterReading {
  const s = splitSections(raw, token);
  const problems: string[] = [];
  const sec = (k: string): Section | null => s.get(k) ?? null;
  const ok = (k: string, what: string): string | null => {
    const x = sec(k);
    if (!x) return problems.push(`${what}: no output (the script did not reach it)`), null;
    if (x.rc === 124) return problems.push(`${what}: timed out on the node`), null;
    if (x.rc !== 0) return null;
    return x.text;
  };
  const meta = sec("meta")?.text ?? "";
  const dir = /^dir=(\S+)/m.exec(meta)?.[1] ?? "/apps/k2s";
  const volume = /^volume=(\S+)/m.exec(meta)?.[1] ?? "";

  const side = ok("sidecar", "k2-sidecar");
  const sp = side?.trim().split("\n")[0].split("|");
  const sidecar = sp && sp.length >= 2 ? { status: sp[0], startedAt: validDate(sp[1]) } : null;
  const k2sText = ok("k2s", "k2s");
  const kp = k2sText?.trim().split("|");
  const k2s = kp && kp.length >= 2 ? { status: kp[0], paused: kp[1] === "true" || kp[0] === "paused" } : null;

  let trafficState: TrafficState | null = null;
  let trafficStateProblem: MeterReading["trafficStateProblem"] = null;
  const ts = sec("traffic_state");
  if (ts && ts.rc === 0) ({ state: trafficState, problem: trafficStateProblem } = parseTrafficState(ts.text));
  else if (ts && /No such file/i.test(ts.text)) trafficStateProblem = "absent";
  else {
    trafficStateProblem = "unreadable";
    problems.push(`traffic.state: ${ts ? (ts.rc === 124 ? "timed out" : `unreadable (exit ${ts.rc}): ${ts.text.trim().slice(0, 200)}`) : "no output"}`);
  }

  const cs = sec("cutoff_state");
  let cut: boolean | null = null;
  if (cs && cs.rc === 0) cut = /"cut"\s*:\s*true/.test(cs.text);
  else if (!(cs && /No such file/i.test(cs.text))) problems.push(`cutoff.state: ${cs ? `unreadable (exit ${cs.rc})` : "no output"}`);

  const clock = ok("clock", "clock")?.trim();
  const nodeAt = clock && /^\d{10,16}$/.test(clock) ? new Date(Number(clock)) : null;
  const nicText = ok("nic", "/proc/net/dev");
  const nic = nicText === null ? null : parsePrimaryNic(nicText);
  if (nicText !== null && !nic) problems.push("/proc/net/dev: no metered interface (only lo, veth*, docker*)");

  const rep = sec("reporter");
  const reporter = rep && rep.rc !== 124 ? parseReporterLines(rep.text) : { ok: null, fail: null };
  if (!rep || rep.rc === 124) problems.push("usage reporter lines: could not be read");

  const envSec = sec("env");
  // grep: 0 = lines found, 1 = none of the keys (all defaults), 2 = the file could not be read
  const env = envSec && (envSec.rc === 0 || envSec.rc === 1) ? parseMeterEnv(envSec.rc === 0 ? envSec.text : "") : null;
  if (!env) problems.push(`.env: ${envSec ? `unreadable (exit ${envSec.rc})` : "no output"}`);
  const metering = env ? env.billingDay !== null : null;

  return { nodeAt, dir, volume, sidecar, k2s, env, metering, trafficState, trafficStateProblem, cut, nic, reporter, problems };
}

function validDate(s: string | undefined): Date | null {
  if (!s || s.startsWith("0001-")) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

// ---- the node's usage now ------------------------------------------------------

export type UsedSource = "live" | "state" | "reporter" | "none";

/**
 * What the node's meter says is used now (bytes), the way the sidecar computes
 * it: prior + combine(NIC − baseline) with the .env's mode ("live"), when the
 * NIC is at or above the baseline and not below the last persisted figure.
 * Otherwise (the NIC went below the baseline: a reboot the sidecar folds within
 * 5 s; or the NIC this console picked is not the sidecar's) the larger of the
 * last persisted `last_used_bytes` ("state") and the latest reporter
 * cumulative of the same cycle ("reporter"), both at most about a minute old.
 * Null with "none" when metering is
 * off or nothing is readable. `rxBytes`/`txBytes` are the cycle's per-direction
 * deltas when live.
 */
export function nodeUsed(r: MeterReading): { usedBytes: bigint | null; source: UsedSource; rxBytes: bigint | null; txBytes: bigint | null } {
  const st = r.trafficState;
  if (!r.metering || !st) return { usedBytes: null, source: "none", rxBytes: null, txBytes: null };
  const mode = r.env?.mode ?? "max";
  if (r.nic && r.nic.rxBytes >= st.cycleStartRxBytes && r.nic.txBytes >= st.cycleStartTxBytes) {
    const u = usedBytesOf(mode, r.nic, { cycleStartRxBytes: st.cycleStartRxBytes, cycleStartTxBytes: st.cycleStartTxBytes, priorUsedBytes: st.priorUsedBytes });
    if (st.lastUsedBytes === null || u.usedBytes >= st.lastUsedBytes) return { usedBytes: u.usedBytes, source: "live", rxBytes: u.rxBytes, txBytes: u.txBytes };
  }
  // the node's own figures of this cycle, each at most a minute old: the larger (used only grows within a cycle, but for a fold)
  const ok = r.reporter.ok && r.reporter.ok.epochUnix === st.cycleEndUnix ? r.reporter.ok.cumulativeBytes : null;
  const persisted = st.lastUsedBytes;
  if (ok !== null && (persisted === null || ok > persisted)) return { usedBytes: ok, source: "reporter", rxBytes: null, txBytes: null };
  return { usedBytes: persisted ?? st.priorUsedBytes, source: "state", rxBytes: null, txBytes: null };
}

/**
 * The limit the RUNNING sidecar uses, GB: the latest reporter line's
 * quotaTotal / 2^30 (it is built from the process's env). Differs from the
 * .env's limit when the .env was edited without `up -d k2-sidecar` (Part E).
 * Null without a reporter line.
 */
export function runningLimitGb(r: MeterReading): number | null {
  const q = r.reporter.ok?.quotaTotalBytes;
  return q === undefined ? null : Number(q / BYTES_PER_GIB);
}

// ---- over SSH ------------------------------------------------------------------

/**
 * Reads one node's meter in ONE SSH round trip (the script on stdin, read-only,
 * no lock). Returns the parsed reading, the console's time when the answer
 * arrived, and the raw output (redacted: known secrets masked). Throws
 * ActionFailure (lib/errors) when the node is unknown, blocked by a host key
 * change, unreachable or the script times out (20 s) — see onNode.
 */
export async function readMeter(ipv4: string, ctx: Ctx, opts: { timeoutMs?: number } = {}): Promise<{ reading: MeterReading; at: Date; raw: string }> {
  // loaded on use: the parser and the stores need no SSH stack
  const { check, onNode } = await import("@/lib/node-ops/ops");
  const { sshEngine } = await import("@/lib/node-ops/engine");
  return onNode(ipv4, { name: "node.meter.poll", mutating: false, ctx }, async (t) => {
    const token = crypto.randomBytes(12).toString("hex");
    const r = await sshEngine().runScript(t, meterPollScript(token), { timeoutMs: opts.timeoutMs ?? 20_000, maxStdout: 256 * 1024 });
    check(r, "Reading the meter");
    const { redactText } = await import("@/lib/redact");
    return { reading: parseMeterPoll(r.stdout, token), at: new Date(), raw: redactText(r.stdout) };
  });
}
