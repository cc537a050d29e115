import { sameAcrossBundles } from "@/lib/errors";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Arg, cmd, type SafeCommand } from "@/lib/guardrails/command";
import { msg, type Text } from "@/lib/text";
import { deployAssetsDir } from "./compose";

// Runbook §6.4 (deploy-auto-update.sh) made correct, and §7 (auto-update.sh):
// the canonical node script comes from the operator's deploy assets
// (K2OPS_DEPLOY_ASSETS_DIR, file docker/scripts/auto-update.sh; without it the
// assets k2ops ships). It travels to the node on stdin (base64 inside the
// script), never on a command line, and lands in /apps/k2s/auto-update.sh; the
// ROOT crontab gets exactly one line running it at 04:00. The two defects of
// the runbook's script are not reproduced: a node with no crontab gets the line
// (the crontab is read whole, then written back; "no crontab" is told apart
// from a crontab that cannot be read), and the file is never written empty
// (its md5 is checked on the node before it replaces the old one, and again by
// an independent read afterwards).

export const AUTO_UPDATE_TARGET = "/apps/k2s/auto-update.sh";
/** The root crontab line (runbook §6.4/§7), exactly. */
export const AUTO_UPDATE_CRON_LINE = "0 4 * * * /apps/k2s/auto-update.sh >> /apps/k2s/auto-update.log 2>&1";

export class AutoUpdateAssetError extends Error {}
sameAcrossBundles(AutoUpdateAssetError, "AutoUpdateAssetError");

export type CanonicalAutoUpdate = { text: string; md5: string; source: string; configured: boolean };

/**
 * Reads and checks the canonical auto-update.sh (`<assets>/docker/scripts/auto-update.sh`).
 * Throws AutoUpdateAssetError naming the file when it is missing or not deployable
 * (see autoUpdateProblems).
 */
export function loadCanonicalAutoUpdate(env: Record<string, string | undefined> = process.env): CanonicalAutoUpdate {
  const { dir, configured } = deployAssetsDir(env);
  const source = path.join(dir, "docker", "scripts", "auto-update.sh");
  let text: string;
  try {
    text = fs.readFileSync(source, "utf8");
  } catch {
    throw new AutoUpdateAssetError(`No canonical auto-update script at ${source}${configured ? "" : " (set K2OPS_DEPLOY_ASSETS_DIR to your infra checkout)"}.`);
  }
  const problems = autoUpdateProblems(text);
  if (problems.length) throw new AutoUpdateAssetError(`The canonical auto-update script at ${source} is not deployable: ${problems.join("; ")}.`);
  return { text, md5: crypto.createHash("md5").update(text).digest("hex"), source, configured };
}

/**
 * Why a script must not be installed as the node's auto-update (empty list = fine):
 * empty, too large, NUL bytes, no shebang, a `compose down` (the guardrails
 * allow none: updates are pull + up -d), a Slack webhook URL written into the
 * file (a secret: it comes from the node's environment or .env), or not
 * working in /apps/k2s.
 */
export function autoUpdateProblems(text: string): string[] {
  const problems: string[] = [];
  if (!text.trim()) return ["empty"];
  if (text.length > 256 * 1024) problems.push("larger than 256 KiB");
  if (/\0/.test(text)) problems.push("contains NUL bytes");
  if (!/^#!\s*\/(usr\/)?bin\/(env\s+)?(ba)?sh\b/.test(text)) problems.push("no #!/bin/bash (or sh) first line");
  const code = text
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n");
  if (/\bcompose\b[^\n;&|]*\bdown\b|\bdocker-compose\b[^\n;&|]*\bdown\b/i.test(code)) problems.push("runs `compose down` (updates are pull + up -d only)");
  if (/hooks\.slack\.com\/(services|workflows|triggers)\/[A-Za-z0-9/_-]+/i.test(text)) problems.push("contains a Slack webhook URL (a secret: read it from the node's environment)");
  if (!text.includes("/apps/k2s")) problems.push("does not work in /apps/k2s");
  return problems;
}

// ---- reading the node (pre-check and verification: the same read) ----------

const q = (s: string) => Arg.of(s);

/**
 * One read-only line: the installed script's md5, size and executable bit; the
 * root crontab (present or not, how many times the exact line is in it, how
 * many other uncommented lines run the script); the directory facts the
 * DIR-migration guard needs (k2-sidecar's compose project, which .env exists).
 * Output: `key=value` lines (parseAutoUpdateState).
 */
export const AUTO_UPDATE_READ: SafeCommand = cmd`cd / && { sudo md5sum ${q(AUTO_UPDATE_TARGET)} 2>/dev/null | sed 's/ .*//; s/^/md5=/'; sudo stat -c 'size=%s' ${q(AUTO_UPDATE_TARGET)} 2>/dev/null; sudo test -x ${q(AUTO_UPDATE_TARGET)} && echo exec=yes; sudo crontab -l >/dev/null 2>&1 && echo crontab=yes; sudo crontab -l 2>/dev/null | grep -cxF ${q(AUTO_UPDATE_CRON_LINE)} | sed 's/^/cron=/'; sudo crontab -l 2>/dev/null | grep -v '^[[:space:]]*#' | grep -F ${q(AUTO_UPDATE_TARGET)} | grep -cvxF ${q(AUTO_UPDATE_CRON_LINE)} | sed 's/^/other=/'; docker inspect --format 'project={{index .Config.Labels "com.docker.compose.project"}}' k2-sidecar 2>/dev/null; test -d /apps/k2s && echo dir=yes; test -e /apps/k2s/.env && echo env=yes; test -e /apps/kaitu-slave/.env && echo oldenv=yes; true; }`;

/** The node as AUTO_UPDATE_READ reports it. `md5`/`size` null = no file; counts are whole lines of the root crontab. */
export type AutoUpdateState = {
  md5: string | null;
  size: number | null;
  executable: boolean;
  hasCrontab: boolean;
  /** how many times the exact cron line is in root's crontab */
  cronLines: number;
  /** other uncommented crontab lines that run /apps/k2s/auto-update.sh (another hour, another log) */
  otherLines: number;
  project: string | null;
  hasDir: boolean;
  hasEnv: boolean;
  hasOldEnv: boolean;
};

/** Parses AUTO_UPDATE_READ's output. A count that is missing or not a number reads as -1 (never as "present once"). */
export function parseAutoUpdateState(out: string): AutoUpdateState {
  const get = (k: string) => new RegExp(`^${k}=(.*)$`, "m").exec(out)?.[1]?.trim() || null;
  const count = (k: string) => {
    const v = get(k);
    return v !== null && /^\d+$/.test(v) ? Number(v) : -1;
  };
  const md5 = get("md5");
  const size = get("size");
  return {
    md5: md5 && /^[0-9a-f]{32}$/.test(md5) ? md5 : null,
    size: size && /^\d+$/.test(size) ? Number(size) : null,
    executable: get("exec") === "yes",
    hasCrontab: get("crontab") === "yes",
    cronLines: count("cron"),
    otherLines: count("other"),
    project: get("project"),
    hasDir: get("dir") === "yes",
    hasEnv: get("env") === "yes",
    hasOldEnv: get("oldenv") === "yes",
  };
}

/** Why the node must not get /apps/k2s's auto-update (the DIR-migration guard), or null. */
export function autoUpdateRefusal(s: AutoUpdateState): Text | null {
  if (s.project === "kaitu-slave" || (!s.hasEnv && s.hasOldEnv)) {
    return msg`DIR-migration guard: the node still runs from /apps/kaitu-slave; an auto-update in /apps/k2s would pull and start the k2s project there (empty volumes, container name collisions). Migrate the directory first. Nothing was changed.`;
  }
  if (!s.hasDir) return msg`the node has no /apps/k2s (not provisioned). Nothing was changed.`;
  return null;
}

/** What the verification requires: the canonical bytes, executable, the line exactly once and no other entry running it. */
export function autoUpdateProblemsOnNode(s: AutoUpdateState, canonicalMd5: string): Text[] {
  const out: Text[] = [];
  if (s.md5 === null) out.push(msg`${AUTO_UPDATE_TARGET} is missing`);
  else if (s.md5 !== canonicalMd5) out.push(s.size === 0 ? msg`${AUTO_UPDATE_TARGET} has md5 ${s.md5} (an empty file), not the canonical ${canonicalMd5}` : msg`${AUTO_UPDATE_TARGET} has md5 ${s.md5}, not the canonical ${canonicalMd5}`);
  if (s.md5 !== null && !s.executable) out.push(msg`${AUTO_UPDATE_TARGET} is not executable`);
  if (s.cronLines !== 1) out.push(s.cronLines < 0 ? msg`the root crontab could not be read` : msg`the cron line is in root's crontab ${s.cronLines} times, not once`);
  if (s.otherLines > 0) out.push(msg`${s.otherLines} other root crontab line(s) run ${AUTO_UPDATE_TARGET}`);
  return out;
}

// ---- the two changes (stdin scripts, run with sudo) ------------------------

export type ScriptOutcome = "UP-TO-DATE" | "DEPLOYED";

/**
 * Installs the script as one stdin script: the DIR-migration guard (exit 4), md5
 * compared first (equal: only the mode is made 755), the file decoded into a
 * temporary file in /apps/k2s, its md5 checked (exit 5 on a mismatch: an empty
 * or cut transfer never replaces anything), then mode 755, owner root, renamed
 * into place. Restarts nothing. Prints `k2ops-auto-update: UP-TO-DATE <md5>` or
 * `k2ops-auto-update: DEPLOYED <old md5|none> -> <md5>`.
 */
export function autoUpdatePushScript(c: Pick<CanonicalAutoUpdate, "text" | "md5">): string {
  if (!/^[0-9a-f]{32}$/.test(c.md5)) throw new Error("invalid md5");
  const b64 = Buffer.from(c.text, "utf8").toString("base64").replace(/(.{76})/g, "$1\n");
  return [
    "set -euo pipefail",
    "project=$(docker inspect -f '{{index .Config.Labels \"com.docker.compose.project\"}}' k2-sidecar 2>/dev/null || true)",
    'if [ "$project" = kaitu-slave ] || { [ ! -e /apps/k2s/.env ] && [ -e /apps/kaitu-slave/.env ]; }; then',
    "  echo 'DIR-MIGRATION GUARD: this node still runs from /apps/kaitu-slave; the auto-update in /apps/k2s would start the k2s project there. Migrate the directory first.' >&2",
    "  exit 4",
    "fi",
    "[ -d /apps/k2s ] || { echo 'no /apps/k2s on this node' >&2; exit 4; }",
    `want=${c.md5}`,
    `f=${AUTO_UPDATE_TARGET}`,
    `have=$(md5sum "$f" 2>/dev/null | awk '{print $1}' || true)`,
    'if [ "$have" = "$want" ]; then chmod 755 "$f"; echo "k2ops-auto-update: UP-TO-DATE $want"; exit 0; fi',
    "tmp=$(mktemp /apps/k2s/.auto-update.sh.k2ops.XXXXXX)",
    "trap 'rm -f \"$tmp\"' EXIT",
    "base64 -d > \"$tmp\" <<'K2OPS_AUTO_UPDATE_B64'",
    b64,
    "K2OPS_AUTO_UPDATE_B64",
    'got=$(md5sum "$tmp" | awk \'{print $1}\')',
    '[ "$got" = "$want" ] || { echo "transfer corrupted (md5 $got, expected $want)" >&2; exit 5; }',
    'chmod 755 "$tmp"',
    'chown root:root "$tmp"',
    'mv -f "$tmp" "$f"',
    "trap - EXIT",
    'echo "k2ops-auto-update: DEPLOYED ${have:-none} -> $want"',
    "",
  ].join("\n");
}

export function parseScriptOutcome(stdout: string): ScriptOutcome | null {
  const m = /^k2ops-auto-update: (UP-TO-DATE|DEPLOYED)\b/m.exec(stdout);
  return (m?.[1] as ScriptOutcome | undefined) ?? null;
}

/**
 * Ensures the root crontab has the line exactly once, as one stdin script (run
 * with sudo). The crontab is read WHOLE into a variable first (never a pipe from
 * `crontab -l` into `crontab -`); "no crontab for root" is an empty crontab,
 * any other read failure refuses (exit 6: a crontab that could not be read is
 * never overwritten). Comments and every other line are kept in order; copies
 * of the line and other uncommented lines running the script are dropped; the
 * line is appended once. Nothing is written when it was already there once and
 * alone. Prints `k2ops-cron: OK`, `k2ops-cron: ADDED removed=<n>` (the line was
 * not there) or `k2ops-cron: FIXED copies=<n> removed=<n>`.
 */
export function cronEnsureScript(): string {
  return [
    "set -uo pipefail",
    `line='${AUTO_UPDATE_CRON_LINE}'`,
    `script='${AUTO_UPDATE_TARGET}'`,
    // read whole before writing: never a pipe from `crontab -l` into `crontab -`
    "if cur=$(crontab -l 2>/dev/null); then :; else",
    "  why=$(crontab -l 2>&1 >/dev/null || true)",
    '  case "$why" in "no crontab for "*) cur="" ;; *) echo "the root crontab could not be read: $why" >&2; exit 6 ;; esac',
    "fi",
    'copies=0; removed=0; kept=""',
    "while IFS= read -r l || [ -n \"$l\" ]; do",
    '  if [ "$l" = "$line" ]; then copies=$((copies + 1)); continue; fi',
    '  if [[ ! $l =~ ^[[:space:]]*# ]] && [[ $l == *"$script"* ]]; then removed=$((removed + 1)); printf "removed: %s\\n" "$l"; continue; fi',
    '  kept+="$l"$\'\\n\'',
    'done <<< "$cur"',
    // trailing empty lines go (a crontab that was empty reads as one empty line: it stays empty)
    'kept=$(printf "%s" "$kept")',
    'if [ "$copies" = 1 ] && [ "$removed" = 0 ]; then echo "k2ops-cron: OK"; exit 0; fi',
    'if [ -n "$kept" ]; then new=$(printf "%s\\n%s" "$kept" "$line"); else new=$line; fi',
    'printf "%s\\n" "$new" | crontab - || { echo "crontab - failed" >&2; exit 7; }',
    'if [ "$copies" = 0 ]; then echo "k2ops-cron: ADDED removed=$removed"; else echo "k2ops-cron: FIXED copies=$copies removed=$removed"; fi',
    "",
  ].join("\n");
}

export type CronOutcome = { result: "OK" | "ADDED" | "FIXED"; copies: number; removed: number; removedLines: string[] };

/** Reads cronEnsureScript's answer (null when the node did not confirm). */
export function parseCronOutcome(stdout: string): CronOutcome | null {
  const m = /^k2ops-cron: (OK|ADDED|FIXED)(?: copies=(\d+))?(?: removed=(\d+))?\s*$/m.exec(stdout);
  if (!m) return null;
  const result = m[1] as CronOutcome["result"];
  return {
    result,
    copies: result === "OK" ? 1 : result === "ADDED" ? 0 : Number(m[2] ?? 0),
    removed: Number(m[3] ?? 0),
    removedLines: [...stdout.matchAll(/^removed: (.*)$/gm)].map((x) => x[1]),
  };
}

// ---- the outcome in the runbook's words (deploy-auto-update.sh: `<UP-TO-DATE|DEPLOYED> + <CRON ADDED|cron ok>`) ----

/** The file's part of the outcome, in the runbook's words (UP-TO-DATE | DEPLOYED), with what it replaced. */
export function describeFile(before: AutoUpdateState, pushed: ScriptOutcome | null): string {
  if (!pushed) return "UP-TO-DATE";
  if (pushed === "UP-TO-DATE") return before.executable ? "UP-TO-DATE" : "UP-TO-DATE (made executable)";
  if (before.md5 === null) return "DEPLOYED (new)";
  if (before.size === 0) return "DEPLOYED (replaced an empty file)";
  return `DEPLOYED (replaced md5 ${before.md5.slice(0, 8)})`;
}

/** The crontab's part of the outcome, in the runbook's words (CRON ADDED | cron ok), with what was fixed. */
export function describeCron(before: AutoUpdateState, cron: CronOutcome | null): string {
  if (!cron || cron.result === "OK") return "cron ok";
  const others = cron.removed ? `; ${cron.removed} other auto-update line${cron.removed === 1 ? "" : "s"} removed` : "";
  if (cron.result === "ADDED") return `CRON ADDED${before.hasCrontab ? "" : " (root had no crontab)"}${others}`;
  return `CRON FIXED (${cron.copies} copies of the line -> 1${others})`;
}
