import { db } from "@/lib/db";
import { ActionFailure, errorSentence } from "@/lib/errors";
import { msg, textOf, type Text } from "@/lib/text";
import { cmd, deployDir, fixedPath, imageTag } from "@/lib/guardrails/command";
import { acquireNodeLock, NodeBusyError, type Release } from "@/lib/guardrails/lock";
import type { StepContext, StepResult } from "@/lib/jobs/kinds";
import { composePushScript, loadCanonicalCompose, parsePushOutcome } from "@/lib/node-ops/compose";
import { sshEngine } from "@/lib/node-ops/engine";
import { envApplyScript } from "@/lib/node-ops/env-apply";
import { check, onNode, type Ctx } from "@/lib/node-ops/ops";
import { redactText } from "@/lib/redact";
import { redactedSentence } from "@/lib/redact/text";
import type { ExecResult, SshTarget } from "@/lib/ssh/engine";
import type { RolloutParams, Strategy } from "./strategy";

// One node's part of a rollout (runbook §5 made safe): pre-check (what it runs
// now, recorded durably before anything changes), the change (compose push,
// pull of the pinned tag BEFORE .env changes, .env, up -d --remove-orphans;
// never down), the health gate (the §6 checklist passing and staying passing
// for the minimum healthy time, within the healthy deadline), and, when the gate
// fails, the auto-revert to what it ran before, verified the same way.
//
// A step resumed after its worker died (ctx.resumed) re-reads the node first:
// already on the target tag -> straight to the gate; otherwise the change is
// made again from the recorded `before` (every part of it is idempotent).

const DIR = "/apps/k2s" as const;
const COMPOSE_BACKUP = "/apps/k2s/.docker-compose.yml.k2ops-prev";

/** What the node ran before the change (JobItem.before). `tag` null = .env had no K2_VERSION line. */
export type Before = { tag: string | null; runningTag: string | null; composeMd5: string | null; composeBackedUp: boolean };

/**
 * The node as the pre-check reads it (no secret is read: one variable of .env, a checksum, image names).
 * `k2sPaused`: k2s is paused, i.e. the node is cut by the meter's enforcer (§4.5, §4.9); `k2sTag`: k2s's image tag.
 */
export type NodeNow = { tag: string | null; runningTag: string | null; composeMd5: string | null; hasDir: boolean; project: string | null; k2sPaused: boolean; k2sTag: string | null };

const PRECHECK = cmd`cd / && { sudo sed -n 's/^K2_VERSION=//p' /apps/k2s/.env 2>/dev/null | tail -n 1 | sed 's/^/tag=/'; md5sum /apps/k2s/docker-compose.yml 2>/dev/null | sed 's/ .*//; s/^/md5=/'; docker inspect --format 'image={{.Config.Image}}' k2-sidecar 2>/dev/null; docker inspect --format 'project={{index .Config.Labels "com.docker.compose.project"}}' k2-sidecar 2>/dev/null; docker inspect --format 'k2simage={{.Config.Image}} paused={{.State.Paused}}' k2s 2>/dev/null; test -d /apps/k2s && echo dir=yes; true; }`;

/** Parses the pre-check's `key=value` lines. */
export function parseNodeNow(out: string): NodeNow {
  const get = (k: string) => new RegExp(`^${k}=(.*)$`, "m").exec(out)?.[1]?.trim() || null;
  const tagOf = (image: string | null | undefined) => (image?.includes(":") ? image.slice(image.lastIndexOf(":") + 1) : null);
  const k2s = /^k2simage=(\S*) paused=(\S+)$/m.exec(out);
  return { tag: get("tag"), runningTag: tagOf(get("image")), composeMd5: get("md5"), hasDir: get("dir") === "yes", project: get("project"), k2sPaused: k2s?.[2] === "true", k2sTag: tagOf(k2s?.[1]) };
}

/**
 * The `up -d` of a change: the whole stack (`--remove-orphans`), or only
 * k2-sidecar. Only the sidecar on a cut node (k2s paused by the meter: Compose
 * refuses to start a paused container, and recreating k2s would run it
 * unpaused until the enforcer pauses it again; the cutoff is the meter's
 * decision) and whenever only the sidecar's .env is being applied.
 */
export function upCommand(only: "k2-sidecar" | null) {
  return only ? cmd`cd ${deployDir(DIR)} && sudo docker compose up -d k2-sidecar` : cmd`cd ${deployDir(DIR)} && sudo docker compose up -d --remove-orphans`;
}

/**
 * The checklist failed for one reason only: k2s is paused (the traffic
 * cutoff), with the sidecar healthy and every other check passing. On a node
 * that was cut before the change (and whose k2s the change did not touch) this
 * is the node as the meter wants it, not a failed change.
 */
export function failsOnlyByCutoff(v: { status: string; failingChecks?: string[]; checks?: { key: string; observed?: string | null }[] }): boolean {
  if (v.status !== "fail" || v.failingChecks?.length !== 1 || v.failingChecks[0] !== "containers") return false;
  const observed = v.checks?.find((c) => c.key === "containers")?.observed ?? "";
  return /^k2s [^;]* — traffic cutoff$/.test(observed);
}

export async function readNow(ipv4: string, opCtx: Ctx): Promise<NodeNow> {
  return onNode(ipv4, { name: "rollout.pre-check", mutating: false, ctx: opCtx }, async (t) => {
    const r = await sshEngine().exec(t, PRECHECK, { timeoutMs: 60_000 });
    check(r, "The pre-check");
    return parseNodeNow(r.stdout);
  });
}

/** The step's node lock for its whole length (change + gate + revert); a lock left by this step's dead attempt is taken over. */
export async function lockFor(ctx: StepContext, operation: string, ttlMs: number): Promise<Release> {
  const holder = `job:${ctx.jobId}:${ctx.itemId}`;
  if (ctx.resumed) await db().nodeLock.deleteMany({ where: { nodeIpv4: ctx.nodeIpv4, holder } });
  try {
    return await acquireNodeLock(ctx.nodeIpv4, { holder, operation, actor: ctx.createdBy, ttlMs });
  } catch (e) {
    if (e instanceof NodeBusyError) throw new ActionFailure("busy", e.message);
    throw e;
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

/** `cut`: the gate passed with k2s paused by the traffic cutoff (allowed only with `acceptCut`). */
export type GateResult = { passed: boolean; cut?: boolean; checks: number; elapsedMs: number; last: string; history: { at: string; status: string; detail: string }[] };

/**
 * The health gate: the §6 checklist, again and again, until it has passed
 * continuously for `minHealthySeconds` (pass) or `healthyDeadlineSeconds` have
 * gone by (not passed). A fail or unknown resets the healthy clock; unknown is
 * never a pass. With `acceptCut` (a cut node whose k2s the change left alone),
 * a checklist that fails only because k2s is paused counts as passing (`cut`).
 */
export async function healthGate(ipv4: string, s: Pick<Strategy, "minHealthySeconds" | "healthyDeadlineSeconds">, meta: { triggeredBy: string; jobId: string; signal?: AbortSignal; acceptCut?: boolean }): Promise<GateResult> {
  const { verifyNode } = await import("@/lib/node-ops/verify");
  const t0 = Date.now();
  const deadline = t0 + s.healthyDeadlineSeconds * 1000;
  const pause = Math.max(1000, Math.min(10_000, (s.minHealthySeconds * 1000) / 3));
  let healthySince: number | null = null;
  const history: GateResult["history"] = [];
  for (;;) {
    const v = await verifyNode(ipv4, { triggeredBy: meta.triggeredBy, jobId: meta.jobId, signal: meta.signal });
    const now = Date.now();
    const cut = !!meta.acceptCut && failsOnlyByCutoff(v);
    const detail = v.status === "error" ? v.error : v.status === "pass" ? "pass" : cut ? "pass apart from k2s paused by the traffic cutoff" : v.status === "fail" ? `fail: ${v.failingChecks.join(", ")}` : `unknown: ${v.checks.filter((c) => c.status === "unknown").map((c) => c.key).join(", ")}`;
    history.push({ at: new Date(now).toISOString(), status: v.status, detail: redactText(detail).slice(0, 300) });
    if (history.length > 40) history.splice(1, 1);
    if (v.status === "pass" || cut) {
      healthySince ??= now;
      if (now - healthySince >= s.minHealthySeconds * 1000) return { passed: true, cut, checks: history.length, elapsedMs: now - t0, last: detail, history };
    } else healthySince = null;
    if (now >= deadline || meta.signal?.aborted) return { passed: false, checks: history.length, elapsedMs: now - t0, last: detail, history };
    await sleep(Math.min(pause, Math.max(0, deadline - now)), meta.signal);
  }
}

/** Time limit of one change command on a node (pull, up -d), ms: K2OPS_ROLLOUT_COMMAND_TIMEOUT_MS, default 10 min. */
const commandTimeoutMs = () => Number(process.env.K2OPS_ROLLOUT_COMMAND_TIMEOUT_MS ?? 10 * 60_000);

export async function exec(t: SshTarget, command: Parameters<ReturnType<typeof sshEngine>["exec"]>[1], what: string, timeoutMs = commandTimeoutMs()): Promise<ExecResult> {
  const r = await sshEngine().exec(t, command, { timeoutMs });
  check(r, what);
  return r;
}

async function setTag(t: SshTarget, tag: string | null): Promise<void> {
  const r = await sshEngine().runScript(t, envApplyScript(DIR, [{ key: "K2_VERSION", value: tag }]), { sudo: true, timeoutMs: 60_000 });
  check(r, "Setting K2_VERSION in .env");
}

/** The update's change on the node: compose (backed up first), pull of the new tag with .env untouched, .env, up -d (only k2-sidecar on a cut node). */
async function applyUpdate(ctx: StepContext, p: Extract<RolloutParams, { kind: "update" }>, before: Before, opCtx: Ctx, cut: boolean): Promise<void> {
  await onNode(ctx.nodeIpv4, { name: "rollout.update", mutating: false, ctx: opCtx }, async (t) => {
    if (p.pushCompose) {
      await ctx.progress("pushing");
      // the compose it ran before, kept on the node for the revert (only from the first attempt: a resumed step must not back up its own push)
      if (!before.composeBackedUp) throw new Error("internal: compose backup not recorded");
      await stage("push", async () => {
        const w = await sshEngine().runScript(t, composePushScript(loadCanonicalCompose(), t.user ?? process.env.K2OPS_SSH_USER ?? "ubuntu"), { sudo: true, timeoutMs: 60_000 });
        if (w.code === 4) throw new ActionFailure("conflict", redactText(w.stderr.trim()));
        check(w, "Pushing the compose file");
        if (!parsePushOutcome(w.stdout)) throw new ActionFailure("failed", "the node did not confirm the compose push");
      });
    }
    await ctx.progress("pulling");
    // the new images first, .env untouched: a tag the registry does not have changes nothing
    await stage("pull", () => exec(t, cmd`cd ${deployDir(DIR)} && sudo env K2_VERSION=${imageTag(p.targetTag)} docker compose pull`, "docker compose pull of the new tag"));
    await ctx.progress("recreating");
    await stage("env", () => setTag(t, p.targetTag));
    await stage("up", () => exec(t, upCommand(cut ? "k2-sidecar" : null), cut ? "docker compose up -d k2-sidecar (k2s paused by the traffic cutoff)" : "docker compose up -d --remove-orphans"));
  });
}

/** Back to what the node ran before: compose from the backup, K2_VERSION as it was (line removed if there was none), up -d (only k2-sidecar on a cut node). */
async function revertUpdate(ctx: StepContext, before: Before, pushed: boolean, opCtx: Ctx, cut: boolean): Promise<void> {
  await onNode(ctx.nodeIpv4, { name: "rollout.revert", mutating: false, ctx: opCtx }, async (t) => {
    if (pushed && before.composeBackedUp) await restoreCompose(t);
    await setTag(t, before.tag);
    // the previous images are still on the node: no pull
    await exec(t, upCommand(cut ? "k2-sidecar" : null), cut ? "docker compose up -d k2-sidecar (revert; k2s paused by the traffic cutoff)" : "docker compose up -d (revert)");
  });
}
const COMPOSE_TARGET = "/apps/k2s/docker-compose.yml";
const backupPath = () => fixedPath(COMPOSE_BACKUP, [COMPOSE_BACKUP]);
const composePath = () => fixedPath(COMPOSE_TARGET, [COMPOSE_TARGET]);

/** A failure of one stage of the change: before `env` nothing but the compose changed (and that is restored). */
class StageError extends Error {
  /** the cause's sentence (a k2ops error's, translatable) */
  readonly said: string | Text;
  constructor(
    readonly stage: "push" | "pull" | "env" | "up",
    cause: unknown,
  ) {
    super(message(cause));
    this.said = errorSentence(cause);
  }
}
async function stage<T>(name: StageError["stage"], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new StageError(name, e);
  }
}

/** The compose file the node ran before, back from its backup on the node. */
async function restoreCompose(t: SshTarget): Promise<void> {
  await exec(t, cmd`sudo cp -p ${backupPath()} ${composePath()}`, "Restoring the previous compose file", Math.min(60_000, commandTimeoutMs()));
}

async function backupCompose(ctx: StepContext, opCtx: Ctx): Promise<void> {
  await onNode(ctx.nodeIpv4, { name: "rollout.backup", mutating: false, ctx: opCtx }, async (t) => {
    await exec(t, cmd`sudo cp -p ${composePath()} ${backupPath()}`, "Keeping the current compose file for a revert", 60_000);
  });
}

/** A failed step: `error` a sentence (said in the reader's language) or a plain line, redacted. */
export function failed(error: string | Text, evidence?: unknown): StepResult {
  return { status: "failed", error: redactedSentence(error), evidence };
}

export const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** What an error says to the operator: a stage's cause, a k2ops error's sentence, else its message. */
export const said = (e: unknown): string | Text => (e instanceof StageError ? e.said : errorSentence(e));

/** The `update` kind: one node from pre-check to gate (and revert). */
export async function updateStep(ctx: StepContext, p: Extract<RolloutParams, { kind: "update" }>, s: Strategy): Promise<StepResult> {
  const opCtx: Ctx = { actor: ctx.createdBy, requestId: `job:${ctx.jobId}` };
  const meta = { triggeredBy: `rollout ${ctx.jobId}`, jobId: ctx.jobId, signal: undefined, acceptCut: false };
  await ctx.progress(ctx.resumed ? "re-checking" : "pre-check");
  let now: NodeNow;
  try {
    now = await readNow(ctx.nodeIpv4, opCtx);
  } catch (e) {
    return failed(msg`pre-check: ${said(e)}`, { phase: "pre-check" });
  }
  if (!now.hasDir || now.project === "kaitu-slave") return failed(msg`DIR-migration guard: the node does not run from /apps/k2s; nothing was changed`, { phase: "pre-check", now });
  let before = ctx.before as Before | null;
  const release = await lockFor(ctx, `rollout ${ctx.jobId}: update to ${p.targetTag}`, (s.healthyDeadlineSeconds * 2 + 1800) * 1000).catch((e) => e as Error);
  if (release instanceof Error) return failed(msg`the node is locked: ${said(release)}`, { phase: "pre-check" });
  try {
    if (!before) {
      before = { tag: now.tag, runningTag: now.runningTag, composeMd5: now.composeMd5, composeBackedUp: false };
      if (p.pushCompose && now.composeMd5) {
        await backupCompose(ctx, opCtx);
        before.composeBackedUp = true;
      }
      await ctx.recordBefore(before);
    }
    // cut by the meter (k2s paused): only the sidecar is recreated; k2s stays paused, untouched, and the gate allows that
    const cut = now.k2sPaused;
    meta.acceptCut = cut;
    const evidence: Record<string, unknown> = { before, resumed: ctx.resumed, attempt: ctx.attempt, ...(cut ? { cut: { k2sPaused: true, k2sTag: now.k2sTag } } : {}) };
    // resumed: what the dead attempt got done decides; a node already on the target goes straight to its gate
    const onTarget = now.tag === p.targetTag && now.runningTag === p.targetTag && (!p.pushCompose || now.composeMd5 === loadCanonicalCompose().md5);
    if (ctx.resumed && onTarget) evidence.resumedAt = "the node already ran the target: gate only";
    else {
      try {
        await applyUpdate(ctx, p, before, opCtx, cut);
      } catch (e) {
        // unreachable before the change, or a stage that failed: which one decides what is left to undo
        const m = said(e);
        const changed = e instanceof StageError && (e.stage === "env" || e.stage === "up");
        // a failed push or pull changed nothing but the compose (restored); after .env changed, the node goes back
        if (!changed) {
          if (p.pushCompose && before.composeBackedUp) await revertCompose(ctx, opCtx).catch(() => undefined);
          return failed(before.tag ? msg`${m}; the node was left on ${before.tag}` : msg`${m}; the node was left on its previous tag`, { ...evidence, phase: "change" });
        }
        if (!s.autoRevert) return failed(m, { ...evidence, phase: "change" });
        return revertAndVerify(ctx, s, before, p.pushCompose, opCtx, { ...evidence, phase: "change" }, cut, m);
      }
    }
    await ctx.progress("verifying");
    const gate = await healthGate(ctx.nodeIpv4, s, meta);
    evidence.gate = gate;
    if (gate.passed) {
      await ctx.progress("healthy");
      const timing = gateTiming(gate);
      if (cut) {
        const still = now.k2sTag ?? msg`on its previous image`;
        return { status: "succeeded", summary: msg`k2-sidecar on ${p.targetTag}; the node stays cut: k2s paused by the traffic cutoff, not recreated nor unpaused (still ${still}; it takes ${p.targetTag} at its next up -d once the cut is lifted); healthy apart from the cutoff for ${s.minHealthySeconds} s (${timing})`, evidence };
      }
      return { status: "succeeded", summary: msg`on ${p.targetTag}; healthy for ${s.minHealthySeconds} s (${timing})`, evidence };
    }
    const notPassed = msg`health gate not passed within ${s.healthyDeadlineSeconds} s: ${gate.last}`;
    if (!s.autoRevert) return failed(notPassed, evidence);
    return revertAndVerify(ctx, s, before, p.pushCompose, opCtx, evidence, cut, notPassed);
  } finally {
    await release();
  }
}

async function revertCompose(ctx: StepContext, opCtx: Ctx): Promise<void> {
  await onNode(ctx.nodeIpv4, { name: "rollout.revert", mutating: false, ctx: opCtx }, async (t) => {
    await restoreCompose(t);
  });
}

/** "N checks, S s": how long a passed health gate took. */
export const gateTiming = (gate: { checks: number; elapsedMs: number }): Text => msg`${gate.checks} checks, ${Math.round(gate.elapsedMs / 1000)} s`;

/** A reverted step's summary: back on `prev` (a tag, or "the previous tag"), healthy, perhaps apart from the cutoff. */
export const revertedSummary = (prev: string | Text, cutAccepted: boolean | undefined): Text =>
  cutAccepted ? msg`reverted to ${prev} (healthy apart from k2s paused by the traffic cutoff)` : msg`reverted to ${prev} (healthy)`;

/** `why`: what failed (the step's error); the evidence keeps its English text as `error`. */
async function revertAndVerify(ctx: StepContext, s: Strategy, before: Before, pushed: boolean, opCtx: Ctx, evidence0: Record<string, unknown>, cut: boolean, why: string | Text): Promise<StepResult> {
  const evidence = { ...evidence0, error: redactText(textOf(why).text) };
  const prev = before.tag ?? msg`the previous tag`;
  await ctx.progress("reverting");
  try {
    await revertUpdate(ctx, before, pushed, opCtx, cut);
  } catch (e) {
    return failed(msg`${why}; the revert to ${prev} failed too: ${said(e)}`, { ...evidence, revert: "failed" });
  }
  await ctx.progress("verifying revert");
  const gate = await healthGate(ctx.nodeIpv4, s, { triggeredBy: `rollout ${ctx.jobId} (revert)`, jobId: ctx.jobId, acceptCut: cut });
  if (!gate.passed) return failed(msg`${why}; reverted to ${prev} but it is not healthy either: ${gate.last}`, { ...evidence, revertGate: gate });
  return { status: "reverted", summary: revertedSummary(prev, gate.cut), error: redactedSentence(why), evidence: { ...evidence, revertGate: gate } };
}

/**
 * The `restart-sidecar` kind: `up -d k2-sidecar` (applies its .env; never `restart`), then the gate. k2s is
 * never touched, so on a cut node (k2s paused by the meter) a checklist failing only on that pause passes the
 * gate, and the outcome says the node is still cut.
 */
export async function restartSidecarStep(ctx: StepContext, s: Strategy): Promise<StepResult> {
  const opCtx: Ctx = { actor: ctx.createdBy, requestId: `job:${ctx.jobId}` };
  const release = await lockFor(ctx, `rollout ${ctx.jobId}: up -d k2-sidecar`, (s.healthyDeadlineSeconds + 1800) * 1000).catch((e) => e as Error);
  if (release instanceof Error) return failed(msg`the node is locked: ${said(release)}`);
  try {
    await ctx.progress("recreating");
    try {
      await onNode(ctx.nodeIpv4, { name: "rollout.restart-sidecar", mutating: false, ctx: opCtx }, async (t) => {
        await exec(t, upCommand("k2-sidecar"), "docker compose up -d k2-sidecar");
      });
    } catch (e) {
      return failed(said(e));
    }
    await ctx.progress("verifying");
    const gate = await healthGate(ctx.nodeIpv4, s, { triggeredBy: `rollout ${ctx.jobId}`, jobId: ctx.jobId, acceptCut: true });
    if (!gate.passed) return failed(msg`health gate not passed: ${gate.last}`, { gate });
    return { status: "succeeded", summary: gate.cut ? msg`sidecar recreated with its .env; healthy; the node is cut: k2s paused by the traffic cutoff (k2s was not touched)` : msg`sidecar recreated with its .env; healthy`, evidence: { gate } };
  } finally {
    await release();
  }
}

/** The `push-compose` kind (deploy-compose.sh): md5 compared first, restarts nothing. */
export async function pushComposeStep(ctx: StepContext): Promise<StepResult> {
  const { pushCompose } = await import("@/lib/node-ops/ops");
  await ctx.progress("pushing");
  try {
    const r = await pushCompose(ctx.nodeIpv4, { apply: false }, { actor: ctx.createdBy, requestId: `job:${ctx.jobId}:${ctx.itemId}` });
    return { status: "succeeded", summary: r.summary, evidence: { outcome: r.parsed.outcome, md5: r.parsed.md5 } };
  } catch (e) {
    return failed(said(e));
  }
}

/** The `dir-migration` kind: the documented migration (its own lock, checks and rollback). */
export async function dirMigrationStep(ctx: StepContext): Promise<StepResult> {
  const { migrateDeployDir } = await import("@/lib/node-ops/migrate");
  await ctx.progress(ctx.resumed ? "re-checking" : "migrating");
  try {
    const r = await migrateDeployDir(ctx.nodeIpv4, { actor: ctx.createdBy, requestId: `job:${ctx.jobId}:${ctx.itemId}` });
    const ok = r.parsed.check.status === "pass";
    return ok ? { status: "succeeded", summary: r.summary } : failed(r.summary, { check: r.parsed.check });
  } catch (e) {
    return failed(said(e));
  }
}
