import { db } from "@/lib/db";
import { isUnfinishedJob } from "@/lib/jobs";
import type { VpsRecord } from "./create-vps";
import { BUILT_JOB_STEPS, WIZARD_STEPS, type StepState, type WizardStep } from "./run";

// The wizard's stepper (issue #14): every step with its state, times and
// evidence, from the run (ProvisionRun.step/steps/vps) and the job working it.

export const STEP_LABELS: Record<WizardStep, string> = {
  claim: "1. Claim the work item",
  choose: "2. Choose account, region, plan, image",
  "create-vps": "3. Create the VPS",
  os: "4. Prepare the OS (provision-node.sh, SSH to 1022)",
  env: "5. Write .env on stdin",
  deploy: "6. Deploy the stack",
  register: "7. Wait for self-registration",
  verify: "8. Verify (checklist, reporter, Center)",
};

export type StepperStep = {
  key: WizardStep;
  label: string;
  /** done: finished; current: the run's step (running when a job works it); failed: its last attempt failed; todo: later; not-built: this version does not run it */
  state: "done" | "running" | "failed" | "current" | "todo" | "not-built";
  summary: string | null;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** elapsed ms (to now while running) */
  elapsedMs: number | null;
  attempt: number | null;
};

export type RunStepper = {
  operationId: number;
  step: string;
  status: string;
  steps: StepperStep[];
  vps: VpsRecord | null;
  job: { id: string; status: string; live: string | null } | null;
  /** the job can be started (or retried from the run's step) now */
  canStart: boolean;
  lastError: string | null;
};


/** The stepper of the run of `operationId`, or null when k2ops holds no run for it. `now` (ms) for elapsed times. */
export async function runStepper(operationId: number, now = Date.now()): Promise<RunStepper | null> {
  const run = await db().provisionRun.findUnique({ where: { operationId } });
  if (!run) return null;
  const job = run.jobId ? await db().job.findUnique({ where: { id: run.jobId }, select: { id: true, status: true, items: { select: { step: true, status: true }, take: 1 } } }) : null;
  const jobOpen = !!job && isUnfinishedJob(job.status);
  const states = (run.steps as Record<string, StepState> | null) ?? {};
  const at = WIZARD_STEPS.indexOf(run.step as WizardStep);
  const steps = WIZARD_STEPS.map((key, i): StepperStep => {
    const s = states[key];
    const current = i === at;
    let state: StepperStep["state"];
    if (i < at || run.status === "done") state = "done";
    else if (current && s?.status === "running" && jobOpen) state = "running";
    else if (current && s?.status === "failed") state = "failed";
    else if (i >= 2 && !BUILT_JOB_STEPS.includes(key)) state = "not-built";
    else state = current ? "current" : "todo";
    const start = s?.startedAt ?? null;
    const end = state === "running" ? null : (s?.finishedAt ?? null);
    return {
      key,
      label: STEP_LABELS[key],
      state,
      summary: s?.summary ?? null,
      error: s?.error ?? null,
      startedAt: start,
      finishedAt: end,
      elapsedMs: start ? (end ? Date.parse(end) : now) - Date.parse(start) : null,
      attempt: s?.attempt ?? null,
    };
  });
  const open = ["claimed", "in_progress"].includes(run.status);
  return {
    operationId,
    step: run.step,
    status: run.status,
    steps,
    vps: (run.vps as VpsRecord | null)?.ipv4 ? (run.vps as VpsRecord) : null,
    job: job ? { id: job.id, status: job.status, live: jobOpen ? (job.items[0]?.step ?? null) : null } : null,
    canStart: open && !!run.choices && !jobOpen && BUILT_JOB_STEPS.includes(run.step as WizardStep),
    lastError: run.lastError,
  };
}
