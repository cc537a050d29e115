import crypto from "node:crypto";
import { z } from "zod";
import { ActionFailure } from "@/lib/errors";
import { cmd } from "@/lib/guardrails/command";
import { redactText } from "@/lib/redact";
import { sshEngine } from "@/lib/node-ops/engine";
import { onNode } from "@/lib/node-ops/ops";
import type { ExecResult } from "@/lib/ssh/engine";
import { NONE, phraseSchema, reasonPhraseOf, skippedPhrase, verbatim, type ReasonPhrase, type ReportItem } from "./schema";

// The users-file audit (runbook §6.5 `audit-users-file.sh`, node-behavior.md
// §6.5 and §9.1), made correct. Any `udid:token` line in a node's users file
// bypasses Center auth, so K2_ENFORCE_AUTH=1 may go out only to nodes whose
// file is empty. The file's content is NEVER read: only `awk` counts its
// non-blank lines ON the node, and only the number crosses the wire.
// A node whose count cannot be read is dirty too (unknown is never pass):
// SSH failure, missing file, or a node still running from /apps/kaitu-slave,
// where /apps/k2s/users (if it exists at all) is not the file k2s reads.

export const USERS_FILE = "/apps/k2s/users";

/**
 * The audit's one command line (read-only; no argument: nothing reaches it
 * from outside). Prints `k2ops-workdir=<the running k2-sidecar's compose
 * directory>`, `k2ops-legacy-dir=1` when /apps/kaitu-slave exists, then the
 * count (`sudo awk 'NF{n++} END{print n+0}' /apps/k2s/users`); exit 3 when
 * the file does not exist, awk's exit status otherwise.
 */
export const USERS_COUNT_COMMAND = cmd`w=$(sudo -n docker inspect -f '{{index .Config.Labels "com.docker.compose.project.working_dir"}}' k2-sidecar 2>/dev/null); echo "k2ops-workdir=$w"; [ -d /apps/kaitu-slave ] && echo k2ops-legacy-dir=1; sudo -n test -e /apps/k2s/users || { echo 'k2ops: /apps/k2s/users does not exist' >&2; exit 3; }; sudo -n awk 'NF{n++} END{print n+0}' /apps/k2s/users`;

/** Why a node's users file could not be counted. */
export type UnreadableCause = "missing" | "unmigrated" | "unreachable" | "error";

/**
 * One node's count: `entries` = non-blank lines of /apps/k2s/users (0 = clean), or why it could
 * not be read: `reason` in English, `phrase` the same as code + values (reports.view.reason.<code>).
 */
export type UsersFileRead = { ok: true; entries: number } | { ok: false; reason: string; cause: UnreadableCause; phrase?: ReasonPhrase };

const UNMIGRATED =
  "un-migrated node: its stack runs from /apps/kaitu-slave, so /apps/k2s/users is not the users file its k2s reads; migrate the directory first (DIR-migration guard, runbook §5; node-behavior.md §9.2)";

/**
 * Interprets USERS_COUNT_COMMAND's result (pure). Never returns a count for a
 * node whose live stack is not in /apps/k2s, nor for output that is not one
 * number on the last line.
 */
export function parseUsersCount(r: Pick<ExecResult, "stdout" | "stderr" | "code" | "timedOut">): UsersFileRead {
  if (r.timedOut) return { ok: false, cause: "unreachable", reason: "counting the users file did not finish in time", phrase: { code: "usersTimeout", values: {} } };
  const lines = r.stdout.split("\n").map((l) => l.trim()).filter(Boolean);
  const workdir = lines.find((l) => l.startsWith("k2ops-workdir="))?.slice("k2ops-workdir=".length) ?? "";
  const legacyDir = lines.includes("k2ops-legacy-dir=1");
  if (workdir === "/apps/kaitu-slave") return { ok: false, cause: "unmigrated", reason: UNMIGRATED, phrase: { code: "unmigrated", values: {} } };
  if (workdir && workdir !== "/apps/k2s") {
    const dir = redactText(workdir).slice(0, 120);
    return { ok: false, cause: "error", reason: `the stack runs from ${dir}, not /apps/k2s: audit this node by hand`, phrase: { code: "otherWorkdir", values: { workdir: dir } } };
  }
  if (!workdir && legacyDir) {
    // no running sidecar says which directory is live, and the legacy one is still there
    return {
      ok: false,
      cause: "unmigrated",
      reason: `${r.code === 3 ? "no /apps/k2s/users and " : ""}/apps/kaitu-slave exists while no running k2-sidecar says which directory is live: possibly un-migrated (node-behavior.md §9.2); audit by hand`,
      phrase: { code: r.code === 3 ? "legacyDirMissing" : "legacyDir", values: {} },
    };
  }
  if (r.code === 3) return { ok: false, cause: "missing", reason: "/apps/k2s/users does not exist (k2s bind-mounts it: a missing file is not an empty one)", phrase: { code: "usersMissing", values: {} } };
  const err = redactText(r.stderr.split("\n").filter((l) => l.trim()).slice(-2).join(" | ")).slice(0, 300);
  if (r.code !== 0) return { ok: false, cause: "error", reason: `counting /apps/k2s/users failed (exit ${r.code ?? "none"})${err ? `: ${err}` : ""}`, phrase: { code: "countFailed", values: { exit: String(r.code ?? "none"), error: err || NONE } } };
  const last = lines[lines.length - 1] ?? "";
  if (!/^\d{1,9}$/.test(last)) return { ok: false, cause: "error", reason: "the node's answer was not a count", phrase: { code: "notACount", values: {} } };
  return { ok: true, entries: Number(last) };
}

/**
 * Counts the non-blank lines of a node's /apps/k2s/users over SSH (runbook
 * §6.5; node-behavior.md §6.5, §9.1), read-only (no node lock), through the
 * node's usual guards (host key, last contact). Never reads the content.
 * Resolves `{ ok: true, entries }` (a number ≥ 0; 0 = clean) or `{ ok: false,
 * reason, cause }` when the count cannot be trusted: SSH failure or timeout
 * ("unreachable"), missing file ("missing"), a node still on /apps/kaitu-slave
 * ("unmigrated"), a node not in the fleet or blocked by a changed host key,
 * or unexpected output ("error"). Never rejects (a cancelled job's step
 * resolves not ok). `meta.triggeredBy`: who asked (an email, or "rollout").
 */
export async function readUsersFileEntries(ipv4: string, meta: { triggeredBy: string }): Promise<UsersFileRead> {
  try {
    const ctx = { actor: meta.triggeredBy, requestId: `users-audit-${crypto.randomBytes(6).toString("hex")}` };
    return await onNode(ipv4, { name: "report.users-file", mutating: false, ctx }, async (t) => {
      const r = await sshEngine().exec(t, USERS_COUNT_COMMAND, { timeoutMs: 20_000, maxStdout: 4096, maxStderr: 8192 });
      return parseUsersCount(r);
    });
  } catch (e) {
    const message = redactText(e instanceof Error ? e.message : String(e)).slice(0, 400);
    if (e instanceof ActionFailure && e.code === "failed") return { ok: false, cause: "unreachable", reason: `SSH failed: ${message}`, phrase: { code: "sshFailed", values: { message } } };
    return { ok: false, cause: "error", reason: message, phrase: verbatim(message) };
  }
}

export type UsersFileDirty = { ipv4: string; entries: number } | { ipv4: string; reason: string };

/**
 * The K2_ENFORCE_AUTH=1 gate (runbook §6.5 "resolve before enabling
 * enforce"; node-behavior.md §9.1): counts every node's users file,
 * `concurrency` (default 16) at a time, and splits them. `dirty`: nodes with
 * entries (`{ ipv4, entries }`, entries > 0) or whose count could not be read
 * (`{ ipv4, reason }`: unknown is never pass); `clean`: nodes whose file is
 * present and empty. Both in the order given, duplicates dropped. A rollout
 * enabling enforce must refuse while `dirty` is not empty. Never rejects.
 */
export async function usersFileGate(ipv4s: string[], meta: { triggeredBy: string }, opts: { concurrency?: number } = {}): Promise<{ dirty: UsersFileDirty[]; clean: string[] }> {
  const ips = [...new Set(ipv4s)];
  const reads: UsersFileRead[] = new Array(ips.length);
  let next = 0;
  const width = Math.max(1, Math.min(64, Math.floor(opts.concurrency ?? 16)));
  await Promise.all(
    Array.from({ length: Math.min(width, ips.length) }, async () => {
      while (next < ips.length) {
        const i = next++;
        reads[i] = await readUsersFileEntries(ips[i], meta);
      }
    }),
  );
  const dirty: UsersFileDirty[] = [];
  const clean: string[] = [];
  ips.forEach((ipv4, i) => {
    const r = reads[i];
    if (!r.ok) dirty.push({ ipv4, reason: r.reason });
    else if (r.entries > 0) dirty.push({ ipv4, entries: r.entries });
    else clean.push(ipv4);
  });
  return { dirty, clean };
}

// ---- the report: a job item's evidence → a row; the rows → the verdict ----

/** What a users-file node step stores as its item's evidence (never the file's content). */
export const usersFileEvidenceSchema = z.union([
  z.object({ report: z.literal("users-file"), ok: z.literal(true), entries: z.number().int().min(0) }),
  z.object({ report: z.literal("users-file"), ok: z.literal(false), reason: z.string(), cause: z.enum(["missing", "unmigrated", "unreachable", "error"]), phrase: phraseSchema.optional() }),
]);
export type UsersFileEvidence = z.infer<typeof usersFileEvidenceSchema>;

/** The evidence of one read (stored on the job item; the reason's phrase with it when there is one). */
export function usersFileEvidence(r: UsersFileRead): UsersFileEvidence {
  return r.ok ? { report: "users-file", ok: true, entries: r.entries } : { report: "users-file", ok: false, reason: r.reason, cause: r.cause, ...(r.phrase ? { phrase: r.phrase } : {}) };
}

export type UsersFileRowState = "clean" | "dirty" | "unreadable" | "skipped" | "pending";
/** `reason`: English (the CSV's); `reasonPhrase`: the same as code + values (the page's), null when there is no reason. */
export type UsersFileRow = { ipv4: string; name: string; state: UsersFileRowState; entries: number | null; cause: UnreadableCause | null; reason: string | null; reasonPhrase: ReasonPhrase | null };

/** One node's row, from its job item (`jobEnded`: a step that never ran counts as unreadable, not pending). */
export function usersFileRow(item: ReportItem, jobEnded: boolean): UsersFileRow {
  const base = { ipv4: item.nodeIpv4, name: item.nodeName, entries: null, cause: null, reason: null, reasonPhrase: null };
  if (item.status === "skipped") return { ...base, state: "skipped", reason: item.summary ?? "skipped", reasonPhrase: skippedPhrase(item.summary) };
  const ev = usersFileEvidenceSchema.safeParse(item.evidence);
  if (ev.success) {
    if (!ev.data.ok) return { ...base, state: "unreadable", cause: ev.data.cause, reason: ev.data.reason, reasonPhrase: reasonPhraseOf(ev.data.phrase) ?? verbatim(ev.data.reason) };
    return { ...base, state: ev.data.entries > 0 ? "dirty" : "clean", entries: ev.data.entries };
  }
  const terminal = ["succeeded", "failed", "reverted", "cancelled"].includes(item.status);
  if (!terminal && !jobEnded) return { ...base, state: "pending" };
  return {
    ...base,
    state: "unreadable",
    cause: "error",
    reason: item.error ?? `not audited (${item.status === "cancelled" ? "cancelled" : `step ${item.status}`})`,
    reasonPhrase: item.error !== null ? verbatim(item.error) : item.status === "cancelled" ? { code: "notAuditedCancelled", values: {} } : { code: "notAudited", values: { status: item.status } },
  };
}

export type UsersFileVerdict = {
  /** running: not every node has answered; blocked: at least one dirty or unreadable; ok: every audited node is clean; empty: nothing was audited */
  state: "running" | "blocked" | "ok" | "empty";
  /** dirty + unreadable nodes */
  dirty: number;
  entries: number;
  unreadable: number;
  audited: number;
  pending: number;
  skipped: number;
  /** the verdict's sentence in English */
  text: string;
  /** the same sentence as a code (reports.view.users.text.<code>) and its values (counts as digits, verbatim) */
  code: UsersVerdictCode;
  values: Record<string, string>;
};
export type UsersVerdictCode = "running" | "runningDirty" | "blocked" | "empty" | "ok";

/** The fleet verdict of §6.5 over the rows: BLOCKED (n dirty) or OK; never OK while a node is unknown. */
export function usersFileVerdict(rows: UsersFileRow[]): UsersFileVerdict {
  const count = (s: UsersFileRowState) => rows.filter((r) => r.state === s).length;
  const withEntries = count("dirty");
  const unreadable = count("unreadable");
  const pending = count("pending");
  const skipped = count("skipped");
  const dirty = withEntries + unreadable;
  const audited = rows.length - pending - skipped;
  const detail = `${withEntries} with entries, ${unreadable} unreadable`;
  const v = { dirty, entries: withEntries, unreadable, audited, pending, skipped };
  const values = { dirty: String(dirty), entries: String(withEntries), unreadable: String(unreadable), audited: String(audited), total: String(audited + pending) };
  if (pending) return { ...v, values, state: "running", code: dirty ? "runningDirty" : "running", text: `Running: ${audited} of ${audited + pending} node(s) audited so far${dirty ? `; ${dirty} dirty so far (${detail})` : ""}.` };
  if (dirty) return { ...v, values, state: "blocked", code: "blocked", text: `BLOCKED: ${dirty} node(s) have a non-empty (or unreadable) /apps/k2s/users (${detail}) — resolve before enabling enforce (K2_ENFORCE_AUTH=1).` };
  if (!audited) return { ...v, values, state: "empty", code: "empty", text: "No node was audited (every targeted node was skipped)." };
  return { ...v, values, state: "ok", code: "ok", text: `OK: all ${audited} audited node(s) have an empty users file.` };
}
