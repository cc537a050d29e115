import { setTimeout as wait } from "node:timers/promises";
import type { CenterClient } from "@/lib/center/client";
import type { AdminNodeItem } from "@/lib/center/schemas";
import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { autoUpdatePushScript, cronEnsureScript, loadCanonicalAutoUpdate, parseCronOutcome, parseScriptOutcome } from "@/lib/node-ops/auto-update";
import { composePushScript, loadCanonicalCompose, parsePushOutcome } from "@/lib/node-ops/compose";
import { centerUrlAllowList } from "@/lib/node-ops/env-schema";
import { check } from "@/lib/node-ops/ops";
import { registerSecret } from "@/lib/redact";
import type { SshEngine } from "@/lib/ssh/engine";
import { msg, type Text } from "@/lib/text";
import { destroyClaim, openRunClaim } from "./claim";
import type { ConfirmedChoices } from "./choose";
import type { VpsRecord } from "./create-vps";
import { findWorkItem } from "./index";
import { newNodeSecret, privateNodeEnv } from "./node-env";
import { redactedText } from "@/lib/redact/text";

// The wizard's steps 5-8 (issue #14; provisioning.md Steps 5-7): the private
// node's .env on stdin, the standard deploy, the wait for the node's own
// registration (the item turns `done` at Center; k2ops never posts `done`), and
// the §6 checklist. Each step is idempotent: the .env write keeps a node secret
// an earlier attempt already wrote (Center trusts the first secret it saw), the
// deploy pushes by md5 and brings the stack up with `up -d`, the wait and the
// checklist only read.

export type NodeStepDeps = {
  ssh: SshEngine;
  center: CenterClient;
  signal?: AbortSignal;
  progress?: (line: string) => Promise<void> | void;
  /** how long to wait for the self-registration (ms; default 25 minutes, inside Center's 30-minute sweep) */
  registerWaitMs?: number;
  /** between Center reads while waiting (ms, default 5,000) */
  pollMs?: number;
};

const DIR = "/apps/k2s";

async function runOf(operationId: number) {
  const run = await db().provisionRun.findUnique({ where: { operationId } });
  const vps = run?.vps as VpsRecord | null;
  const choices = run?.choices as ConfirmedChoices | null;
  if (!run || !vps?.ipv4 || !choices) throw new ActionFailure("conflict", msg`Work item ${operationId} has no VPS or no confirmed choices.`);
  return { run, vps, choices, target: { host: vps.ipv4, port: 1022 } };
}

/**
 * The .env writer (stdin only, run with sudo): writes `content` to /apps/k2s/.env
 * (root, 0600, atomically) — but a K2_NODE_SECRET already in the node's .env
 * (an earlier attempt) is kept, replaced line by line with bash builtins so no
 * value is ever a process argument. Prints `k2ops-env: WRITTEN secret=new|kept`.
 */
export function envWriteScript(content: string): string {
  if (content.includes("K2OPS_ENV_EOF")) throw new Error("the .env content holds the heredoc marker");
  return [
    "set -euo pipefail",
    `install -d -m 0755 ${DIR}`,
    "umask 077",
    `new=$(mktemp ${DIR}/.env.k2ops.XXXXXX)`,
    "trap 'rm -f \"$new\" \"$new.keep\"' EXIT",
    "cat > \"$new\" <<'K2OPS_ENV_EOF'",
    content.trimEnd(),
    "K2OPS_ENV_EOF",
    "kept=new",
    `old=$(grep -m1 '^K2_NODE_SECRET=' ${DIR}/.env 2>/dev/null || true)`,
    'if [ -n "$old" ] && [ "$old" != "K2_NODE_SECRET=" ]; then',
    '  while IFS= read -r l || [ -n "$l" ]; do case "$l" in K2_NODE_SECRET=*) printf \'%s\\n\' "$old" ;; *) printf \'%s\\n\' "$l" ;; esac; done < "$new" > "$new.keep"',
    '  mv -f "$new.keep" "$new"; kept=kept',
    "fi",
    'chown root:root "$new"; chmod 600 "$new"',
    `mv -f "$new" ${DIR}/.env`,
    "trap - EXIT",
    'echo "k2ops-env: WRITTEN secret=$kept"',
    "",
  ].join("\n");
}

/**
 * Step 5: the private node's .env (privateNodeEnv: the claim opened from the
 * vault, a fresh node secret generated here, the Center URL of the claim's
 * identity checked against the allow-list, the confirmed version, name, region,
 * IP type and metering) written on stdin. Errors: the .env is refused by its
 * rules (named keys, nothing written); the claim is gone; the write failed.
 */
export async function writeNodeEnv(operationId: number, d: NodeStepDeps): Promise<{ summary: Text }> {
  const { run, choices, target } = await runOf(operationId);
  const claimToken = await openRunClaim(operationId);
  const nodeSecret = newNodeSecret();
  registerSecret(nodeSecret);
  const params = (run.params ?? {}) as Record<string, unknown>;
  const env = privateNodeEnv(
    {
      identity: { subId: run.subId, centerUrl: run.centerUrl ?? "", domain: run.domain ?? "", claimToken },
      region: String(params.region ?? choices.region),
      ipType: String(params.ipType ?? "unknown"),
      version: choices.version,
      metering: choices.metering,
      nodeSecret,
    },
    { allowedCenterUrls: centerUrlAllowList() },
  );
  if (env.problems.length) throw new ActionFailure("failed", msg`the node's .env was refused, nothing written: ${env.problems.map((p) => `${p.key}: ${p.message}`).join("; ")}`);
  await d.progress?.(`writing ${DIR}/.env on stdin (${env.keys.length} keys)`);
  const r = await d.ssh.runScript(target, envWriteScript(env.content), { sudo: true, timeoutMs: 60_000, signal: d.signal });
  check(r, `Writing ${DIR}/.env`);
  const kept = /secret=kept/.test(r.stdout);
  await db().provisionRun.update({ where: { operationId }, data: { step: "deploy" } });
  return { summary: kept ? msg`${DIR}/.env written (${env.keys.join(", ")}); node secret kept from the earlier attempt` : msg`${DIR}/.env written (${env.keys.join(", ")}); node secret new` };
}

/** The crash monitor (node-behavior.md §8 step 14): a unit that keeps k2s' logs when it dies. */
const CRASH_MONITOR = [
  "#!/usr/bin/env bash",
  "# k2s crash monitor (installed by k2ops): keeps the last k2s logs of every restart in /var/log/k2s-crashes/",
  "mkdir -p /var/log/k2s-crashes",
  "docker events --filter container=k2s --filter event=die --format '{{.Time}}' | while read -r t; do",
  '  docker logs --tail 500 k2s > "/var/log/k2s-crashes/k2s-$t.log" 2>&1 || true',
  "done",
  "",
].join("\n");

function crashMonitorScript(): string {
  const b64 = Buffer.from(CRASH_MONITOR).toString("base64");
  return [
    "set -euo pipefail",
    `echo '${b64}' | base64 -d > ${DIR}/k2s-crash-monitor.sh.new && chmod 755 ${DIR}/k2s-crash-monitor.sh.new && mv -f ${DIR}/k2s-crash-monitor.sh.new ${DIR}/k2s-crash-monitor.sh`,
    "printf '[Unit]\\nDescription=k2s crash monitor\\nAfter=docker.service\\n\\n[Service]\\nExecStart=/apps/k2s/k2s-crash-monitor.sh\\nRestart=always\\n\\n[Install]\\nWantedBy=multi-user.target\\n' > /etc/systemd/system/k2s-crash-monitor.service",
    "systemctl daemon-reload",
    "systemctl enable --now k2s-crash-monitor >/dev/null 2>&1 || true",
    'echo "k2ops-crashmon: $(systemctl is-active k2s-crash-monitor 2>/dev/null || true)"',
    "",
  ].join("\n");
}

/**
 * Step 6: the standard deploy (runbook §4; provisioning.md Step 6): the
 * canonical compose (md5-compared), an empty users file, auto-update.sh and its
 * cron line, the crash monitor, then `docker compose up -d` (never down).
 * Errors: any part failed (named), or the stack did not come up.
 */
export async function deployStack(operationId: number, d: NodeStepDeps): Promise<{ summary: Text }> {
  const { target } = await runOf(operationId);
  const say = async (l: string) => d.progress?.(l);
  await say("pushing the canonical compose and the users file");
  const compose = await d.ssh.runScript(target, composePushScript(loadCanonicalCompose()), { sudo: true, timeoutMs: 60_000, signal: d.signal });
  check(compose, "Pushing docker-compose.yml");
  const pushed = parsePushOutcome(compose.stdout) ?? "?";
  await say("installing auto-update.sh and its cron line");
  const au = await d.ssh.runScript(target, autoUpdatePushScript(loadCanonicalAutoUpdate()), { sudo: true, timeoutMs: 60_000, signal: d.signal });
  check(au, "Installing auto-update.sh");
  const cron = await d.ssh.runScript(target, cronEnsureScript(), { sudo: true, timeoutMs: 60_000, signal: d.signal });
  check(cron, "Adding the auto-update cron line");
  await say("installing the crash monitor");
  const cm = await d.ssh.runScript(target, crashMonitorScript(), { sudo: true, timeoutMs: 60_000, signal: d.signal });
  check(cm, "Installing the crash monitor");
  await say("docker compose up -d");
  const up = await d.ssh.runScript(target, `set -euo pipefail\ncd ${DIR}\ndocker compose up -d 2>&1\ndocker compose ps --format '{{.Name}} {{.State}}' 2>/dev/null || docker compose ps\n`, { sudo: true, timeoutMs: 10 * 60_000, signal: d.signal });
  check(up, "docker compose up -d");
  const running = up.stdout.split("\n").filter((l) => /^(k2s|k2-sidecar) running/.test(l)).length;
  if (running < 2) throw new ActionFailure("failed", redactedText(msg`the stack did not come up (k2s and k2-sidecar running: ${running} of 2): ${up.stdout.trim().split("\n").slice(-4).join(" | ")}`));
  await db().provisionRun.update({ where: { operationId }, data: { step: "register" } });
  const words = { compose: pushed.toLowerCase(), autoUpdate: (parseScriptOutcome(au.stdout) ?? "?").toLowerCase(), cron: (parseCronOutcome(cron.stdout)?.result ?? "?").toLowerCase() };
  return {
    summary: /active$/m.test(cm.stdout)
      ? msg`compose ${words.compose}, auto-update ${words.autoUpdate}, cron ${words.cron}, crash monitor active; up -d: k2s and k2-sidecar running`
      : msg`compose ${words.compose}, auto-update ${words.autoUpdate}, cron ${words.cron}, crash monitor not active; up -d: k2s and k2-sidecar running`,
  };
}

/**
 * Step 7: waits until the node registered itself with the claim (Center lists
 * it as class private at the VPS's address, and the work item is `done`); k2ops
 * never posts `done`. Then destroys k2ops' sealed claim token (its job is done)
 * and ends the run's Center part. Errors: not registered within `registerWaitMs`
 * (Center's 30-minute sweep then fails the item).
 */
export async function awaitRegistration(operationId: number, d: NodeStepDeps): Promise<{ summary: Text; node: AdminNodeItem }> {
  const { vps } = await runOf(operationId);
  const until = Date.now() + (d.registerWaitMs ?? 25 * 60_000);
  for (;;) {
    const [nodes, op] = await Promise.all([d.center.listAllNodes().catch(() => null), findWorkItem(d.center, operationId, "provision").catch(() => null)]);
    const node = nodes?.find((n) => n.ipv4 === vps.ipv4) ?? null;
    if (node?.class === "private" && op?.status === "done") {
      await destroyClaim(operationId, { status: "in_progress" });
      await db().provisionRun.update({ where: { operationId }, data: { step: "verify" } });
      return { summary: msg`${node.name} registered at Center from ${vps.ipv4}: class private, work item done (set by the node's registration); the claim token k2ops held is destroyed`, node };
    }
    if (Date.now() > until) {
      // any claim makes the node private at Center (§8.2); only a claim that matched turns the item done
      const seen = !node
        ? msg`Center does not list ${vps.ipv4}`
        : node.class === "private"
          ? msg`${vps.ipv4} registered, but its claim activated nothing: the item is still ${op?.status ?? "unread"} (the claim expired or was already used)`
          : msg`Center lists ${vps.ipv4} as class ${node.class}; the item is ${op?.status ?? "unread"}`;
      throw new ActionFailure("failed", msg`the node did not register with its claim in time (${seen}). Read the sidecar's log on the node; Center's 30-minute sweep fails the item.`);
    }
    await d.progress?.(`waiting for the node's registration (${node ? `listed, class ${node.class}` : "not listed yet"}; item ${op?.status ?? "?"})`);
    await wait(d.pollMs ?? 5_000, undefined, { signal: d.signal });
  }
}

/**
 * Step 8: the node joins k2ops' fleet table (a sync from Center: it appears as
 * class private) and passes the §6 checklist with the reporter and the Center
 * cross-check (lib/node-ops/verify, stored with the node's history). A check
 * still settling (k2s ready, the reporter's first cycle) is read again, up to
 * `attempts` times `everyMs` apart. The run ends `done`. Errors: a check fails
 * or stays unknown (named, with the run kept at this step to retry).
 */
export async function verifyProvisioned(operationId: number, d: NodeStepDeps & { triggeredBy: string; attempts?: number; everyMs?: number }): Promise<{ summary: Text }> {
  const { vps } = await runOf(operationId);
  const { checks } = await checklistUntilPass(vps.ipv4, d);
  await db().provisionRun.update({ where: { operationId }, data: { status: "done", lastError: null } });
  return { summary: msg`the checklist passes on ${vps.ipv4} (${checks} checks, reporter and Center cross-check included); ${vps.name} is in the fleet as class private` };
}

/**
 * The fleet table synced from Center, then the §6 checklist on `ip` (with the
 * reporter and the Center cross-check; stored with the node's history) read
 * until it passes, up to `attempts` (default 6) times `everyMs` (default 20 s)
 * apart: a check still settling (k2s ready, the reporter's first cycle) is read
 * again. Returns Center's view of the nodes and the number of checks. Errors
 * (ActionFailure): it does not pass, naming the checks that fail or stay unknown.
 */
export async function checklistUntilPass(ip: string, d: { center: CenterClient; triggeredBy: string; attempts?: number; everyMs?: number; signal?: AbortSignal; progress?: (line: string) => Promise<void> | void }): Promise<{ centerNodes: Map<string, AdminNodeItem>; checks: number }> {
  const walk = await d.center.listAllNodesChecked();
  const { syncFleet } = await import("@/lib/fleet");
  await syncFleet(walk.items, walk);
  const { verifyNode } = await import("@/lib/node-ops/verify");
  const centerNodes = new Map(walk.items.map((n) => [n.ipv4, n]));
  const attempts = d.attempts ?? 6;
  let last = "";
  for (let i = 1; i <= attempts; i++) {
    await d.progress?.(`checklist on ${ip} (attempt ${i} of ${attempts})`);
    const out = await verifyNode(ip, { triggeredBy: d.triggeredBy, centerNodes, signal: d.signal });
    if (out.status === "pass") return { centerNodes, checks: out.checks.length };
    last = out.status === "error" ? `could not run: ${out.error}` : `${out.status}: ${out.checks.filter((c) => c.status === "fail" || c.status === "unknown").map((c) => `${c.key} (${c.status})`).join(", ")}`;
    if (i < attempts) await wait(d.everyMs ?? 20_000, undefined, { signal: d.signal });
  }
  throw new ActionFailure("failed", redactedText(msg`the checklist does not pass on ${ip} after ${attempts} reads: ${last}`));
}
