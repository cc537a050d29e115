import type { Text } from "@/lib/text";
import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { createJob, DEFAULT_CONCURRENCY, getJob } from "@/lib/jobs";
import { redactValue } from "@/lib/redact";
import { targetNodes } from "@/lib/rollout";
import { authRolloutFleet, authRolloutRow, type AuthFleet, type AuthRolloutRow } from "./auth-rollout";
import { authRolloutCsv, usersFileCsv } from "./csv";
import { AUTH_ROLLOUT_REPORT_KIND, DECOMMISSIONED_TEXT, REPORT_KINDS, USERS_FILE_AUDIT_KIND, type ReportItem, type ReportKind, type ReportTarget } from "./schema";
import { usersFileRow, usersFileVerdict, type UsersFileRow, type UsersFileVerdict } from "./users-file";

// The fleet reports (runbook §6.5 users-file audit, §6.6 auth-rollout report):
// started as durable jobs over the fleet table's nodes (lib/rollout's target
// selection: decommissioned nodes are listed as skipped, never contacted),
// assembled from the finished (or running) job's items, exported as CSV.
// Called by the server actions, which validate, check the role and audit.

export { REPORT_KINDS, USERS_FILE_AUDIT_KIND, AUTH_ROLLOUT_REPORT_KIND };

/** The job items of a report over `target`: every node, decommissioned ones skipped with the reason. Throws when none would be read. */
async function reportItems(target: ReportTarget): Promise<{ nodeIpv4: string; skipped?: Text }[]> {
  const nodes = await targetNodes("selection" in target ? { selection: target.selection } : { filter: {} }, { probe: false });
  const items = nodes.map((n) => (n.activity === "decommissioned" ? { nodeIpv4: n.ipv4, skipped: DECOMMISSIONED_TEXT } : { nodeIpv4: n.ipv4 }));
  if (!items.some((i) => !i.skipped)) throw new ActionFailure("conflict", "No node to read: the fleet is empty or every targeted node is decommissioned.");
  return items;
}

export type StartedReport = { jobId: string; nodes: number; skipped: number };

/**
 * Starts a users-file audit job (§6.5) over `target` (all: the whole fleet
 * table). Returns the job id, how many nodes are read and how many skipped.
 * Throws ActionFailure not_found (a selected node is not in the fleet) or
 * conflict (no node to read).
 */
export async function startUsersFileAudit(opts: { target: ReportTarget; createdBy: string; auditId?: string }): Promise<StartedReport> {
  const items = await reportItems(opts.target);
  const jobId = await createJob({ kind: USERS_FILE_AUDIT_KIND, createdBy: opts.createdBy, auditId: opts.auditId, params: { target: "all" in opts.target ? "all" : "selection" }, items, concurrency: DEFAULT_CONCURRENCY });
  return { jobId, nodes: items.filter((i) => !i.skipped).length, skipped: items.filter((i) => i.skipped).length };
}

/**
 * Starts an auth-rollout report job (§6.6) over `target` for the look-back
 * `window` (validated by the caller: 1h..30d, like "24h"). Returns as
 * startUsersFileAudit; throws the same errors.
 */
export async function startAuthRolloutReport(opts: { target: ReportTarget; window: string; createdBy: string; auditId?: string }): Promise<StartedReport> {
  const items = await reportItems(opts.target);
  const jobId = await createJob({ kind: AUTH_ROLLOUT_REPORT_KIND, createdBy: opts.createdBy, auditId: opts.auditId, params: { window: opts.window, target: "all" in opts.target ? "all" : "selection" }, items, concurrency: DEFAULT_CONCURRENCY });
  return { jobId, nodes: items.filter((i) => !i.skipped).length, skipped: items.filter((i) => i.skipped).length };
}

export type ReportJobRow = { id: string; kind: ReportKind; status: string; createdBy: string; createdAt: Date; finishedAt: Date | null; total: number; done: number; failed: number; window: string | null };

/** The newest report jobs (both kinds), newest first, at most `limit` (default 50, max 200). */
export async function listReportJobs(limit = 50): Promise<ReportJobRow[]> {
  const rows = await db().job.findMany({
    where: { kind: { in: [...REPORT_KINDS] } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.max(1, Math.min(200, Math.floor(limit))),
    select: { id: true, kind: true, status: true, createdBy: true, createdAt: true, finishedAt: true, total: true, done: true, failed: true, params: true },
  });
  return rows.map(({ params, ...r }) => ({ ...r, kind: r.kind as ReportKind, window: typeof (params as { window?: unknown } | null)?.window === "string" ? String((params as { window: string }).window) : null }));
}

const ENDED = ["succeeded", "failed", "cancelled", "interrupted"];

export type ReportJob = { id: string; status: string; ended: boolean; createdBy: string; createdAt: Date; startedAt: Date | null; finishedAt: Date | null; total: number; done: number; failed: number; cancelRequested: boolean };
export type UsersFileReport = { kind: typeof USERS_FILE_AUDIT_KIND; job: ReportJob; rows: UsersFileRow[]; verdict: UsersFileVerdict };
export type AuthRolloutReport = { kind: typeof AUTH_ROLLOUT_REPORT_KIND; job: ReportJob; rows: AuthRolloutRow[]; fleet: AuthFleet };
export type FleetReport = UsersFileReport | AuthRolloutReport;

/**
 * One report assembled from its job (finished or still running): a row per
 * node (by name, then IPv4) from the items' evidence, and the verdict (users
 * file: BLOCKED/OK) or the fleet totals and alert (auth-rollout). Null when
 * the job does not exist or is not a report.
 */
export async function loadFleetReport(jobId: string): Promise<FleetReport | null> {
  const j = await getJob(jobId);
  if (!j || !(REPORT_KINDS as readonly string[]).includes(j.kind)) return null;
  const ended = ENDED.includes(j.status);
  const job: ReportJob = { id: j.id, status: j.status, ended, createdBy: j.createdBy, createdAt: j.createdAt, startedAt: j.startedAt, finishedAt: j.finishedAt, total: j.total, done: j.done, failed: j.failed, cancelRequested: j.cancelRequested };
  const items: ReportItem[] = j.items
    .map((i) => ({ nodeIpv4: i.nodeIpv4, nodeName: i.nodeName, status: i.status, summary: i.summary, error: i.error, evidence: i.evidence }))
    .sort((a, b) => a.nodeName.localeCompare(b.nodeName) || a.nodeIpv4.localeCompare(b.nodeIpv4));
  if (j.kind === USERS_FILE_AUDIT_KIND) {
    const rows = items.map((i) => usersFileRow(i, ended));
    return { kind: USERS_FILE_AUDIT_KIND, job, rows, verdict: usersFileVerdict(rows) };
  }
  const window = String((j.params as { window?: unknown } | null)?.window ?? "");
  const rows = items.map((i) => authRolloutRow(i, ended));
  return { kind: AUTH_ROLLOUT_REPORT_KIND, job, rows, fleet: authRolloutFleet(rows, window) };
}

/** A report as a CSV file: its name (`<kind>-<job id>.csv`) and body (rows only; see lib/fleet-reports/csv.ts for the columns). */
export function reportCsv(r: FleetReport): { filename: string; body: string } {
  // every cell through the redaction every sink uses, before it is escaped (a whole-document pass could eat a delimiter)
  const body = r.kind === USERS_FILE_AUDIT_KIND ? usersFileCsv(redactValue(r.rows)) : authRolloutCsv(redactValue(r.rows));
  return { filename: `${r.kind}-${r.job.id}.csv`, body };
}
