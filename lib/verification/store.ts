import { db } from "@/lib/db";
import { Prisma } from "@/lib/db/generated/client";
import { redactValue } from "@/lib/redact";

// Verification results are kept with history (VerificationRun) and the latest
// one is denormalised onto the node for the fleet table. All Prisma access
// for verification lives here.

export type StoredCheck = {
  key: string;
  name: string;
  proves: string;
  command: string;
  expected: string;
  observed: string;
  status: "pass" | "fail" | "unknown" | "skip";
  evidence: string;
};

/**
 * A run's outcome. pass: every check passed (or was skipped); fail: at least one
 * check failed (failingChecks); unknown: none failed but at least one could not
 * read its evidence (see each check's status), so the node is NOT known good;
 * error: the checklist could not run at all (unreachable, host key, timeout).
 * durationMs is wall time in milliseconds.
 */
export type VerificationOutcome =
  | { status: "pass" | "fail" | "unknown"; failingChecks: string[]; checks: StoredCheck[]; durationMs: number }
  | { status: "error"; error: string; durationMs: number };

/**
 * Stores one run (checks redacted) and puts its status, time and failing checks on the node row,
 * with `node` (more columns of the same row: what the run learned, when SSH last answered) in the
 * same statement, so a verification costs the node row one write. Throws when the node is gone.
 */
export async function saveVerification(
  nodeIpv4: string,
  outcome: VerificationOutcome,
  meta: { jobId?: string; triggeredBy: string; startedAt?: Date },
  node: Omit<Prisma.NodeUpdateInput, "verificationStatus" | "verificationAt" | "failingChecks"> = {},
) {
  const at = new Date();
  const checks = outcome.status === "error" ? [] : (redactValue(outcome.checks) as StoredCheck[]);
  const failing = outcome.status === "error" ? [] : outcome.failingChecks;
  // one batch (BEGIN, two statements, COMMIT): cheaper for the console than an interactive transaction
  const [run] = await db().$transaction([
    db().verificationRun.create({
      data: {
        nodeIpv4,
        jobId: meta.jobId,
        startedAt: meta.startedAt ?? new Date(at.getTime() - outcome.durationMs),
        finishedAt: at,
        status: outcome.status,
        failingChecks: failing,
        error: outcome.status === "error" ? outcome.error.slice(0, 2000) : null,
        durationMs: Math.round(outcome.durationMs),
        checks: checks as unknown as Prisma.InputJsonValue,
        triggeredBy: meta.triggeredBy,
      },
    }),
    db().node.update({
      where: { ipv4: nodeIpv4 },
      data: { ...node, verificationStatus: outcome.status, verificationAt: at, failingChecks: failing },
    }),
  ]);
  return run;
}

export async function latestVerification(nodeIpv4: string) {
  // by completion: runs overlap, and the one that finished last is the node's latest word
  return db().verificationRun.findFirst({ where: { nodeIpv4 }, orderBy: [{ finishedAt: { sort: "desc", nulls: "last" } }, { id: "desc" }] });
}

export async function verificationHistory(nodeIpv4: string, take = 20) {
  return db().verificationRun.findMany({
    where: { nodeIpv4 },
    orderBy: [{ finishedAt: { sort: "desc", nulls: "last" } }, { id: "desc" }],
    take,
    select: { id: true, startedAt: true, status: true, failingChecks: true, error: true, durationMs: true, triggeredBy: true, jobId: true },
  });
}

export async function getVerificationRun(id: string) {
  return db().verificationRun.findUnique({ where: { id } });
}
