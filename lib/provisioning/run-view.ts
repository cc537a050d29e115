import { db } from "@/lib/db";
import type { Locale } from "@/lib/i18n/locales";
import { sayStored } from "@/lib/jobs/sentences";
import { isUnfinishedJob } from "@/lib/jobs";
import type { VpsRecord } from "./create-vps";
import { jobStepsOf, WIZARD_STEPS, type StepState, type WizardStep } from "./run";
import { CHANGE_IP_STEPS, type ChangeIpPlan, type ChangeIpStep } from "./change-ip";

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

/** A change_ip run's steps: the claim, the operator's typed-name confirmation, then the job's. */
export const CHANGE_IP_LABELS: Record<"claim" | "confirm" | ChangeIpStep, string> = {
  claim: "1. Claim the work item",
  confirm: "2. Confirm (type the instance's name)",
  "move-ip": "3. New static IP at Lightsail (allocate, swap, release the old one)",
  reregister: "4. Sidecar registers again from the new address",
  "verify-ip": "5. Verify at the new address (checklist; ownership at Center)",
};

/**
 * Each step's label as a catalog code (a key of the "provisioning" namespace):
 * the page's one source of the steps' words. STEP_LABELS and CHANGE_IP_LABELS
 * are their English (the catalog's en entries equal them; run-view.test.ts checks so).
 */
export const STEP_LABEL_CODES = {
  claim: "stepper.step.claim",
  choose: "stepper.step.choose",
  "create-vps": "stepper.step.createVps",
  os: "stepper.step.os",
  env: "stepper.step.env",
  deploy: "stepper.step.deploy",
  register: "stepper.step.register",
  verify: "stepper.step.verify",
  confirm: "stepper.step.confirm",
  "move-ip": "stepper.step.moveIp",
  reregister: "stepper.step.reregister",
  "verify-ip": "stepper.step.verifyIp",
} as const satisfies Record<WizardStep | keyof typeof CHANGE_IP_LABELS, string>;
export type StepLabelCode = (typeof STEP_LABEL_CODES)[keyof typeof STEP_LABEL_CODES];

export type StepperStep = {
  key: string;
  /** the step's label in English (an unknown step: its key) */
  label: string;
  /** the label as the page translates it (no values); null for a step this version does not know */
  labelCode: StepLabelCode | null;
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
  /** a change_ip run: what was confirmed and how far the address change got */
  changeIp: ChangeIpPlan | null;
  job: { id: string; status: string; live: string | null } | null;
  /** the job can be started (or retried from the run's step) now */
  canStart: boolean;
  lastError: string | null;
};


/** The stepper of the run of `operationId`, or null when k2ops holds no run for it. `now` (ms) for elapsed times; summaries and errors said in `locale` (default en). */
export async function runStepper(operationId: number, opts: { now?: number; locale?: Locale } = {}): Promise<RunStepper | null> {
  const { now = Date.now(), locale = "en" } = opts;
  const run = await db().provisionRun.findUnique({ where: { operationId } });
  if (!run) return null;
  const job = run.jobId ? await db().job.findUnique({ where: { id: run.jobId }, select: { id: true, status: true, items: { select: { step: true, status: true }, take: 1 } } }) : null;
  const jobOpen = !!job && isUnfinishedJob(job.status);
  const states = (run.steps as Record<string, StepState> | null) ?? {};
  const changeIp = run.action === "change_ip";
  const keys: readonly string[] = changeIp ? ["claim", "confirm", ...CHANGE_IP_STEPS] : WIZARD_STEPS;
  const labels: Record<string, string> = changeIp ? CHANGE_IP_LABELS : STEP_LABELS;
  const jobSteps: readonly string[] = jobStepsOf(run.action);
  // a claimed change_ip item waits for the operator's confirmation
  const at = changeIp && run.step === "claim" ? 1 : keys.indexOf(run.step);
  const steps = keys.map((key, i): StepperStep => {
    const s = states[key];
    const current = i === at;
    let state: StepperStep["state"];
    if (i < at || run.status === "done") state = "done";
    else if (current && s?.status === "running" && jobOpen) state = "running";
    else if (current && s?.status === "failed") state = "failed";
    else if (i >= 2 && !jobSteps.includes(key)) state = "not-built";
    else state = current ? "current" : "todo";
    const start = s?.startedAt ?? null;
    const end = state === "running" ? null : (s?.finishedAt ?? null);
    return {
      key,
      label: labels[key] ?? key,
      labelCode: Object.hasOwn(STEP_LABEL_CODES, key) ? STEP_LABEL_CODES[key as keyof typeof STEP_LABEL_CODES] : null,
      state,
      summary: sayStored(s?.summary, s?.summaryText, locale),
      error: sayStored(s?.error, s?.errorText, locale),
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
    vps: !changeIp && (run.vps as VpsRecord | null)?.ipv4 ? (run.vps as VpsRecord) : null,
    changeIp: changeIp ? ((run.choices as ChangeIpPlan | null) ?? null) : null,
    job: job ? { id: job.id, status: job.status, live: jobOpen ? (job.items[0]?.step ?? null) : null } : null,
    canStart: open && !!run.choices && !jobOpen && jobSteps.includes(run.step),
    lastError: run.lastError,
  };
}
