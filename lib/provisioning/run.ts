import { z } from "zod";
import type { CenterClient } from "@/lib/center/client";
import { db } from "@/lib/db";
import { ActionFailure, errorSentence } from "@/lib/errors";
import { createJob, isUnfinishedJob, startJob } from "@/lib/jobs";
import { defineJobKind, type StepContext, type StepResult } from "@/lib/jobs/kinds";
import type { LightsailWrapper } from "@/lib/lightsail/client";
import type { SshEngine } from "@/lib/ssh/engine";
import { isText, msg, textOf, type Text } from "@/lib/text";
import { redactText } from "@/lib/redact";
import { redactedSentence, redactedText } from "@/lib/redact/text";
import { heldRun, LEASE_MS, leaseOwnerName } from "./claim";
import { ensureVps } from "./create-vps";
import { prepareOs } from "./os-step";
import { awaitRegistration, deployStack, verifyProvisioned, writeNodeEnv } from "./node-steps";
import { CHANGE_IP_STEPS, moveAddress, reregister, verifyChangedIp, type ChangeIpStep } from "./change-ip";

// The wizard's steps after the operator's choices (issue #14 steps 3-8) as ONE
// durable job of kind "provision" with a single item, the node-to-be
// (pn-<subId>). The job engine persists and resumes it: a console killed mid-step
// leaves the item "running", and the next sweep runs it again (attempt 2) from
// the run's recorded step; every step is idempotent (step 3 looks its instance up
// by name before creating one). While a step runs, this process holds the run's
// lease (ProvisionRun.leaseOwner/leaseUntil) and renews it; another process finds
// it held and does not work the run twice.

export const PROVISION_JOB_KIND = "provision";
/** The job kind of a change_ip item's run (its steps: CHANGE_IP_STEPS). */
export const CHANGE_IP_JOB_KIND = "change-ip";

/** The wizard's steps in order (provisioning.md Steps 1-7); `os`, `env`, `deploy`, `register`, `verify` follow create-vps. */
export const WIZARD_STEPS = ["claim", "choose", "create-vps", "os", "env", "deploy", "register", "verify"] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];
/** Steps the job runs (steps 1-2 are the operator's, on the page). */
export const BUILT_JOB_STEPS: readonly WizardStep[] = ["create-vps", "os", "env", "deploy", "register", "verify"];

/** A step's record on the run; `summaryText`/`errorText`: the same as sentences (lib/text, redacted), said in each reader's language. */
export type StepState = { status: "running" | "succeeded" | "failed"; startedAt: string; finishedAt?: string; summary?: string; error?: string; summaryText?: Text; errorText?: Text; attempt?: number };

const paramsSchema = z.object({ operationId: z.number().int().positive() });

type RunStep = WizardStep | ChangeIpStep;
/** The steps a job runs for a run of `action`, in order. */
export const jobStepsOf = (action: string): readonly RunStep[] => (action === "change_ip" ? CHANGE_IP_STEPS : BUILT_JOB_STEPS);
type StepRunner = (operationId: number, d: Deps, signal: AbortSignal, progress: (line: string) => Promise<void>, createdBy: string) => Promise<{ summary: string | Text }>;
const needSsh = (d: Deps): SshEngine => {
  if (!d.ssh) throw new ActionFailure("failed", "no SSH key is configured in this console (K2OPS_SSH_KEY_PATH): the machine cannot be reached");
  return d.ssh();
};
/** What each built step runs; each is idempotent (safe to run again after a crash). */
const STEP_RUNNERS: Partial<Record<RunStep, StepRunner>> = {
  "create-vps": (id, d, signal, progress) => ensureVps(id, { center: d.center, lightsail: d.lightsail, signal, progress }),
  os: (id, d, signal, progress) => prepareOs(id, { ssh: needSsh(d), user: d.sshUser, signal, progress }),
  env: (id, d, signal, progress) => writeNodeEnv(id, { ssh: needSsh(d), center: d.center, signal, progress }),
  deploy: (id, d, signal, progress) => deployStack(id, { ssh: needSsh(d), center: d.center, signal, progress }),
  register: (id, d, signal, progress) => awaitRegistration(id, { ssh: needSsh(d), center: d.center, signal, progress, ...d.timing }),
  verify: (id, d, signal, progress, createdBy) => verifyProvisioned(id, { ssh: needSsh(d), center: d.center, signal, progress, triggeredBy: createdBy, ...d.timing }),
  "move-ip": (id, d, signal, progress) => moveAddress(id, { center: d.center, lightsail: d.lightsail, signal, progress, pollMs: d.timing?.pollMs }),
  reregister: (id, d, signal, progress, createdBy) => reregister(id, { center: d.center, lightsail: d.lightsail, ssh: needSsh(d), signal, progress, actor: createdBy, pollMs: d.timing?.pollMs, registerWaitMs: d.timing?.registerWaitMs }),
  "verify-ip": (id, d, signal, progress, createdBy) => verifyChangedIp(id, { center: d.center, lightsail: d.lightsail, ssh: needSsh(d), signal, progress, triggeredBy: createdBy, ...d.timing }),
};

/** The clients the steps use; `ssh` is asked for only by the steps that reach the machine. */
type Deps = {
  center: CenterClient;
  lightsail: LightsailWrapper;
  ssh?: () => SshEngine;
  sshUser?: string;
  /** tests shorten the waits (registration poll, checklist re-reads) */
  timing?: { pollMs?: number; registerWaitMs?: number; attempts?: number; everyMs?: number };
};
let depsOverride: (() => Deps) | null = null;

/** Tests and the bench give the kind their clients; the console uses KAITU_CENTER_URL and the Lightsail environment. */
export function setProvisionDeps(fn: (() => Deps) | null): void {
  depsOverride = fn;
}

async function deps(): Promise<Deps> {
  if (depsOverride) return depsOverride();
  const { centerClientFromEnv } = await import("@/lib/center/client");
  const { lightsailClientFromEnv } = await import("@/lib/lightsail/client");
  const { sshEngine } = await import("@/lib/node-ops/engine");
  return { center: centerClientFromEnv(), lightsail: lightsailClientFromEnv(), ssh: sshEngine };
}

async function markStep(operationId: number, step: RunStep, state: StepState): Promise<void> {
  // read-modify-write under the run's row lock: two steps never race on the JSON
  await db().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT "operationId" FROM "ProvisionRun" WHERE "operationId" = ${operationId} FOR UPDATE`;
    const run = await tx.provisionRun.findUnique({ where: { operationId }, select: { steps: true } });
    const steps = { ...((run?.steps as Record<string, StepState> | null) ?? {}), [step]: { ...state, ...(state.error ? { error: redactText(state.error).slice(0, 500) } : {}) } };
    await tx.provisionRun.update({ where: { operationId }, data: { steps: steps as object } });
  });
}

/** Takes the run's lease for this process; false when another live process holds it (`force`: take it regardless). */
async function takeLease(operationId: number, owner: string, o: { force?: boolean } = {}): Promise<boolean> {
  const now = new Date();
  const r = await db().provisionRun.updateMany({
    where: { operationId, ...(o.force ? {} : { OR: [{ leaseOwner: null }, { leaseUntil: null }, { leaseUntil: { lt: now } }, { leaseOwner: owner }] }) },
    data: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + LEASE_MS) },
  });
  return r.count === 1;
}

const FINISHED_UNRECORDED = (() => {
  const t = msg`finished (the console process that ran it stopped before recording its summary)`;
  return { summary: t.text, summaryText: t };
})();
const CANCELLED_STEP = msg`cancelled while it ran; start the job again to resume this step`;

async function runSteps(ctx: StepContext): Promise<StepResult> {
  const { operationId } = paramsSchema.parse(ctx.params);
  const owner = leaseOwnerName();
  const run0 = await db().provisionRun.findUnique({ where: { operationId } });
  if (!run0 || !["claimed", "in_progress"].includes(run0.status)) return { status: "failed", error: msg`work item ${operationId} is no longer held by k2ops (${run0?.status ?? "no run"}): nothing was done` };
  // a resumed attempt takes over its dead predecessor's lease (the engine runs one attempt of an item at a time)
  const leased = ctx.resumed ? await takeLease(operationId, owner, { force: true }) : await takeLease(operationId, owner);
  if (!leased) {
    return { status: "failed", error: msg`work item ${operationId} is being worked by another console process (${run0.leaseOwner}, until ${run0.leaseUntil?.toISOString()}): nothing was done` };
  }
  const renew = setInterval(() => {
    void db()
      .provisionRun.updateMany({ where: { operationId, leaseOwner: owner }, data: { leaseUntil: new Date(Date.now() + LEASE_MS) } })
      .catch(() => undefined);
  }, LEASE_MS / 3);
  renew.unref?.();
  const d = await deps();
  const done: string[] = [];
  try {
    for (;;) {
      const run = await db().provisionRun.findUnique({ where: { operationId } });
      if (run?.status === "done") return { status: "succeeded", summary: done.join("; ") || (run.action === "change_ip" ? msg`the node has its new address, registered and verified` : msg`the node is provisioned, registered and verified`) };
      if (!run || !["claimed", "in_progress"].includes(run.status)) return { status: "failed", error: msg`work item ${operationId} stopped being held by k2ops (${run?.status ?? "gone"}) while its steps ran` };
      const step = run.step as RunStep;
      const jobSteps = jobStepsOf(run.action);
      const runner = jobSteps.includes(step) ? STEP_RUNNERS[step] : undefined;
      if (!runner) {
        const waiting = msg`the run waits at step "${step}", which is the operator's (on the wizard page)`;
        return { status: "succeeded", summary: done.length ? msg`${done.join("; ")}; ${waiting}` : waiting };
      }
      // a step advances the run itself before it is recorded: a process killed in between left it "running" though the run went past it
      const states = (run.steps as Record<string, StepState> | null) ?? {};
      for (const earlier of jobSteps.slice(0, jobSteps.indexOf(step))) {
        const st = states[earlier];
        if (st?.status === "running") await markStep(operationId, earlier, { ...st, status: "succeeded", finishedAt: new Date().toISOString(), ...FINISHED_UNRECORDED });
      }
      const startedAt = new Date().toISOString();
      await markStep(operationId, step, { status: "running", startedAt, attempt: ctx.attempt });
      await ctx.progress(step);
      try {
        const r = await runner(operationId, d, ctx.signal, (line) => ctx.progress(`${step}: ${line}`.slice(0, 200)), ctx.createdBy);
        const summary = textOf(r.summary).text;
        await markStep(operationId, step, { status: "succeeded", startedAt, finishedAt: new Date().toISOString(), summary, ...(isText(r.summary) ? { summaryText: redactedText(r.summary) } : {}), attempt: ctx.attempt });
        done.push(`${step}: ${summary}`);
      } catch (e) {
        // a cancel (or this worker stopping) is not the machine failing: Center is not told, the run stays at its step
        const cancelled = ctx.signal.aborted;
        const said = cancelled ? CANCELLED_STEP : redactedSentence(errorSentence(e));
        const error = textOf(said).text;
        await markStep(operationId, step, { status: "failed", startedAt, finishedAt: new Date().toISOString(), error, ...(isText(said) ? { errorText: said } : {}), attempt: ctx.attempt });
        if (cancelled) return { status: "failed", error: msg`${step}: ${CANCELLED_STEP}` };
        await db().provisionRun.update({ where: { operationId }, data: { lastError: error.slice(0, 500) } });
        // provisioning.md Step 8: Center hears of the failure (concise; the token and secret are never in it) —
        // but not after the node registered: Center applies any update, and `failed` would undo the registration's `done`
        if (step !== "verify" || run.action !== "provision") await d.center.updateNodeOperation(operationId, { status: "failed", error: `${step}: ${error}`.slice(0, 300) }, { timeoutMs: 15_000 }).catch(() => undefined);
        return { status: "failed", error: msg`${step}: ${said}` };
      }
    }
  } finally {
    clearInterval(renew);
    await db()
      .provisionRun.updateMany({ where: { operationId, leaseOwner: owner }, data: { leaseOwner: null, leaseUntil: null } })
      .catch(() => undefined);
  }
}

export const changeIpJobKind = defineJobKind({
  kind: CHANGE_IP_JOB_KIND,
  abortInFlightOnCancel: true,
  auditAction: () => "provisioning.change_ip.step",
  run: runSteps,
});

export const provisionJobKind = defineJobKind({
  kind: PROVISION_JOB_KIND,
  // a cancel stops a wait (the instance's pending state); a create in flight is looked up again on the next attempt
  abortInFlightOnCancel: true,
  auditAction: () => "provisioning.step",
  run: runSteps,
});


/**
 * Starts (or retries from its recorded step) the job that works the run of
 * `operationId`: one item, the node-to-be pn-<subId>. Returns the job id.
 * Errors (ActionFailure): not_found (k2ops holds no claim), conflict (step 2 not
 * confirmed; a job already works the run).
 */
export function startProvisionRun(operationId: number, opts: { createdBy: string; auditId?: string }): Promise<{ jobId: string; step: string }> {
  return startRun(operationId, "provision", opts);
}

/**
 * Starts (or retries from its recorded step) the job that works the confirmed
 * change_ip run of `operationId`: one item, the instance. Returns the job id.
 * Errors (ActionFailure): not_found (k2ops holds no claim), conflict (not
 * confirmed; a job already works the run).
 */
export function startChangeIpRun(operationId: number, opts: { createdBy: string; auditId?: string }): Promise<{ jobId: string; step: string }> {
  return startRun(operationId, "change_ip", opts);
}

async function startRun(operationId: number, action: "provision" | "change_ip", opts: { createdBy: string; auditId?: string }): Promise<{ jobId: string; step: string }> {
  const run = await heldRun(operationId, [action]);
  // the job's one item: the node-to-be (provision), the instance (change_ip)
  const choices = run.choices as { name?: string; instanceName?: string } | null;
  const item = action === "provision" ? choices?.name : choices?.instanceName;
  if (!item) throw new ActionFailure("conflict", action === "provision" ? msg`Work item ${operationId}: confirm step 2 (account, region, plan, image) first.` : msg`Work item ${operationId}: confirm the change (type the instance's name) first.`);
  if (run.jobId) {
    const job = await db().job.findUnique({ where: { id: run.jobId }, select: { status: true } });
    if (job && isUnfinishedJob(job.status)) throw new ActionFailure("conflict", msg`Work item ${operationId} is already being worked (job ${run.jobId}, ${job.status}).`);
  }
  const kind = action === "provision" ? PROVISION_JOB_KIND : CHANGE_IP_JOB_KIND;
  const jobId = await createJob({ kind, createdBy: opts.createdBy, auditId: opts.auditId, params: { operationId }, items: [{ nodeIpv4: item }], concurrency: 1, start: false });
  await db().provisionRun.update({ where: { operationId }, data: { jobId } });
  await startJob(jobId);
  return { jobId, step: run.step };
}
