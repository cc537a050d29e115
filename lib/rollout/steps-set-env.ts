import type { StepContext, StepResult } from "@/lib/jobs/kinds";
import { envApplyScript, type EnvUpdate } from "@/lib/node-ops/env-apply";
import { sshEngine } from "@/lib/node-ops/engine";
import { check, onNode, type Ctx } from "@/lib/node-ops/ops";
import { redactText } from "@/lib/redact";
import { redactedSentence } from "@/lib/redact/text";
import { msg, textOf, type Text } from "@/lib/text";
import { exec, failed, gateTiming, healthGate, lockFor, readNow, revertedSummary, said, upCommand, type NodeNow } from "./steps";
import { enforcesAuth, type FleetEnvKey, type SetEnvParams } from "./set-env-schema";
import type { Strategy } from "./strategy";

// The `set-env` kind (update-compose.sh --set-env made safe): fleet-wide,
// non-secret .env settings, applied with `up -d` (never `restart`), gated and
// reverted like an update. The one the runbook cares most about is
// K2_ENFORCE_AUTH=1 (node-behavior.md §9.1): it is refused on any node whose
// users file is not empty (§6.5), fleet-wide at plan time and again on the node
// right before the change.

/** What the node had before (JobItem.before): each key's value in .env, null = no line. */
export type EnvBefore = { env: Record<string, string | null> };

/** A script (stdin) printing `KEY=value` or `KEY!` (no line) for each requested key: nothing else of .env leaves the node. */
export function readEnvKeysScript(keys: readonly FleetEnvKey[]): string {
  return ["set -u", 'f=/apps/k2s/.env', ...keys.map((k) => `v=$(sed -n 's/^${k}=//p' "$f" 2>/dev/null | tail -n 1); if grep -q '^${k}=' "$f" 2>/dev/null; then printf '%s=%s\\n' ${k} "$v"; else printf '%s!\\n' ${k}; fi`)].join("\n");
}

/** Parses readEnvKeysScript's output into key -> value (null = no line); a key missing from the output throws. */
export function parseEnvKeys(out: string, keys: readonly string[]): Record<string, string | null> {
  const res: Record<string, string | null> = {};
  for (const k of keys) {
    const line = out.split("\n").find((l) => l.startsWith(`${k}=`) || l === `${k}!`);
    if (line === undefined) throw new Error(`the node did not report ${k}`);
    res[k] = line === `${k}!` ? null : line.slice(k.length + 1);
  }
  return res;
}

const scriptOn = async (ipv4: string, opCtx: Ctx, name: string, script: string, what: string) =>
  onNode(ipv4, { name, mutating: false, ctx: opCtx }, async (t) => {
    const r = await sshEngine().runScript(t, script, { sudo: true, timeoutMs: 60_000 });
    check(r, what);
    return r.stdout;
  });

async function applyEnv(ctx: StepContext, updates: EnvUpdate[], opCtx: Ctx, cut: boolean, what: string): Promise<void> {
  await scriptOn(ctx.nodeIpv4, opCtx, `rollout.set-env`, envApplyScript("/apps/k2s", updates), `Writing ${updates.map((u) => u.key).join(", ")} to .env`);
  await onNode(ctx.nodeIpv4, { name: "rollout.set-env", mutating: false, ctx: opCtx }, async (t) => {
    await exec(t, upCommand(cut ? "k2-sidecar" : null), cut ? `docker compose up -d k2-sidecar (${what}; k2s paused by the traffic cutoff)` : `docker compose up -d --remove-orphans (${what})`);
  });
}

/**
 * One node of a `set-env` rollout: pre-check (deploy dir, cut or not, the keys'
 * current values recorded as `before`), the users-file gate for
 * K2_ENFORCE_AUTH=1, the .env edit on stdin, `up -d`, the health gate, and on a
 * failed gate the previous values back (line removed where there was none),
 * `up -d`, gated again. A resumed step applies the same values again (idempotent).
 */
export async function setEnvStep(ctx: StepContext, p: SetEnvParams, s: Strategy): Promise<StepResult> {
  const opCtx: Ctx = { actor: ctx.createdBy, requestId: `job:${ctx.jobId}` };
  const keys = p.env.map((e) => e.key);
  const label = p.env.map((e) => `${e.key}=${e.value}`).join(" ");
  await ctx.progress(ctx.resumed ? "re-checking" : "pre-check");
  let now: NodeNow;
  let current: Record<string, string | null>;
  try {
    now = await readNow(ctx.nodeIpv4, opCtx);
    current = parseEnvKeys(await scriptOn(ctx.nodeIpv4, opCtx, "rollout.pre-check", readEnvKeysScript(keys), "Reading the settings in .env"), keys);
  } catch (e) {
    return failed(msg`pre-check: ${said(e)}`, { phase: "pre-check" });
  }
  if (!now.hasDir || now.project === "kaitu-slave") return failed(msg`DIR-migration guard: the node does not run from /apps/k2s; nothing was changed`, { phase: "pre-check", now });
  if (enforcesAuth(p)) {
    const { readUsersFileEntries } = await import("@/lib/fleet-reports/users-file");
    const u = await readUsersFileEntries(ctx.nodeIpv4, { triggeredBy: `rollout ${ctx.jobId}` });
    if (!u.ok) return failed(msg`users-file gate: the users file could not be read (${u.reason}); K2_ENFORCE_AUTH=1 was not set`, { phase: "pre-check", usersFile: "unreadable" });
    if (u.entries > 0)
      return failed(u.entries === 1 ? msg`users-file gate: /apps/k2s/users has 1 entry; K2_ENFORCE_AUTH=1 was not set (empty it first: node-behavior §9.1)` : msg`users-file gate: /apps/k2s/users has ${u.entries} entries; K2_ENFORCE_AUTH=1 was not set (empty it first: node-behavior §9.1)`, { phase: "pre-check", usersFileEntries: u.entries });
  }
  const release = await lockFor(ctx, `rollout ${ctx.jobId}: set ${label}`, (s.healthyDeadlineSeconds * 2 + 1800) * 1000).catch((e) => e as Error);
  if (release instanceof Error) return failed(msg`the node is locked: ${said(release)}`, { phase: "pre-check" });
  try {
    let before = ctx.before as EnvBefore | null;
    if (!before) {
      before = { env: current };
      await ctx.recordBefore(before);
    }
    const cut = now.k2sPaused;
    const evidence: Record<string, unknown> = { before, resumed: ctx.resumed, attempt: ctx.attempt, ...(cut ? { cut: { k2sPaused: true } } : {}) };
    await ctx.progress("recreating");
    try {
      await applyEnv(ctx, p.env, opCtx, cut, label);
    } catch (e) {
      if (!s.autoRevert) return failed(said(e), { ...evidence, phase: "change" });
      return revert(ctx, s, before, opCtx, cut, { ...evidence, phase: "change" }, said(e));
    }
    await ctx.progress("verifying");
    const gate = await healthGate(ctx.nodeIpv4, s, { triggeredBy: `rollout ${ctx.jobId}`, jobId: ctx.jobId, acceptCut: cut });
    evidence.gate = gate;
    if (gate.passed) {
      await ctx.progress("healthy");
      const timing = gateTiming(gate);
      if (cut) return { status: "succeeded", summary: msg`${label} in .env, k2-sidecar recreated; the node stays cut: k2s paused by the traffic cutoff was not recreated (it takes the setting at its next up -d once the cut is lifted); healthy apart from the cutoff (${timing})`, evidence };
      return { status: "succeeded", summary: msg`${label} applied with up -d; healthy for ${s.minHealthySeconds} s (${timing})`, evidence };
    }
    const why = msg`health gate not passed within ${s.healthyDeadlineSeconds} s: ${gate.last}`;
    if (!s.autoRevert) return failed(why, evidence);
    return revert(ctx, s, before, opCtx, cut, evidence, why);
  } finally {
    await release();
  }
}

/** `why`: what failed (the step's error); the evidence keeps its English text as `error`. */
async function revert(ctx: StepContext, s: Strategy, before: EnvBefore, opCtx: Ctx, cut: boolean, evidence0: Record<string, unknown>, why: string | Text): Promise<StepResult> {
  const evidence = { ...evidence0, error: redactText(textOf(why).text) };
  const shown = Object.entries(before.env).map(([k, v]) => (v === null ? `no ${k}` : `${k}=${v}`)).join(" ");
  await ctx.progress("reverting");
  try {
    await applyEnv(ctx, Object.entries(before.env).map(([key, value]) => ({ key, value })), opCtx, cut, "revert");
  } catch (e) {
    return failed(msg`${why}; the revert to ${shown} failed too: ${said(e)}`, { ...evidence, revert: "failed" });
  }
  await ctx.progress("verifying revert");
  const gate = await healthGate(ctx.nodeIpv4, s, { triggeredBy: `rollout ${ctx.jobId} (revert)`, jobId: ctx.jobId, acceptCut: cut });
  if (!gate.passed) return failed(msg`${why}; reverted to ${shown} but it is not healthy either: ${gate.last}`, { ...evidence, revertGate: gate });
  return { status: "reverted", summary: revertedSummary(shown, gate.cut), error: redactedSentence(why), evidence: { ...evidence, revertGate: gate } };
}
