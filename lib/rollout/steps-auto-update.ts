import { ActionFailure } from "@/lib/errors";
import type { StepContext, StepResult } from "@/lib/jobs/kinds";
import {
  AUTO_UPDATE_CRON_LINE,
  AUTO_UPDATE_READ,
  AUTO_UPDATE_TARGET,
  autoUpdateProblemsOnNode,
  autoUpdatePushScript,
  autoUpdateRefusal,
  cronEnsureScript,
  describeCron,
  describeFile,
  loadCanonicalAutoUpdate,
  parseAutoUpdateState,
  parseCronOutcome,
  parseScriptOutcome,
  type AutoUpdateState,
  type CanonicalAutoUpdate,
  type CronOutcome,
  type ScriptOutcome,
} from "@/lib/node-ops/auto-update";
import { sshEngine } from "@/lib/node-ops/engine";
import { check, onNode, type Ctx } from "@/lib/node-ops/ops";
import { redactText } from "@/lib/redact";
import type { SshTarget } from "@/lib/ssh/engine";
import { listOf, msg } from "@/lib/text";
import { failed, lockFor, message, said } from "./steps";

// The `auto-update` kind: "install/refresh auto-update", runbook §6.4
// (deploy-auto-update.sh) made correct, for the §7 script. On one node, under
// its lock: read (md5 of /apps/k2s/auto-update.sh, root's crontab, the
// DIR-migration facts); the canonical script pushed on stdin only when its md5
// differs (or it is not executable); root's crontab given the line exactly
// once only when it does not have it so; then an independent read that must
// show the canonical md5 (an empty file never passes), the executable bit and
// the line exactly once. Restarts nothing, so there is no health gate beyond
// that verification. Every part is idempotent: a resumed step simply runs again.

/** The node lock's time limit for one node's step (ms): the step is a few short commands. */
const LOCK_TTL_MS = 15 * 60_000;
/** Time limit of each command of the step (ms). */
const COMMAND_TIMEOUT_MS = 60_000;

const short = (md5: string | null) => (md5 ? md5.slice(0, 8) : "none");

/** The read (pre-check or verification): one read-only command, parsed. */
async function readState(ipv4: string, name: string, opCtx: Ctx, what: string): Promise<AutoUpdateState> {
  return onNode(ipv4, { name, mutating: false, ctx: opCtx }, async (t) => {
    const r = await sshEngine().exec(t, AUTO_UPDATE_READ, { timeoutMs: COMMAND_TIMEOUT_MS });
    check(r, what);
    return parseAutoUpdateState(r.stdout);
  });
}

async function pushScript(t: SshTarget, c: CanonicalAutoUpdate): Promise<{ outcome: ScriptOutcome; raw: string }> {
  const w = await sshEngine().runScript(t, autoUpdatePushScript(c), { sudo: true, timeoutMs: COMMAND_TIMEOUT_MS });
  if (w.code === 4) throw new ActionFailure("conflict", msg`${redactText(w.stderr.trim())} Nothing was changed.`);
  check(w, `Installing ${AUTO_UPDATE_TARGET}`);
  const outcome = parseScriptOutcome(w.stdout);
  if (!outcome) throw new ActionFailure("failed", msg`the node did not confirm the install of ${AUTO_UPDATE_TARGET}`);
  return { outcome, raw: redactText(w.stdout.trim()).slice(0, 500) };
}

async function ensureCron(t: SshTarget): Promise<CronOutcome> {
  const w = await sshEngine().runScript(t, cronEnsureScript(), { sudo: true, timeoutMs: COMMAND_TIMEOUT_MS });
  check(w, "Adding the auto-update line to root's crontab");
  const outcome = parseCronOutcome(w.stdout);
  if (!outcome) throw new ActionFailure("failed", msg`the node did not confirm the crontab change`);
  return { ...outcome, removedLines: outcome.removedLines.map((l) => redactText(l).slice(0, 200)) };
}

/** The `auto-update` kind on one node (see the file comment). A failure on the node is a failed step with evidence (what was done before it, the reads), never a throw. */
export async function autoUpdateStep(ctx: StepContext): Promise<StepResult> {
  const opCtx: Ctx = { actor: ctx.createdBy, requestId: `job:${ctx.jobId}:${ctx.itemId}` };
  let canonical: CanonicalAutoUpdate;
  try {
    canonical = loadCanonicalAutoUpdate();
  } catch (e) {
    return failed(msg`${said(e)} Nothing was changed.`, { phase: "assets" });
  }
  const release = await lockFor(ctx, `rollout ${ctx.jobId}: install/refresh auto-update`, LOCK_TTL_MS).catch((e) => e as Error);
  if (release instanceof Error) return failed(msg`the node is locked: ${said(release)}`, { phase: "pre-check" });
  const evidence: Record<string, unknown> = { canonicalMd5: canonical.md5, source: canonical.configured ? canonical.source : "k2ops deploy assets", resumed: ctx.resumed, attempt: ctx.attempt };
  try {
    await ctx.progress(ctx.resumed ? "re-checking" : "pre-check");
    let now: AutoUpdateState;
    try {
      now = await readState(ctx.nodeIpv4, "rollout.auto-update.pre-check", opCtx, "The pre-check");
    } catch (e) {
      return failed(msg`pre-check: ${said(e)}`, { ...evidence, phase: "pre-check" });
    }
    evidence.before = now;
    if (ctx.before) evidence.firstBefore = ctx.before;
    const refusal = autoUpdateRefusal(now);
    if (refusal) return failed(refusal, { ...evidence, phase: "pre-check" });
    if (!ctx.before) await ctx.recordBefore(now);

    const needsFile = now.md5 !== canonical.md5 || !now.executable;
    const needsCron = now.cronLines !== 1 || now.otherLines !== 0;
    // what this attempt changed (filled in as it goes: a failure half-way says what was done)
    const done: { pushed: ScriptOutcome | null; cron: CronOutcome | null } = { pushed: null, cron: null };
    try {
      await onNode(ctx.nodeIpv4, { name: "rollout.auto-update", mutating: false, ctx: opCtx }, async (t) => {
        if (needsFile) {
          await ctx.progress("pushing");
          const p = await pushScript(t, canonical);
          done.pushed = p.outcome;
          evidence.push = p.raw;
        }
        if (needsCron) {
          await ctx.progress("cron");
          done.cron = await ensureCron(t);
          evidence.cron = done.cron;
        }
      });
    } catch (e) {
      const phase = needsCron && (done.pushed || !needsFile) ? "cron" : "push";
      return failed(done.pushed ? msg`${AUTO_UPDATE_TARGET}: ${describeFile(now, done.pushed)}; ${said(e)}` : said(e), { ...evidence, phase });
    }

    // the independent check: what the node has now, read afresh
    await ctx.progress("verifying");
    let after: AutoUpdateState;
    try {
      after = await readState(ctx.nodeIpv4, "rollout.auto-update.verify", opCtx, "The verification read");
    } catch (e) {
      return failed(msg`${describeFile(now, done.pushed)} + ${describeCron(now, done.cron)}, but the verification could not read the node: ${said(e)}`, { ...evidence, phase: "verify" });
    }
    evidence.after = after;
    const words = `${describeFile(now, done.pushed)} + ${describeCron(now, done.cron)}`;
    evidence.outcome = words;
    const problems = autoUpdateProblemsOnNode(after, canonical.md5);
    if (problems.length) return failed(msg`${words}, but the verification failed: ${listOf(problems)}`, { ...evidence, phase: "verify" });
    await ctx.progress("healthy");
    return {
      status: "succeeded",
      summary: ctx.resumed
        ? msg`${words}; verified: ${AUTO_UPDATE_TARGET} md5 ${short(after.md5)} (canonical), executable; the 04:00 cron line is in root's crontab once (resumed step)`
        : msg`${words}; verified: ${AUTO_UPDATE_TARGET} md5 ${short(after.md5)} (canonical), executable; the 04:00 cron line is in root's crontab once`,
      evidence,
    };
  } finally {
    await release();
  }
}

/**
 * The dry run: every command a node of this kind receives, in order (the two
 * changes only when the pre-check finds them needed). The canonical script is
 * named by md5; when it cannot be loaded, the first line says so (every node
 * step would then fail before touching its node).
 */
export function autoUpdateDryRun(env: Record<string, string | undefined> = process.env): string[] {
  let md5: string;
  let bytes: number;
  try {
    const c = loadCanonicalAutoUpdate(env);
    md5 = c.md5;
    bytes = Buffer.byteLength(c.text);
  } catch (e) {
    return [`NOT AVAILABLE: ${message(e)} Every node step would fail without changing its node.`];
  }
  return [
    `pre-check (read only): ${AUTO_UPDATE_READ}`,
    `only when the node's ${AUTO_UPDATE_TARGET} does not have md5 ${md5} or is not executable: sudo -n bash -s  (stdin: the canonical auto-update.sh as base64, ${bytes} bytes; DIR-migration guard; md5 checked on the node before it replaces the file; chmod 755, owner root; restarts nothing)`,
    `only when root's crontab does not have the line exactly once: sudo -n bash -s  (stdin: root's crontab read whole, then written back with \`${AUTO_UPDATE_CRON_LINE}\` exactly once; other lines kept, other lines running the script removed)`,
    `verification (read only): ${AUTO_UPDATE_READ}  (passes only with md5 ${md5}, executable, the cron line exactly once)`,
  ];
}
