import net from "node:net";
import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { fleetTable, parseFleetQuery } from "@/lib/fleet";
import { advance } from "@/lib/jobs/engine";
import { cancelJob, createJob, UNFINISHED_JOB_STATUSES } from "@/lib/jobs";
import { msg, type Text } from "@/lib/text";
import { ROLLOUT_JOB_KIND } from "./kind";
import { FAILED_ITEM } from "./advance";
import { haltColumns } from "@/lib/jobs/sentences";
import { planRollout, type Plan, type PlanNode } from "./plan";
import { enforcesAuth } from "./set-env-schema";
import { describeThreshold, type RolloutParams, type Strategy } from "./strategy";
import { autoUpdateDryRun } from "./steps-auto-update";

// Rollouts across the fleet (issue #12): preview a plan, start it as a durable
// job, control it. Every function here is called by one server action, which
// validates input, checks the role and audits.

/** Which nodes a rollout targets: the fleet table's filter (URL parameters) or an explicit selection. */
export type RolloutTarget = { filter: Record<string, string | string[] | undefined> } | { selection: string[] };

/** Whether each node's SSH port answers within `timeoutMs` (the plan's "unreachable at plan time"), 64 at a time. */
export async function probeReachable(nodes: { ipv4: string; sshPort: number | null }[], timeoutMs = 3000): Promise<Map<string, boolean>> {
  const defaultPort = Number(process.env.K2OPS_SSH_PORT ?? 1022);
  const out = new Map<string, boolean>();
  let next = 0;
  const one = (host: string, port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      const done = (ok: boolean) => (s.destroy(), resolve(ok));
      s.setTimeout(timeoutMs, () => done(false));
      s.once("connect", () => done(true));
      s.once("error", () => done(false));
    });
  await Promise.all(
    Array.from({ length: Math.min(64, nodes.length) }, async () => {
      while (next < nodes.length) {
        const n = nodes[next++];
        out.set(n.ipv4, await one(n.ipv4, n.sshPort ?? defaultPort));
      }
    }),
  );
  return out;
}

/** The targeted nodes as the plan needs them, in the fleet table's order. */
export async function targetNodes(target: RolloutTarget, opts: { probe?: boolean } = {}): Promise<PlanNode[]> {
  // every row (decommissioned too: the plan names them as skipped), in the table's order
  const { rows } = await fleetTable({ ...parseFleetQuery("selection" in target ? {} : target.filter), all: "1" });
  const byIp = new Map(rows.map((r) => [r.ipv4, r]));
  const ips = "selection" in target ? [...new Set(target.selection)] : rows.map((r) => r.ipv4);
  const nodes = await db().node.findMany({ where: { ipv4: { in: ips } }, select: { ipv4: true, archDetail: true, sshPort: true, lock: { select: { operation: true, expiresAt: true } } } });
  const extra = new Map(nodes.map((n) => [n.ipv4, n]));
  const missing = ips.filter((ip) => !extra.has(ip));
  if (missing.length) {
    const shown = missing.slice(0, 5).join(", ");
    throw new ActionFailure("not_found", missing.length > 5 ? msg`Not in the fleet: ${shown} and ${missing.length - 5} more.` : msg`Not in the fleet: ${shown}.`);
  }
  const reach = opts.probe === false ? new Map<string, boolean>() : await probeReachable(nodes.map((n) => ({ ipv4: n.ipv4, sshPort: n.sshPort })));
  return ips.map((ip) => {
    const r = byIp.get(ip)!;
    const x = extra.get(ip)!;
    const lock = x.lock && x.lock.expiresAt > new Date() ? x.lock.operation : null;
    return {
      ipv4: ip,
      name: r?.name ?? ip,
      activity: r?.activity ?? "incomplete",
      arch: r?.arch ?? null,
      deployDir: ((x.archDetail as { deployDir?: string } | null)?.deployDir as string | undefined) ?? null,
      hostKeyState: r?.hostKeyState ?? "unknown",
      versionTag: r?.versionTag ?? null,
      verificationStatus: r?.verificationStatus ?? null,
      lockedBy: lock,
      reachable: reach.get(ip) ?? null,
    };
  });
}

/** A K2_ENFORCE_AUTH=1 rollout's users-file gate (node-behavior §6.5): the taking-part nodes whose users file is not empty or could not be read. */
export type UsersFileBlock = { dirty: { ipv4: string; entries?: number; reason?: string }[]; checked: number };

export type RolloutPreview = Plan & { params: RolloutParams; strategy: Strategy; threshold: string; commands: string[]; usersFile?: UsersFileBlock };

/** The users-file audit of the plan's nodes when the rollout turns auth enforcement on (null otherwise). */
async function usersFileBlock(plan: Plan, params: RolloutParams): Promise<UsersFileBlock | null> {
  if (!enforcesAuth(params)) return null;
  const ips = plan.batches.flat().map((n) => n.ipv4);
  const { usersFileGate } = await import("@/lib/fleet-reports/users-file");
  const g = await usersFileGate(ips, { triggeredBy: "rollout plan (K2_ENFORCE_AUTH=1 gate)" });
  return { dirty: g.dirty.map((d) => ({ ipv4: d.ipv4, ...("entries" in d ? { entries: d.entries } : { reason: d.reason }) })), checked: ips.length };
}

const blockMessage = (b: UsersFileBlock): Text => {
  const nodes = `${b.dirty
    .slice(0, 5)
    .map((d) => `${d.ipv4}: ${d.entries !== undefined ? `${d.entries} entries` : d.reason}`)
    .join("; ")}${b.dirty.length > 5 ? "; …" : ""}`;
  return b.checked === 1
    ? msg`K2_ENFORCE_AUTH=1 is refused: ${b.dirty.length} of ${b.checked} targeted node have a non-empty or unreadable /apps/k2s/users (${nodes}). Empty them first (the users-file audit lists them).`
    : msg`K2_ENFORCE_AUTH=1 is refused: ${b.dirty.length} of ${b.checked} targeted nodes have a non-empty or unreadable /apps/k2s/users (${nodes}). Empty them first (the users-file audit lists them).`;
};

/** The plan the operator confirms, with the exact commands each node would receive (the dry run) and, for K2_ENFORCE_AUTH=1, the users-file gate. */
export async function previewRollout(target: RolloutTarget, params: RolloutParams, strategy: Strategy): Promise<RolloutPreview> {
  const plan = planRollout(await targetNodes(target), params, strategy);
  const usersFile = await usersFileBlock(plan, params);
  return { ...plan, params, strategy, threshold: describeThreshold(strategy, plan.targeted), commands: dryRunCommands(params), ...(usersFile ? { usersFile } : {}) };
}

/** What each node receives, in order (secrets never: .env edits travel as a script on stdin). */
export function dryRunCommands(p: RolloutParams): string[] {
  const pre = "read: K2_VERSION in .env, md5sum docker-compose.yml, docker inspect k2-sidecar (image, project), docker inspect k2s (image, paused), test -d /apps/k2s";
  const gate = "health gate: the §6 checklist until it passes for the minimum healthy time (or the deadline passes)";
  switch (p.kind) {
    case "update":
      return [
        pre,
        ...(p.pushCompose ? ["sudo cp -p /apps/k2s/docker-compose.yml /apps/k2s/.docker-compose.yml.k2ops-prev", "sudo bash -s  (stdin: the canonical compose, md5-checked, DIR-migration guard)"] : []),
        `cd '/apps/k2s' && sudo env K2_VERSION='${p.targetTag}' docker compose pull`,
        `sudo bash -s  (stdin: set K2_VERSION=${p.targetTag} in /apps/k2s/.env)`,
        "cd '/apps/k2s' && sudo docker compose up -d --remove-orphans",
        "on a cut node (k2s paused by the meter), here and in a revert, instead: cd '/apps/k2s' && sudo docker compose up -d k2-sidecar  (k2s stays paused and is not recreated; the gate accepts the cutoff and nothing else)",
        gate,
        "on a failed gate (auto-revert): restore the compose backup, K2_VERSION as before (stdin script), up -d --remove-orphans, gate again",
      ];
    case "restart-sidecar":
      return ["cd '/apps/k2s' && sudo docker compose up -d k2-sidecar", gate];
    case "push-compose":
      return ["sudo bash -s  (stdin: the canonical compose, md5 compared first, DIR-migration guard; restarts nothing)"];
    case "dir-migration":
      return ["the documented directory migration (dir-migration.md): usage read, /apps/k2s prepared, pull, old project down (the one sanctioned down), k2s up -d, checks"];
    case "auto-update":
      return autoUpdateDryRun();
    case "set-env": {
      const label = p.env.map((e) => `${e.key}=${e.value}`).join(" ");
      return [
        `${pre}; sudo bash -s  (stdin: print ${p.env.map((e) => e.key).join(", ")} from /apps/k2s/.env, nothing else)`,
        ...(enforcesAuth(p) ? ["sudo -n awk 'NF{n++} END{print n+0}' /apps/k2s/users  (the users-file gate: a node with entries or an unreadable file is not changed)"] : []),
        `sudo bash -s  (stdin: set ${label} in /apps/k2s/.env)`,
        "cd '/apps/k2s' && sudo docker compose up -d --remove-orphans",
        "on a cut node (k2s paused by the meter) instead: cd '/apps/k2s' && sudo docker compose up -d k2-sidecar  (k2s stays paused; it takes the setting at its next up -d)",
        gate,
        "on a failed gate (auto-revert): the previous values back in .env (stdin script), up -d, gate again",
      ];
    }
  }
}

/**
 * Plans again and starts the rollout, refusing when the plan changed since the
 * preview (`expectedCount` nodes, as the operator confirmed). Returns the job id.
 */
export async function startRollout(opts: { target: RolloutTarget; params: RolloutParams; strategy: Strategy; expectedCount: number; createdBy: string; auditId?: string }): Promise<{ jobId: string; plan: Plan }> {
  const plan = planRollout(await targetNodes(opts.target), opts.params, opts.strategy);
  if (plan.targeted === 0) throw new ActionFailure("conflict", "No node would take part: every targeted node is skipped (see the preview's reasons).");
  if (plan.targeted !== opts.expectedCount) {
    throw new ActionFailure("conflict", msg`The plan changed since the preview: ${plan.targeted} nodes would take part now, not ${opts.expectedCount}. Preview again.`);
  }
  const block = await usersFileBlock(plan, opts.params);
  if (block?.dirty.length) throw new ActionFailure("conflict", blockMessage(block));
  const items = [
    ...plan.batches.flatMap((b, batch) => b.map((n) => ({ nodeIpv4: n.ipv4, batch }))),
    ...plan.skipped.map((s) => ({ nodeIpv4: s.ipv4, batch: 0, skipped: s.reason })),
  ];
  const jobId = await createJob({
    kind: ROLLOUT_JOB_KIND,
    createdBy: opts.createdBy,
    auditId: opts.auditId,
    params: opts.params as Record<string, unknown>,
    strategy: opts.strategy as unknown as Record<string, unknown>,
    items,
    concurrency: Math.max(1, ...plan.batches.map((b) => b.length)),
  });
  return { jobId, plan };
}

async function rolloutJob(jobId: string) {
  const job = await db().job.findUnique({ where: { id: jobId } });
  if (!job || job.kind !== ROLLOUT_JOB_KIND) throw new ActionFailure("not_found", "No such rollout.");
  return job;
}

const ENDED = ["succeeded", "failed", "cancelled", "interrupted"];

/** Pause: no new node starts; nodes in flight finish their step. */
export async function pauseRollout(jobId: string): Promise<void> {
  const job = await rolloutJob(jobId);
  if (ENDED.includes(job.status)) throw new ActionFailure("conflict", msg`The rollout has already ended (${job.status}).`);
  if (job.status === "paused") return;
  await db().job.update({ where: { id: jobId }, data: { status: "paused" } });
}

/** Resume a paused or halted rollout; after a halt, the failures so far are accepted (the threshold counts new ones). */
export async function resumeRollout(jobId: string): Promise<void> {
  const job = await rolloutJob(jobId);
  if (job.status !== "paused" && job.status !== "halted") throw new ActionFailure("conflict", msg`Only a paused or halted rollout can be resumed (this one is ${job.status}).`);
  const failures = await db().jobItem.count({ where: { jobId, status: { in: [...FAILED_ITEM] } } });
  const strategy = { ...((job.strategy as Record<string, unknown>) ?? {}), ...(job.status === "halted" ? { acceptedFailures: failures } : {}) };
  await db().job.update({ where: { id: jobId }, data: { status: "running", ...haltColumns(null), strategy: strategy as object } });
  await advance(jobId);
}

/** Promote the canary: the batches start (manual promotion). */
export async function promoteCanary(jobId: string): Promise<void> {
  const job = await rolloutJob(jobId);
  if (job.phase !== "awaiting_promotion") throw new ActionFailure("conflict", "The rollout is not waiting for a canary promotion.");
  await db().job.update({ where: { id: jobId }, data: { phase: "batches" } });
  await advance(jobId);
}

/** Retry the failed (and reverted) nodes only; nothing else runs again. Returns how many. */
export async function retryFailedNodes(jobId: string): Promise<number> {
  const job = await rolloutJob(jobId);
  if (job.status === "cancelled") throw new ActionFailure("conflict", "A cancelled rollout cannot be retried; start a new one.");
  const n = await db().$transaction(async (tx) => {
    const r = await tx.jobItem.updateMany({
      where: { jobId, status: { in: [...FAILED_ITEM] } },
      // a retry is a new run of the step (its attempts keep counting; the recorded `before` stays: it is what the node ran before the rollout)
      data: { status: "queued", step: "", error: null, summary: null, startedAt: null, finishedAt: null },
    });
    if (!r.count) return 0;
    const strategy = { ...((job.strategy as Record<string, unknown>) ?? {}), acceptedFailures: 0 };
    await tx.job.update({ where: { id: jobId }, data: { status: "running", ...haltColumns(null), finishedAt: null, cancelRequested: false, strategy: strategy as object } });
    return r.count;
  });
  if (!n) throw new ActionFailure("conflict", "No failed node to retry.");
  await advance(jobId);
  return n;
}

/**
 * The newest unfinished rollout and each taking-part node's step in it (the
 * item's status before its first step), for the fleet table's badge: one query.
 */
export async function activeRollout(): Promise<{ jobId: string; status: string; steps: Map<string, string> } | null> {
  const job = await db().job.findFirst({
    where: { kind: ROLLOUT_JOB_KIND, status: { in: [...UNFINISHED_JOB_STATUSES] } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, status: true, items: { where: { status: { not: "skipped" } }, select: { nodeIpv4: true, step: true, status: true } } },
  });
  if (!job) return null;
  return { jobId: job.id, status: job.status, steps: new Map(job.items.map((i) => [i.nodeIpv4, i.step || i.status])) };
}

/** Each node's step in the newest unfinished rollout (empty when none runs). */
export async function activeRolloutSteps(): Promise<Map<string, string>> {
  return (await activeRollout())?.steps ?? new Map();
}

/** Cancel: no new node starts; nodes in flight finish their step and are verified. */
export async function cancelRollout(jobId: string): Promise<void> {
  await rolloutJob(jobId);
  if (!(await cancelJob(jobId))) throw new ActionFailure("conflict", "The rollout has already ended.");
}
