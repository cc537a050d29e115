import crypto from "node:crypto";
import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { recordSshContact } from "@/lib/fleet";
import { cmd, container as containerArg, deployDir, tailLines, udid as udidArg, Arg, GuardrailViolation, type Container } from "@/lib/guardrails/command";
import { NodeBusyError, acquireNodeLock, unknownStateOperation, type Release } from "@/lib/guardrails/lock";
import { redactText, registerNodeSecret, registerSecret } from "@/lib/redact";
import { msg, textOf, type Text } from "@/lib/text";
import { describeChanges, envMap, planEnvEdit, type EnvEditProblem } from "./env-file";
import { envApplyScript } from "./env-apply";
import { centerUrlAllowList, type EnvEdit } from "./env-schema";
import { PrismaHostKeyStore } from "@/lib/ssh/host-keys-prisma";
import { HostKeyChangedError, HostKeyNewTypeError } from "@/lib/ssh/host-keys";
import { SshCancelledError, SshTimeoutError, SshUnreachableError, describeInterruption, type ExecResult, type SshTarget } from "@/lib/ssh/engine";
import { KillWatch } from "@/lib/ssh/scope";
import { fencedScript } from "@/lib/verification/script";
import { parseComposePs, restartLoopCause, splitSections } from "@/lib/verification/parse";
import { sshEngine, targetOf } from "./engine";
import { ComposeAssetError, composePushScript, loadCanonicalCompose, parsePushOutcome, type CanonicalCompose, type PushOutcome } from "./compose";
import { verifyNode } from "./verify";
import { statusFacts, type StatusFact } from "./status-facts";

// The runbook's single-node operations (§1, §3, §3.1, §4, §7), each one
// template-built command or one stdin script, run under the node's lock when
// it changes the node, with the raw output kept (redacted) next to the parsed
// result. Callers are server actions, which already audit intent and outcome.

/** An operation's result: `summary` the sentence the operator reads (a Text is said in their language). */
export type OpResult<T = unknown> = { summary: string | Text; parsed: T; raw: string; command: string };

export type Ctx = { actor: string; requestId: string };

async function loadNode(ipv4: string) {
  const node = await db().node.findUnique({ where: { ipv4 } });
  if (!node) throw new ActionFailure("not_found", msg`No node ${ipv4} in the fleet (sync from Center first).`);
  if (node.hostKeyState === "changed") {
    throw new ActionFailure("conflict", msg`${ipv4} presented a different SSH host key: every operation is blocked until an admin reviews and clears it.`);
  }
  if (node.hostKeyState === "new_key_type") {
    throw new ActionFailure("conflict", msg`${ipv4} offers a new SSH host key type and none of its pinned ones: every operation is blocked until an admin confirms the new key.`);
  }
  return node;
}

export function raw(r: ExecResult): string {
  return redactText([r.stdout, r.stderr].filter(Boolean).join(r.stdout && r.stderr ? "\n--- stderr ---\n" : "") + (r.truncated ? "\n… (output truncated)" : ""));
}

/** Runs `fn` against the node: lock (when it changes the node), SSH errors turned into clear messages, last contact recorded. */
export async function onNode<T>(ipv4: string, op: { name: string; mutating: boolean; ctx: Ctx }, fn: (t: SshTarget, node: Awaited<ReturnType<typeof loadNode>>) => Promise<T>): Promise<T> {
  const node = await loadNode(ipv4);
  let release: Release | null = null;
  const ttlMs = 15 * 60_000;
  if (op.mutating) {
    try {
      release = await acquireNodeLock(ipv4, { holder: op.ctx.requestId, operation: op.name, actor: op.ctx.actor, ttlMs });
    } catch (e) {
      if (e instanceof NodeBusyError) throw new ActionFailure("busy", e.text);
      throw e;
    }
  }
  // sees every command of `fn` that was interrupted and not confirmed dead on the node
  const watch = new KillWatch();
  try {
    const out = await watch.run(() => fn(targetOf(node), node));
    await recordSshContact(ipv4, true);
    if (op.mutating) await db().node.update({ where: { ipv4 }, data: { lastOperation: op.name, lastOperationAt: new Date() } });
    return out;
  } catch (e) {
    // instanceof holds across bundles' copies of lib/ssh (sameAcrossBundles in lib/errors)
    if (e instanceof SshUnreachableError) {
      await recordSshContact(ipv4, false, e.message);
      throw new ActionFailure("failed", msg`${e.message}. Nothing was changed on the node.`);
    }
    if (e instanceof HostKeyChangedError || e instanceof HostKeyNewTypeError) {
      throw new ActionFailure("conflict", msg`${e.message}. Nothing ran on the node.`);
    }
    if (e instanceof SshTimeoutError || e instanceof SshCancelledError) throw new ActionFailure("failed", e.message);
    if (e instanceof GuardrailViolation) throw new ActionFailure("conflict", e.message);
    throw e;
  } finally {
    // a command that may still run keeps the node locked ("state unknown") for the lock's TTL
    if (release && watch.unconfirmed.length) {
      const why = watch.unconfirmed.some((k) => k.reason === "cancelled") ? "cancelled" : "timed out";
      await release.keep(unknownStateOperation(op.name, why), ttlMs);
    }
    else await release?.();
  }
}

/** The deploy dir the node's stack runs from: as the last checklist read it on the node, else from its architecture. */
export function dirOf(node: { arch: string | null; archDetail?: unknown }): "/apps/k2s" | "/apps/kaitu-slave" {
  const seen = (node.archDetail as { deployDir?: unknown } | null | undefined)?.deployDir;
  if (seen === "/apps/kaitu-slave" || seen === "/apps/k2s") return seen;
  return node.arch === "kaitu-slave" ? "/apps/kaitu-slave" : "/apps/k2s";
}

/** Throws a clear ActionFailure when a command timed out or failed. */
export function check(r: ExecResult, what: string | Text): void {
  if (r.timedOut) {
    const after = r.killed === "unconfirmed" ? msg`a changing operation keeps the node locked until its state is known or the lock expires` : msg`the node's state is unknown until the next status read`;
    throw new ActionFailure("failed", msg`${what} did not finish in time: ${describeInterruption(r)}; ${after}.`);
  }
  if (r.code !== 0) throw new ActionFailure("failed", msg`${what} failed (exit ${r.code}): ${redactText((r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")).slice(0, 400)}`);
}

// ---- reads (viewer) -------------------------------------------------------

const STATUS_SECTIONS: [string, string][] = [
  ["names", "docker ps --format '{{.Names}}'"],
  ["containers", "cd $D && docker compose ps"],
  ["sidecar_health", "docker inspect --format='{{.State.Health.Status}}' k2-sidecar"],
  ["sidecar_errors", "docker logs --tail 200 k2-sidecar 2>&1 | grep -E 'level=ERROR' | tail -n 5"],
  ["resources", "df -h / && free -h && top -bn1 | head -5"],
  ["connections", "ss -s"],
  ["ipv6", "ip -6 addr show scope global"],
  ["port_mapping", "docker port $C"],
  ["bbr", "sysctl net.ipv4.tcp_congestion_control"],
  ["iptables", "iptables --version"],
  ["timezone", "timedatectl | grep 'Time zone'"],
  ["container_net", "docker exec k2-sidecar wget -qO- --timeout=5 https://api.ipify.org"],
  ["auto_update", "tail -50 $D/auto-update.log"],
  // the .env is redacted ON the node: secret values never leave it
  ["env", "sed -E 's/^([A-Za-z0-9_]*(SECRET|CLAIM|TOKEN|KEY|PASSWORD|WEBHOOK)[A-Za-z0-9_]*)=.*/\\1=<redacted>/I' $D/.env"],
  ["users_count", "awk 'NF{n++} END{print n+0}' $D/users"],
];

/** A problem nodeStatus recognises; `fix` names the one-click operation the node page offers for it. */
/** A known fault the status read found: its title and detail are sentences (said in the reader's language). */
export type Detector = { key: string; title: Text; detail: string | Text; fix?: "iptables-legacy" | "timezone" | "migrate-k2slave" | "migrate-dir" };

export type NodeStatus = {
  dir: string;
  tunnel: string;
  containers: { name: string; status: string }[];
  sidecarHealth: string;
  detectors: Detector[];
  /** disk, memory, CPU, connections, IPv6, BBR, hop ports, container network, auto-update: parsed, with a state */
  facts: StatusFact[];
  sections: Record<string, string>;
};

/** Everything §3 reads, in one round trip, plus the §7 detectors. */
export async function nodeStatus(ipv4: string, ctx: Ctx): Promise<OpResult<NodeStatus>> {
  return onNode(ipv4, { name: "node.status", mutating: false, ctx }, async (t) => {
    const token = crypto.randomBytes(12).toString("hex");
    const r = await sshEngine().runScript(t, fencedScript(token, STATUS_SECTIONS), { timeoutMs: 60_000 });
    check(r, msg`Reading the node status`);
    const s = splitSections(r.stdout, token);
    const text = (k: string) => redactText(s.get(k)?.text ?? "");
    const meta = s.get("meta")?.text ?? "";
    const dir = /dir=(\S+)/.exec(meta)?.[1] ?? "/apps/k2s";
    const tunnel = /tunnel=(\S+)/.exec(meta)?.[1] ?? "k2s";
    const containers = parseComposePs(text("containers"));
    const detectors: Detector[] = [];
    const ipt = text("iptables");
    const netOk = text("container_net").trim() === ipv4;
    if (/nf_tables/.test(ipt) && !netOk) {
      detectors.push({ key: "iptables-nft", title: msg`iptables on the nf_tables backend breaks container networking`, detail: msg`${ipt.trim()}; containers cannot reach the internet. Fix: switch to iptables-legacy, restart Docker, up -d.`, fix: "iptables-legacy" });
    }
    const cause = restartLoopCause(text("sidecar_errors"));
    if (cause) detectors.push({ key: "restart-loop", title: msg`Sidecar restart loop`, detail: cause });
    const tz = /Time zone:\s*(.+)/.exec(text("timezone"))?.[1] ?? "";
    if (tz && !tz.startsWith("Asia/Singapore")) detectors.push({ key: "wrong-timezone", title: msg`Wrong timezone`, detail: msg`${tz}: the 04:00 auto-update cron fires at the wrong hour (must be Asia/Singapore)`, fix: "timezone" });
    const names = text("names").split("\n").map((x) => x.trim());
    if (names.includes("k2-oc")) detectors.push({ key: "k2-oc", title: msg`Retired k2-oc container still present`, detail: msg`Push the canonical compose and run up -d --remove-orphans.` });
    detectors.push(...stateDetectors({ dir, names, tunnel: containers.find((c) => c.name === tunnel), env: text("env") }));
    const sections = Object.fromEntries(STATUS_SECTIONS.map(([k]) => [k, text(k)]));
    const health = text("sidecar_health").trim();
    await db().node.update({ where: { ipv4 }, data: { sidecarHealth: /^(healthy|starting|unhealthy)$/.test(health) ? health : "missing" } });
    // the containers' own statuses are the node's words (verbatim); what k2ops adds is a sentence
    const list: string | Text = containers.map((c) => `${c.name}: ${c.status}`).join("; ") || msg`no containers`;
    return {
      summary: detectors.length ? msg`${list} — ${detectors.length} problem(s) detected` : textOf(list),
      parsed: { dir, tunnel, containers, sidecarHealth: health, detectors, facts: statusFacts(sections, ipv4), sections },
      raw: redactText(r.stdout),
      command: "bash -s (status script on stdin)",
    };
  });
}

/** The node's state, each named (§1, §4, dir-migration.md): legacy k2-slave, un-migrated dir, cut, metering off. */
function stateDetectors(s: { dir: string; names: string[]; tunnel?: { status: string }; env: string }): Detector[] {
  const out: Detector[] = [];
  if (s.names.includes("k2-slave")) {
    out.push({ key: "legacy-k2-slave", title: msg`Legacy k2-slave node`, detail: msg`Runs the retired k2-slave SNI router (host network, no ECH), not k2s. Migrate: push the canonical compose + up -d --remove-orphans (never down).`, fix: "migrate-k2slave" });
  }
  if (s.dir === "/apps/kaitu-slave") {
    out.push({ key: "unmigrated", title: msg`Un-migrated deploy directory`, detail: msg`The node still runs from /apps/kaitu-slave (project kaitu-slave): do not push the \`name: k2s\` compose to it (DIR-migration guard). Migrate the directory to /apps/k2s.`, fix: "migrate-dir" });
  }
  const env = envMap(s.env);
  const metering = !!env.get("K2_NODE_BILLING_START_DATE")?.trim();
  if (s.tunnel && /\(Paused\)/.test(s.tunnel.status)) {
    out.push(
      metering
        ? { key: "cut", title: msg`Cut: k2s paused by the quota enforcer`, detail: msg`The month's usage reached K2_NODE_TRAFFIC_LIMIT_GB (${env.get("K2_NODE_TRAFFIC_LIMIT_GB") ?? "?"} GB) − 500 MiB: clients cannot connect until the next billing cycle or a higher limit (.env + up -d).` }
        : { key: "cut", title: msg`k2s paused (not by the enforcer)`, detail: msg`Metering is off, so no enforcer runs: k2s was paused by hand and stays paused until unpaused.` },
    );
  }
  // an unreadable .env says nothing about metering
  if (env.size && !metering) {
    out.push({ key: "metering-off", title: msg`Metering off: node runs uncapped`, detail: msg`No K2_NODE_BILLING_START_DATE in .env: no traffic meter, no usage reports, no quota cutoff. Set the billing date (and limit) in .env and apply with up -d.` });
  }
  return out;
}

export async function tailLogs(ipv4: string, c: Container, lines: number, ctx: Ctx): Promise<OpResult<{ lines: number }>> {
  return onNode(ipv4, { name: "node.logs", mutating: false, ctx }, async (t) => {
    // the sidecar logs on stderr: merge both streams, as the node really writes them
    const command = cmd`docker logs --tail ${tailLines(lines)} ${containerArg(c)}`;
    const r = await sshEngine().exec(t, command, { timeoutMs: 30_000, maxStdout: 2 * 1024 * 1024, maxStderr: 2 * 1024 * 1024 });
    check(r, msg`Reading the logs`);
    const text = raw({ ...r, stdout: r.stdout + r.stderr, stderr: "" });
    return { summary: msg`${text.split("\n").length} lines of ${c}`, parsed: { lines: text.split("\n").length }, raw: text, command };
  });
}

// ---- changes (operator) ---------------------------------------------------

/**
 * pull + up -d --remove-orphans in the deploy dir (never down), refused on the
 * node itself when .env's K2_VERSION is not a pinned tag: the compose file
 * defaults to `latest`, which only a deliberate fleet rollout may pull.
 */
export function pullAndUpCommand(dir: "/apps/k2s" | "/apps/kaitu-slave") {
  return cmd`cd ${deployDir(dir)} && { sudo grep -Eq '^K2_VERSION=v[0-9]+[.][0-9]+[.][0-9]+(-[0-9a-f]{7,40})?$' .env || { echo 'k2ops: K2_VERSION in .env is not a pinned tag (like v0.4.8-9d7c6f95); refusing to pull an unpinned image' >&2; exit 3; }; } && sudo docker compose pull && sudo docker compose up -d --remove-orphans`;
}

/** The checklist after a change: its status and the sentence the operator reads (`text` in English, `sentence` to translate). */
export type AfterCheck = { status: "pass" | "fail" | "unknown" | "error"; text: string; sentence?: Text };

const afterCheck = (status: AfterCheck["status"], sentence: Text): AfterCheck => ({ status, text: sentence.text, sentence });

/** Runs the §6 checklist after a change and words its result for the operator. */
export async function verifyAfter(ipv4: string, ctx: Ctx, why: string): Promise<AfterCheck> {
  const v = await verifyNode(ipv4, { triggeredBy: `${ctx.actor} (after ${why})` });
  if (v.status === "error") return afterCheck("error", msg`verification could not run: ${v.error}`);
  if (v.status === "pass") return afterCheck("pass", msg`verification passed`);
  if (v.status === "fail") return afterCheck("fail", msg`verification failed: ${v.failingChecks.join(", ")}`);
  // none failed, some could not be read: neither a pass nor a failure
  const unread = v.checks.filter((c) => c.status === "unknown").map((c) => c.key);
  return afterCheck("unknown", unread.length ? msg`verification incomplete: ${unread.join(", ")} could not be read` : msg`verification incomplete: some checks could not be read`);
}

/**
 * The truthful outcome of a change followed by the checklist: done and healthy is
 * "succeeded"; done but failing (or unverifiable) is "degraded", never "succeeded".
 */
export function outcomeAfterChange(verification: AfterCheck | null): { status: "succeeded" | "degraded"; reason?: string } {
  if (!verification || verification.status === "pass") return { status: "succeeded" };
  return { status: "degraded", reason: `the change was applied, but ${verification.text}` };
}

/** §3/§4 update: pull + up -d (never down), then the verification checklist. */
export async function pullAndUp(ipv4: string, ctx: Ctx): Promise<OpResult<{ verification: string; check: AfterCheck }>> {
  const out = await onNode(ipv4, { name: "node.update", mutating: true, ctx }, async (t, node) => {
    const command = pullAndUpCommand(dirOf(node));
    const r = await sshEngine().exec(t, command, { timeoutMs: 10 * 60_000 });
    check(r, msg`pull + up -d`);
    return { r, command };
  });
  const checked = await verifyAfter(ipv4, ctx, "update");
  return { summary: msg`pulled and brought up; ${checked.sentence ?? checked.text}`, parsed: { verification: checked.text, check: checked }, raw: raw(out.r), command: out.command };
}

/**
 * §4 deploy: push the canonical compose to /apps/k2s (md5 compared first, file
 * on stdin, DIR-migration guard on the node), then, when asked, pull + up -d
 * --remove-orphans and the verification checklist.
 */
export async function pushCompose(ipv4: string, opts: { apply: boolean }, ctx: Ctx): Promise<OpResult<{ outcome: PushOutcome; md5: string; source: string; verification: string | null; check: AfterCheck | null }>> {
  let compose: CanonicalCompose;
  try {
    compose = loadCanonicalCompose();
  } catch (e) {
    if (e instanceof ComposeAssetError) throw new ActionFailure("failed", msg`${e.message} Nothing was changed.`);
    throw e;
  }
  const out = await onNode(ipv4, { name: opts.apply ? "node.compose.deploy" : "node.compose.push", mutating: true, ctx }, async (t) => {
    const w = await sshEngine().runScript(t, composePushScript(compose, t.user ?? process.env.K2OPS_SSH_USER ?? "ubuntu"), { sudo: true, timeoutMs: 60_000 });
    if (w.code === 4) throw new ActionFailure("conflict", msg`${redactText(w.stderr.trim())} Nothing was changed.`);
    check(w, msg`Pushing the compose file`);
    const outcome = parsePushOutcome(w.stdout);
    if (!outcome) throw new ActionFailure("failed", "The node did not confirm the compose push; read its status before retrying.");
    let rawOut = raw(w);
    if (opts.apply) {
      // the guard refused a node still in /apps/kaitu-slave: the stack is in /apps/k2s
      const up = await sshEngine().exec(t, pullAndUpCommand("/apps/k2s"), { timeoutMs: 10 * 60_000 });
      rawOut += "\n" + raw(up);
      check(up, msg`pull + up -d after the compose push`);
    }
    return { outcome, raw: rawOut };
  });
  const checked = opts.apply ? await verifyAfter(ipv4, ctx, "compose deploy") : null;
  const verification = checked?.text ?? null;
  const what = out.outcome === "UP-TO-DATE" ? msg`compose already up to date` : out.outcome === "DEPLOYED" ? msg`compose deployed (new)` : msg`compose updated`;
  const md5 = compose.md5.slice(0, 8);
  return {
    summary: checked ? msg`${what} (md5 ${md5}); pulled and brought up; ${checked.sentence ?? checked.text}` : msg`${what} (md5 ${md5}); nothing restarted`,
    parsed: { outcome: out.outcome, md5: compose.md5, source: compose.configured ? compose.source : "k2ops test assets", verification, check: checked },
    raw: out.raw,
    command: `sudo -n bash -s (compose on stdin)${opts.apply ? " + pull + up -d --remove-orphans" : ""}`,
  };
}

const RESTART_WARNING_TEXT = msg`docker restart does NOT re-read .env: the container keeps its old environment. Apply .env changes with up -d.`;
export const RESTART_WARNING = RESTART_WARNING_TEXT.text;

export async function restartContainer(ipv4: string, c: Container, ctx: Ctx): Promise<OpResult<{ warning: string }>> {
  return onNode(ipv4, { name: "node.restart", mutating: true, ctx }, async (t) => {
    const command = cmd`sudo docker restart ${containerArg(c)}`;
    const r = await sshEngine().exec(t, command, { timeoutMs: 120_000 });
    check(r, msg`Restarting ${c}`);
    return { summary: msg`${c} restarted (${RESTART_WARNING_TEXT})`, parsed: { warning: RESTART_WARNING }, raw: raw(r), command };
  });
}

// §3.1 users file: one `udid:token` per line; tokens are secrets (stdin only, masked in views)

// Not even a hint of a token leaves the server: the view says only whether one is set.
export type UsersFileEntry = { udid: string; hasToken: boolean };

export function maskUsers(text: string): UsersFileEntry[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [u, ...rest] = l.split(":");
      return { udid: u, hasToken: rest.join(":").length > 0 };
    });
}

export async function viewUsers(ipv4: string, ctx: Ctx): Promise<OpResult<UsersFileEntry[]>> {
  return onNode(ipv4, { name: "node.users.view", mutating: false, ctx }, async (t, node) => {
    const command = cmd`cat ${Arg.of(`${dirOf(node)}/users`)}`;
    const r = await sshEngine().exec(t, command, { timeoutMs: 20_000 });
    check(r, msg`Reading the users file`);
    const users = maskUsers(r.stdout);
    return { summary: users.length === 0 ? msg`empty: pure remote (Center) auth` : users.length === 1 ? msg`1 entry (first match wins over Center auth)` : msg`${users.length} entries (first match wins over Center auth)`, parsed: users, raw: users.map((u) => `${u.udid}:${u.hasToken ? "••••" : ""}`).join("\n"), command };
  });
}

export const TOKEN_RE = /^[A-Za-z0-9._~+/=-]{8,256}$/;

export async function addUser(ipv4: string, entry: { udid: string; token: string }, ctx: Ctx): Promise<OpResult<null>> {
  udidArg(entry.udid);
  if (!TOKEN_RE.test(entry.token)) throw new ActionFailure("failed", "A token is 8-256 URL-safe characters.");
  return onNode(ipv4, { name: "node.users.add", mutating: true, ctx }, async (t, node) => {
    const file = `${dirOf(node)}/users`;
    // the token travels inside the script on stdin; the command line is `sudo -n bash -s`
    const script = `set -e\nf='${file}'\nline='${entry.udid}:${entry.token}'\nif grep -q "^${entry.udid.replace(/\./g, "\\.")}:" "$f"; then echo "k2ops: UDID already present" >&2; exit 4; fi\nprintf '%s\\n' "$line" >> "$f"\necho added\n`;
    const r = await sshEngine().runScript(t, script, { sudo: true, timeoutMs: 20_000 });
    if (r.code === 4) throw new ActionFailure("conflict", msg`UDID ${entry.udid} is already in the users file; remove it first.`);
    check(r, msg`Adding the user`);
    return { summary: msg`added ${entry.udid} (applies at the next full auth; no restart needed)`, parsed: null, raw: raw(r), command: "sudo -n bash -s (script on stdin)" };
  });
}

export async function removeUser(ipv4: string, udid: string, ctx: Ctx): Promise<OpResult<null>> {
  udidArg(udid);
  return onNode(ipv4, { name: "node.users.remove", mutating: true, ctx }, async (t, node) => {
    const command = cmd`sudo sed -i ${Arg.of(`/^${udid.replace(/\./g, "\\.")}:/d`)} ${Arg.of(`${dirOf(node)}/users`)}`;
    const r = await sshEngine().exec(t, command, { timeoutMs: 20_000 });
    check(r, msg`Removing the user`);
    return { summary: msg`removed ${udid}`, parsed: null, raw: raw(r), command };
  });
}

export async function clearUsers(ipv4: string, ctx: Ctx): Promise<OpResult<null>> {
  return onNode(ipv4, { name: "node.users.clear", mutating: true, ctx }, async (t, node) => {
    const command = cmd`sudo truncate -s 0 ${Arg.of(`${dirOf(node)}/users`)}`;
    const r = await sshEngine().exec(t, command, { timeoutMs: 20_000 });
    check(r, msg`Clearing the users file`);
    return { summary: msg`users file cleared: pure remote (Center) auth`, parsed: null, raw: raw(r), command };
  });
}

/** §7 iptables-nft fix: legacy backend, restart Docker, up -d --remove-orphans. */
export async function fixIptablesLegacy(ipv4: string, ctx: Ctx): Promise<OpResult<null>> {
  return onNode(ipv4, { name: "node.fix.iptables", mutating: true, ctx }, async (t, node) => {
    const script = [
      "set -e",
      "update-alternatives --set iptables /usr/sbin/iptables-legacy",
      "update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy",
      "systemctl restart docker",
      `cd ${dirOf(node)} && docker compose up -d --remove-orphans`,
      "iptables --version",
    ].join("\n");
    const r = await sshEngine().runScript(t, script, { sudo: true, timeoutMs: 5 * 60_000 });
    check(r, msg`The iptables fix`);
    return { summary: msg`iptables switched to legacy, Docker restarted, stack brought up`, parsed: null, raw: raw(r), command: "sudo -n bash -s (fix script on stdin)" };
  });
}

/** Wrong timezone fix (§3/§6 #0): the host clock zone to Asia/Singapore, cron restarted so the 04:00 auto-update follows. */
export async function fixTimezone(ipv4: string, ctx: Ctx): Promise<OpResult<{ timezone: string; verification: string; check: AfterCheck }>> {
  const out = await onNode(ipv4, { name: "node.fix.timezone", mutating: true, ctx }, async (t) => {
    const command = cmd`sudo timedatectl set-timezone ${Arg.of("Asia/Singapore")} && { sudo systemctl restart cron 2>/dev/null || true; } && timedatectl | grep 'Time zone'`;
    const r = await sshEngine().exec(t, command, { timeoutMs: 60_000 });
    check(r, msg`Setting the timezone`);
    const tz = /Time zone:\s*(.+)/.exec(r.stdout)?.[1]?.trim() ?? "";
    if (!tz.startsWith("Asia/Singapore")) throw new ActionFailure("failed", msg`The node still reports ${tz || msg`no timezone`} after set-timezone.`);
    return { r, command, tz };
  });
  const checked = await verifyAfter(ipv4, ctx, "timezone fix");
  return { summary: msg`timezone set: ${out.tz}; ${checked.sentence ?? checked.text}`, parsed: { timezone: out.tz, verification: checked.text, check: checked }, raw: raw(out.r), command: out.command };
}

/** Admin: forget a node's pinned and rejected host keys; the next connection pins again. */
export async function clearHostKey(ipv4: string, by: string): Promise<void> {
  const node = await db().node.findUnique({ where: { ipv4 } });
  if (!node) throw new ActionFailure("not_found", msg`No node ${ipv4}.`);
  await new PrismaHostKeyStore().clear(ipv4, by);
  sshEngine().forget(targetOf(node));
}



// ---- §4 .env edits: validated form, non-secret diff preview, applied on the node ----

// the .env is redacted ON the node: k2ops plans edits without ever reading a secret
const SED_REDACT = "s/^([A-Za-z0-9_]*(SECRET|CLAIM|TOKEN|KEY|PASSWORD|WEBHOOK)[A-Za-z0-9_]*)=.*/\\1=<redacted>/I";

export type EnvPreview = {
  current: Record<string, string>;
  changes: { key: string; from: string; to: string }[];
  problems: EnvEditProblem[];
  warnings: EnvEditProblem[];
};

/**
 * The node's provider from Center's cloud inventory (e.g. "aws_lightsail"), or
 * null when Center does not list it as a cloud instance, is not configured, or
 * does not answer within `timeoutMs` (ms).
 */
export async function providerOf(ipv4: string, timeoutMs = 10_000): Promise<string | null> {
  if (!process.env.KAITU_CENTER_URL) return null;
  try {
    const { centerClientFromEnv } = await import("@/lib/center/client");
    const ci = (await centerClientFromEnv().listAllCloudInstances({}, { timeoutMs })).find((i) => i.ip_address === ipv4);
    return ci?.provider ?? null;
  } catch {
    return null;
  }
}

/**
 * Which provider operations apply to a node (so the page offers only those):
 * the Lightsail reboot needs a Lightsail instance in Center's inventory and a
 * node Center still lists. Unknown (Center not answering in 3 s) offers none.
 */
export async function providerOperations(node: { ipv4: string; inCenter: boolean }): Promise<{ provider: string | null; lightsailReboot: boolean }> {
  const provider = await providerOf(node.ipv4, 3_000);
  return { provider, lightsailReboot: provider === "aws_lightsail" && node.inCenter };
}

/** Reads the node's .env (secrets redacted ON the node) and plans `edit` on it (env-file planEnvEdit). */
export async function planOnNode(t: SshTarget, node: { ipv4: string; arch: string | null }, edit: EnvEdit, isAdmin: boolean) {
  const dir = dirOf(node);
  const r = await sshEngine().exec(t, cmd`sed -E ${Arg.of(SED_REDACT)} ${Arg.of(`${dir}/.env`)}`, { timeoutMs: 20_000 });
  check(r, msg`Reading the .env`);
  const nodeProvider = "K2_NODE_BILLING_START_DATE" in edit.set ? await providerOf(node.ipv4) : null;
  const plan = planEnvEdit(r.stdout, edit, { isAdmin, allowedCenterUrls: centerUrlAllowList(), nodeProvider });
  return { dir, redacted: r.stdout, plan };
}

export async function previewEnvEdit(ipv4: string, edit: EnvEdit, isAdmin: boolean, ctx: Ctx): Promise<OpResult<EnvPreview>> {
  return onNode(ipv4, { name: "node.env.preview", mutating: false, ctx }, async (t, node) => {
    const { redacted, plan } = await planOnNode(t, node, edit, isAdmin);
    const parsed: EnvPreview = { current: Object.fromEntries(envMap(redacted)), changes: describeChanges(plan.changes), problems: plan.problems, warnings: plan.warnings };
    return { summary: plan.problems.length ? msg`${plan.problems.length} problem(s)` : msg`${plan.changes.length} change(s)`, parsed, raw: redactText(redacted), command: "sed (redacts secrets on the node) .env" };
  });
}

/** Writes the validated changes on the node (stdin script), then pull + up -d --remove-orphans, then verifies. */
export async function applyEnvEdit(ipv4: string, edit: EnvEdit, isAdmin: boolean, ctx: Ctx): Promise<OpResult<{ changes: { key: string; from: string; to: string }[]; verification: string; check: AfterCheck }>> {
  const out = await onNode(ipv4, { name: "node.env.apply", mutating: true, ctx }, async (t, node) => {
    const { dir, plan } = await planOnNode(t, node, edit, isAdmin);
    if (plan.problems.length) throw new ActionFailure("failed", msg`Nothing was changed: ${plan.problems.map((p) => `${p.key}: ${p.message}`).join("; ")}`);
    if (!plan.changes.length) throw new ActionFailure("conflict", "Nothing to change: the node already has these values.");
    // only validated secrets that are about to be written are masked from here on (with the
    // sidecar's own Basic credential for the node secret): unvalidated input never grows the list
    for (const c of plan.changes) {
      if (!c.secret || !c.to) continue;
      if (c.key === "K2_NODE_SECRET") registerNodeSecret(ipv4, c.to);
      else registerSecret(c.to);
    }
    const w = await sshEngine().runScript(t, envApplyScript(dir, plan.changes.map((c) => ({ key: c.key, value: c.to }))), { sudo: true, timeoutMs: 30_000 });
    check(w, msg`Writing the .env`);
    // .env changes apply with up -d (restart would keep the old environment)
    const up = await sshEngine().exec(t, pullAndUpCommand(dir), { timeoutMs: 10 * 60_000 });
    check(up, msg`pull + up -d after the .env change`);
    return { changes: describeChanges(plan.changes), raw: raw(w) + "\n" + raw(up) };
  });
  const checked = await verifyAfter(ipv4, ctx, ".env change");
  return { summary: msg`${out.changes.length} .env change(s) applied with up -d; ${checked.sentence ?? checked.text}`, parsed: { changes: out.changes, verification: checked.text, check: checked }, raw: out.raw, command: "sudo -n bash -s (.env edit on stdin) + pull + up -d --remove-orphans" };
}

// ---- §8 AWS nodes are Lightsail (not EC2): reboot through the Lightsail API ----

/** Finds the node's Lightsail instance through Center's cloud inventory and asks Lightsail to reboot it. */
export async function rebootLightsail(ipv4: string, ctx: Ctx): Promise<OpResult<{ instance: string; region: string; operationId: string }>> {
  // a node whose host key changed is blocked for EVERY mutating operation, the provider API's too
  const known = await loadNode(ipv4);
  if (!known.inCenter) throw new ActionFailure("conflict", msg`${ipv4} is not listed by Center (decommissioned, or added by hand): it is not rebooted from k2ops.`);
  const { centerClientFromEnv } = await import("@/lib/center/client");
  const { lightsailClientFromEnv, lightsailTargetOf } = await import("@/lib/lightsail/client");
  const instances = await centerClientFromEnv().listAllCloudInstances();
  const ci = instances.find((i) => i.ip_address === ipv4);
  const target = ci ? lightsailTargetOf(ci) : null;
  if (!target) throw new ActionFailure("conflict", msg`${ipv4} is not a Lightsail instance in Center's cloud inventory; reboot it at its provider.`);
  const release = await acquireNodeLock(ipv4, { holder: ctx.requestId, operation: "node.reboot", actor: ctx.actor, ttlMs: 10 * 60_000 }).catch((e) => {
    if (e instanceof NodeBusyError) throw new ActionFailure("busy", e.text);
    throw e;
  });
  try {
    const r = await lightsailClientFromEnv().rebootInstance(target.name, target.region);
    await db().node.update({ where: { ipv4 }, data: { lastOperation: "node.reboot", lastOperationAt: new Date() } });
    return {
      summary: msg`Lightsail reboot of ${target.name} (${target.region}) requested: ${r.status}. The sidecar re-registers when the machine is back; verify afterwards.`,
      parsed: { instance: target.name, region: target.region, operationId: r.operationId },
      raw: JSON.stringify(r),
      command: `Lightsail RebootInstance ${target.name}`,
    };
  } finally {
    await release();
  }
}
