import crypto from "node:crypto";
import { ActionFailure } from "@/lib/errors";
import { Arg, cmd, deployDir, migrationOldProjectDown } from "@/lib/guardrails/command";
import { redactText } from "@/lib/redact";
import { listOf, msg, type Text } from "@/lib/text";
import type { ExecResult, SshTarget } from "@/lib/ssh/engine";
import { sshEngine } from "./engine";
import { ComposeAssetError, loadCanonicalCompose, type CanonicalCompose } from "./compose";
import { check, onNode, pullAndUpCommand, raw, verifyAfter, type AfterCheck, type Ctx, type OpResult } from "./ops";

// The two migrations a legacy node needs (runbook §1, §5 DIR-MIGRATION GUARD,
// dir-migration.md):
//  (a) k2-slave -> k2s: the canonical compose + `up -d --remove-orphans` in the
//      node's own project (never down): k2-slave goes as an orphan, k2s comes up,
//      the project's volumes (certificate, metering state) stay.
//  (b) /apps/kaitu-slave -> /apps/k2s: the design's cutover, in order, with the
//      ONE sanctioned `compose down` (old project, old dir) and the month's usage
//      read before and restored with `set-usage` after. The old dir is kept.
// Secrets never pass through k2ops: .env is copied on the node.

const OLD = "/apps/kaitu-slave";
const NEW = "/apps/k2s";
const GIB = 1024 ** 3;

/** What a node runs, read without changing anything. */
export type MigrationProbe = { project: string; workdir: string; names: string[]; exists: Set<string>; sameEnv: boolean };

const PROBE = [
  "set -u",
  `echo "project=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' k2-sidecar 2>/dev/null)"`,
  `echo "workdir=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.project.working_dir"}}' k2-sidecar 2>/dev/null)"`,
  `echo "names=$(docker ps -a --format '{{.Names}}' | tr '\\n' ' ')"`,
  `for f in ${NEW}/docker-compose.yml ${NEW}/.env ${OLD}/docker-compose.yml ${OLD}/.env; do [ -e "$f" ] && echo "exists=$f"; done`,
  // an /apps/k2s/.env that is our own earlier copy (an interrupted run) may be overwritten; another may not
  `cmp -s ${OLD}/.env ${NEW}/.env && echo same_env=1`,
  "exit 0",
  "",
].join("\n");

/** Parses the probe's `key=value` lines. */
export function parseProbe(out: string): MigrationProbe {
  const lines = out.split("\n");
  const get = (k: string) => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1).trim() ?? "";
  return {
    project: get("project"),
    workdir: get("workdir"),
    names: get("names").split(/\s+/).filter(Boolean),
    exists: new Set(lines.filter((l) => l.startsWith("exists=")).map((l) => l.slice(7).trim())),
    sameEnv: lines.includes("same_env=1"),
  };
}

async function probe(t: SshTarget): Promise<MigrationProbe> {
  const r = await sshEngine().runScript(t, PROBE, { sudo: true, timeoutMs: 30_000 });
  check(r, msg`Reading the node's deployment`);
  return parseProbe(r.stdout);
}

function canonical(): CanonicalCompose {
  try {
    return loadCanonicalCompose();
  } catch (e) {
    if (e instanceof ComposeAssetError) throw new ActionFailure("failed", msg`${e.message} Nothing was changed.`);
    throw e;
  }
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64").replace(/(.{76})/g, "$1\n");
const md5 = (text: string) => crypto.createHash("md5").update(text).digest("hex");
const ownerOf = (t: SshTarget) => {
  const o = t.user ?? process.env.K2OPS_SSH_USER ?? "ubuntu";
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(o)) throw new ActionFailure("failed", "invalid SSH user name");
  return o;
};

/** The lines of a stdin script that write `text` to `target` atomically (base64 inside the script, md5 checked). */
function writeFileLines(text: string, target: string, owner: string): string[] {
  const dir = target.slice(0, target.lastIndexOf("/"));
  return [
    `tmp=$(mktemp ${dir}/.k2ops-migrate.XXXXXX)`,
    "base64 -d > \"$tmp\" <<'K2OPS_COMPOSE_B64'",
    b64(text),
    "K2OPS_COMPOSE_B64",
    `[ "$(md5sum "$tmp" | awk '{print $1}')" = ${md5(text)} ] || { rm -f "$tmp"; echo 'transfer corrupted' >&2; exit 5; }`,
    `chmod 644 "$tmp"; chown ${owner}: "$tmp"; mv -f "$tmp" ${target}`,
  ];
}

// ---- (a) legacy k2-slave -> k2s ----------------------------------------------

/**
 * The canonical compose for a legacy node's own project: unchanged when it runs
 * as `k2s`; in /apps/kaitu-slave its `name:` stays `kaitu-slave`, because a
 * `name: k2s` file there would make every later up -d (and the nightly
 * auto-update) start empty k2s_* volumes and collide on container names.
 */
export function composeForProject(c: Pick<CanonicalCompose, "text">, project: "k2s" | "kaitu-slave"): string {
  if (project === "k2s") return c.text;
  return c.text.replace(/^name:\s*["']?k2s["']?\s*$/m, "# k2ops: project kept as kaitu-slave until the directory migration (its volumes hold the certificate and metering state)\nname: kaitu-slave");
}

/** The node's layout for (a): which project and dir run k2-slave, or why (a) does not apply. */
export function legacyLayout(p: MigrationProbe): { project: "k2s" | "kaitu-slave"; dir: "/apps/k2s" | "/apps/kaitu-slave" } {
  if (!p.names.includes("k2-slave")) {
    throw new ActionFailure("conflict", msg`Not a legacy k2-slave node (containers: ${p.names.join(", ") || msg`none`}): nothing to migrate. Nothing was changed.`);
  }
  if (p.project === "k2s" && p.workdir === NEW) return { project: "k2s", dir: NEW };
  if (p.project === "kaitu-slave" && p.workdir === OLD) return { project: "kaitu-slave", dir: OLD };
  throw new ActionFailure("conflict", msg`The k2-slave stack runs as project "${p.project || "?"}" from ${p.workdir || "?"}, not k2s in /apps/k2s or kaitu-slave in /apps/kaitu-slave: migrate it by hand. Nothing was changed.`);
}

/**
 * (a) Legacy k2-slave -> k2s (runbook §1): the canonical compose into the node's
 * deploy dir (project name kept, see composeForProject), pull + `up -d
 * --remove-orphans` (never down; k2-slave is removed as an orphan, its
 * volumes stay), then the checklist. A failed up puts the old file back and
 * brings the old stack up again.
 */
export async function migrateLegacyK2Slave(ipv4: string, ctx: Ctx): Promise<OpResult<{ dir: string; verification: string; check: AfterCheck }>> {
  const compose = canonical();
  const out = await onNode(ipv4, { name: "node.migrate.k2slave", mutating: true, ctx }, async (t) => {
    const layout = legacyLayout(await probe(t));
    const owner = ownerOf(t);
    const text = composeForProject(compose, layout.project);
    const file = `${layout.dir}/docker-compose.yml`;
    const push = [
      "set -euo pipefail",
      // the state read above still holds (nothing else runs under the node lock, but a human might)
      `[ "$(docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' k2-sidecar 2>/dev/null)" = ${layout.project} ] && docker inspect k2-slave >/dev/null 2>&1 || { echo 'the node changed since it was read; nothing was changed' >&2; exit 4; }`,
      `cp -p ${file} ${file}.k2-slave.bak`,
      ...writeFileLines(text, file, owner),
      `echo "k2ops-migrate: compose written ${md5(text)}"`,
      "",
    ].join("\n");
    const w = await sshEngine().runScript(t, push, { sudo: true, timeoutMs: 60_000 });
    if (w.code === 4) throw new ActionFailure("conflict", redactText(w.stderr.trim()));
    check(w, msg`Writing the canonical compose`);
    const up = await sshEngine().exec(t, pullAndUpCommand(layout.dir), { timeoutMs: 10 * 60_000 });
    if (up.code !== 0 || up.timedOut) {
      // put the k2-slave file back and bring its stack up again (up -d, never down)
      const back = await sshEngine().runScript(t, `set -e\nmv -f ${file}.k2-slave.bak ${file}\ncd ${layout.dir} && docker compose up -d --remove-orphans\n`, { sudo: true, timeoutMs: 10 * 60_000 });
      check(up, back.code === 0 ? msg`pull + up -d (the k2-slave compose was restored and its stack brought up again)` : msg`pull + up -d (the k2-slave compose was restored, but bringing it up again failed: ${redactText(back.stderr.trim().split("\n").slice(-1)[0] ?? "")})`);
    }
    const names = await sshEngine().exec(t, cmd`docker ps --format '{{.Names}}'`, { timeoutMs: 30_000 });
    const running = names.stdout.split("\n").map((l) => l.trim());
    if (running.includes("k2-slave") || !running.includes("k2s")) throw new ActionFailure("failed", msg`After up -d the node runs ${running.filter(Boolean).join(", ") || msg`nothing`}, not k2s. Read its status.`);
    return { dir: layout.dir, raw: [raw(w), raw(up)].join("\n") };
  });
  const checked = await verifyAfter(ipv4, ctx, "k2-slave -> k2s migration");
  const verified = checked.sentence ?? checked.text;
  return {
    summary:
      out.dir === OLD
        ? msg`k2-slave replaced by k2s in ${out.dir} (compose + up -d --remove-orphans, volumes kept); ${verified}. Next: migrate the directory to /apps/k2s.`
        : msg`k2-slave replaced by k2s in ${out.dir} (compose + up -d --remove-orphans, volumes kept); ${verified}.`,
    parsed: { dir: out.dir, verification: checked.text, check: checked },
    raw: out.raw,
    command: "sudo -n bash -s (compose on stdin) + pull + up -d --remove-orphans",
  };
}

// ---- (b) /apps/kaitu-slave -> /apps/k2s ----------------------------------------

/** The billing cycle's usage as the running sidecar counts it. */
export type CycleUsage = { metering: boolean; bytes: number | null; epoch: number | null; source: string };

const USAGE_READ = [
  "set -u",
  // the billing date is not a secret: only this one key is read
  `echo "billing=$(grep -E '^K2_NODE_BILLING_START_DATE=' ${OLD}/.env | tail -n 1 | cut -d= -f2-)"`,
  `echo "line=$(docker logs --tail 2000 k2-sidecar 2>&1 | grep -E 'usage-reporter-cycle-(ok|fail)' | tail -n 1)"`,
  `echo "state=$(docker exec k2-sidecar cat /etc/kaitu/traffic.state 2>/dev/null)"`,
  "exit 0",
  "",
].join("\n");

/**
 * The cycle's usage from the sidecar's newest reporter line (`cumulative=`, or
 * `used=` of a failed cycle) and its traffic.state (`last_used_bytes`, persisted
 * at most once a minute): the larger, as both only lag the true count.
 */
export function parseCycleUsage(out: string): CycleUsage {
  const lines = out.split("\n");
  const get = (k: string) => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1).trim() ?? "";
  const metering = get("billing").replace(/^["']|["']$/g, "") !== "";
  const line = get("line");
  const ok = /epoch=(\d+) cumulative=(\d+)/.exec(line);
  const fail = /\bused=(\d+)/.exec(line);
  let state: { billing_cycle_end_at?: number; last_used_bytes?: number; prior_used_bytes?: number } = {};
  try {
    state = JSON.parse(get("state") || "{}");
  } catch {
    state = {};
  }
  const epoch = ok ? Number(ok[1]) : (state.billing_cycle_end_at ?? null);
  const candidates: [number, string][] = [];
  if (ok) candidates.push([Number(ok[2]), "reporter line"]);
  else if (fail) candidates.push([Number(fail[1]), "reporter line (failed cycle)"]);
  // a state of another cycle says nothing about this one
  const stateUsed = state.last_used_bytes ?? state.prior_used_bytes;
  if (typeof stateUsed === "number" && (epoch === null || state.billing_cycle_end_at === epoch)) candidates.push([stateUsed, "traffic.state"]);
  if (!candidates.length) return { metering, bytes: null, epoch, source: "none" };
  const best = candidates.reduce((a, b) => (b[0] > a[0] ? b : a));
  return { metering, bytes: best[0], epoch, source: best[1] };
}

/** set-usage takes whole GiB: rounded up, so the restored count never undercounts the month (the cap comes earlier, never later). */
export const usageGb = (bytes: number) => Math.ceil(bytes / GIB);

/** Why (b) does not apply to a node, or null when it does. */
export function dirMigrationRefusal(p: MigrationProbe): Text | null {
  if (p.project === "k2s" && p.exists.has(`${NEW}/docker-compose.yml`)) return msg`Already migrated: the node runs project k2s from /apps/k2s. Nothing was changed.`;
  if (p.project !== "kaitu-slave") return msg`The node does not run project kaitu-slave from /apps/kaitu-slave (project: ${p.project || msg`no k2-sidecar`}). Nothing was changed.`;
  if (!p.exists.has(`${OLD}/docker-compose.yml`) || !p.exists.has(`${OLD}/.env`)) return msg`/apps/kaitu-slave has no docker-compose.yml or .env: migrate it by hand. Nothing was changed.`;
  if (p.exists.has(`${NEW}/.env`) && !p.sameEnv) return msg`/apps/k2s/.env exists and differs from /apps/kaitu-slave/.env: k2ops does not overwrite it. Inspect the node by hand. Nothing was changed.`;
  return null;
}

function prepareScript(c: CanonicalCompose, owner: string): string {
  return [
    "set -euo pipefail",
    `mkdir -p ${NEW}/logs`,
    // secrets move on the node only: .env is copied, never read by k2ops
    `cp -p ${OLD}/.env ${NEW}/.env`,
    `if [ -e ${OLD}/users ]; then cp -p ${OLD}/users ${NEW}/users; else touch ${NEW}/users; fi`,
    // the node's own hook scripts, re-pointed at the new dir (copies only: the old dir is kept as it is)
    `for f in auto-update.sh k2s-crash-monitor.sh; do if [ -e ${OLD}/$f ]; then cp -p ${OLD}/$f ${NEW}/$f; sed -i 's#${OLD}/#${NEW}/#g; s#${OLD}\\b#${NEW}#g' ${NEW}/$f; fi; done`,
    ...writeFileLines(c.text, `${NEW}/docker-compose.yml`, owner),
    `chown ${owner}: ${NEW} ${NEW}/logs ${NEW}/users ${NEW}/.env`,
    "echo 'k2ops-migrate: /apps/k2s prepared'",
    "",
  ].join("\n");
}

// the failed new project's containers (only those labelled k2s) make way for the old project again
const ROLLBACK = [
  "set -u",
  `for c in k2-sidecar k2s; do [ "$(docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' "$c" 2>/dev/null)" = k2s ] && docker rm -f "$c"; done`,
  `cd ${OLD} && docker compose up -d`,
  "",
].join("\n");

const HEALTHY_WAIT = `for i in $(seq 1 60); do [ "$(docker inspect -f '{{.State.Health.Status}}' k2-sidecar 2>/dev/null)" = healthy ] && exit 0; sleep 1; done; exit 1\n`;

const HOOKS = [
  "set -u",
  // read whole before writing: never a pipe from `crontab -l` into `crontab -`
  `if c=$(crontab -l 2>/dev/null); then printf '%s\n' "$c" | sed 's#${OLD}/#${NEW}/#g' | crontab -; fi`,
  "u=/etc/systemd/system/k2s-crash-monitor.service",
  `if [ -f "$u" ] && grep -q '${OLD}/' "$u"; then sed -i 's#${OLD}/#${NEW}/#g' "$u"; systemctl daemon-reload; systemctl restart k2s-crash-monitor; fi`,
  "exit 0",
  "",
].join("\n");

// dir-migration.md "Verification after cutover" items 3 and 7 (the rest is the §6 checklist); item 6 (a real client) is outside k2ops' reach
const CUTOVER_CHECKS = [
  "set -u",
  "docker exec k2-sidecar test -f /etc/kaitu/certs/server-cert.pem && echo cert=ok || echo cert=missing",
  `if crontab -l 2>/dev/null | grep -q 'auto-update.sh'; then crontab -l | grep 'auto-update.sh' | grep -q '${OLD}/' && echo cron=old || echo cron=ok; else echo cron=none; fi`,
  'echo "monitor=$(systemctl is-active k2s-crash-monitor 2>/dev/null)"',
  "exit 0",
  "",
].join("\n");

/** The cutover-specific checks: which failed, in the operator's words (empty = all passed). */
export function cutoverProblems(out: string): Text[] {
  const has = (s: string) => out.split("\n").some((l) => l.trim() === s);
  const problems: Text[] = [];
  if (!has("cert=ok")) problems.push(msg`the re-issued certificate /etc/kaitu/certs/server-cert.pem is missing`);
  if (has("cron=old")) problems.push(msg`the auto-update cron still points at /apps/kaitu-slave`);
  if (!has("monitor=active")) problems.push(msg`the k2s-crash-monitor unit is not active`);
  return problems;
}

type DirResult = { usageBefore: CycleUsage; restoredGb: number | null; usageNote: string; cutover: string[]; verification: string; check: AfterCheck };

/**
 * (b) The directory migration /apps/kaitu-slave -> /apps/k2s, as
 * dir-migration.md orders it: read the cycle's usage; create /apps/k2s (.env
 * copied on the node, the canonical compose, users, hook scripts); pull; the
 * ONE `compose down` of the old project in the old dir; `up -d` of project k2s;
 * restore the usage with `set-usage` + sidecar restart; re-point cron and the
 * crash monitor; then the checklist plus the certificate, cron and monitor
 * checks. The old dir and the old volumes are kept (removing the volumes is a
 * later, manual step once a real client has connected). A failed `up -d` brings
 * the old project back.
 */
export async function migrateDeployDir(ipv4: string, ctx: Ctx): Promise<OpResult<DirResult>> {
  const compose = canonical();
  const out = await onNode(ipv4, { name: "node.migrate.dir", mutating: true, ctx }, async (t) => {
    const ssh = sshEngine();
    const refusal = dirMigrationRefusal(await probe(t));
    if (refusal) throw new ActionFailure("conflict", refusal);
    const logs: ExecResult[] = [];
    const run = async (r: Promise<ExecResult>) => {
      const x = await r;
      logs.push(x);
      return x;
    };

    // 0. the month's usage, before anything changes
    const read = await run(ssh.runScript(t, USAGE_READ, { sudo: true, timeoutMs: 60_000 }));
    check(read, msg`Reading the cycle's usage`);
    const usage = parseCycleUsage(read.stdout);
    if (usage.metering && usage.bytes === null) {
      throw new ActionFailure("failed", "Metering is on but the sidecar's usage could not be read (no reporter line, no traffic.state): migrating now would lose the month's count. Nothing was changed.");
    }

    // 1. /apps/k2s with .env (copied on the node), the canonical compose, users and hooks
    check(await run(ssh.runScript(t, prepareScript(compose, ownerOf(t)), { sudo: true, timeoutMs: 60_000 })), msg`Preparing /apps/k2s`);
    // images first, so the down-to-up gap is seconds (pinned K2_VERSION only)
    check(await run(ssh.exec(t, pullOnlyCommand(), { timeoutMs: 10 * 60_000 })), msg`Pulling the images in /apps/k2s`);

    // 2. the ONE sanctioned down: the old project, in the old dir
    check(await run(ssh.exec(t, migrationOldProjectDown(), { timeoutMs: 5 * 60_000 })), msg`docker compose down of the old project`);

    // 3. project k2s up (empty volumes; the certificate is re-issued at registration)
    const up = await run(ssh.exec(t, cmd`cd ${deployDir(NEW)} && sudo docker compose up -d --remove-orphans`, { timeoutMs: 10 * 60_000 }));
    if (up.code !== 0 || up.timedOut) {
      const back = await run(ssh.runScript(t, ROLLBACK, { sudo: true, timeoutMs: 10 * 60_000 }));
      check(up, back.code === 0 ? msg`up -d in /apps/k2s (the old project was brought up again)` : msg`up -d in /apps/k2s (the old project was brought up again — and that FAILED too: the node is down, act now)`);
    }

    // 4. the month's usage back (set-usage, then the restart that loads it, promptly)
    let restoredGb: number | null = null;
    let usageNote: string;
    if (!usage.metering) usageNote = "metering is off: no usage to restore";
    else if (!usage.bytes) usageNote = "the cycle's usage was 0: nothing to restore";
    else {
      const st = await run(ssh.exec(t, cmd`sudo docker exec k2-sidecar cat /etc/kaitu/traffic.state`, { timeoutMs: 30_000 }));
      const epochNow = /"billing_cycle_end_at":(\d+)/.exec(st.stdout)?.[1];
      if (usage.epoch !== null && epochNow && Number(epochNow) !== usage.epoch) {
        usageNote = `the billing cycle rolled over during the migration: the new cycle starts at 0 (the old one ended with ${usage.bytes} bytes)`;
      } else {
        const gb = usageGb(usage.bytes);
        const set = await run(ssh.exec(t, cmd`sudo docker exec k2-sidecar k2-sidecar -c /tmp/sidecar-config.yaml set-usage ${Arg.of(String(gb))} && cd ${deployDir(NEW)} && sudo docker compose restart k2-sidecar`, { timeoutMs: 3 * 60_000 }));
        if (set.code === 0 && !set.timedOut) {
          // compose restart does not wait for the health check: the checklist reads a settled sidecar
          await run(ssh.runScript(t, HEALTHY_WAIT, { timeoutMs: 90_000 }));
          restoredGb = gb;
          usageNote = `usage restored: ${gb} GiB (read ${usage.bytes} bytes from the ${usage.source})`;
        } else usageNote = `usage NOT restored (set-usage failed): set it by hand with set-usage ${gb}`;
      }
    }

    // 5. hooks: the auto-update cron and the crash monitor point at /apps/k2s
    check(await run(ssh.runScript(t, HOOKS, { sudo: true, timeoutMs: 60_000 })), msg`Re-pointing cron and the crash monitor`);
    const cut = await run(ssh.runScript(t, CUTOVER_CHECKS, { sudo: true, timeoutMs: 60_000 }));
    const cutover = cut.code === 0 ? cutoverProblems(cut.stdout) : [msg`the cutover checks could not run`];
    return { usage, restoredGb, usageNote, cutover, raw: logs.map(raw).filter(Boolean).join("\n") };
  });
  const checked = await verifyAfter(ipv4, ctx, "directory migration");
  const problems = [...out.cutover, ...(out.usage.metering && out.usage.bytes && out.restoredGb === null ? [out.usageNote] : [])];
  // the checklist passing is not enough: the certificate, hooks and the month's count belong to this cutover
  const cutoverSentence = msg`${checked.sentence ?? checked.text}; cutover: ${listOf(problems)}`;
  const merged: AfterCheck = problems.length ? { status: checked.status === "error" ? "error" : "fail", text: cutoverSentence.text, sentence: cutoverSentence } : checked;
  return {
    summary: msg`migrated to /apps/k2s (old project down, /apps/kaitu-slave and its volumes kept); ${out.usageNote}; ${merged.sentence ?? merged.text}. A real client connecting is outside k2ops' reach: check it before removing kaitu-slave_config / kaitu-slave_k2v5-data.`,
    parsed: { usageBefore: out.usage, restoredGb: out.restoredGb, usageNote: out.usageNote, cutover: out.cutover.map((c) => c.text), verification: merged.text, check: merged },
    raw: out.raw,
    command: "probe + usage read + prepare /apps/k2s (stdin) + pull + compose down (old project) + up -d + set-usage + hooks",
  };
}

/** pull only, in /apps/k2s, refused when K2_VERSION is not pinned (the same node-side check as pullAndUpCommand). */
function pullOnlyCommand() {
  return cmd`cd ${deployDir(NEW)} && { sudo grep -Eq '^K2_VERSION=v[0-9]+[.][0-9]+[.][0-9]+(-[0-9a-f]{7,40})?$' .env || { echo 'k2ops: K2_VERSION in .env is not a pinned tag (like v0.4.8-9d7c6f95); refusing to pull an unpinned image' >&2; exit 3; }; } && sudo docker compose pull`;
}
