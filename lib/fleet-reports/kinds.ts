import { defineJobKind, type StepResult } from "@/lib/jobs/kinds";
import { msg } from "@/lib/text";
import { AUTH_ROLLOUT_REPORT_KIND, USERS_FILE_AUDIT_KIND, windowSeconds } from "./schema";

// The two fleet reports as durable job kinds (runbook §6.5, §6.6): one
// read-only node step per node, whose per-node result is stored as the item's
// evidence (counts only: never the users file's content, never a log line, never
// .env). A cancel aborts in-flight steps (nothing on the node changes); a
// resumed step simply reads again. The SSH stack is loaded on use.

export const usersFileAuditKind = defineJobKind({
  kind: USERS_FILE_AUDIT_KIND,
  abortInFlightOnCancel: true,
  async run(ctx): Promise<StepResult> {
    const { readUsersFileEntries, usersFileEvidence } = await import("./users-file");
    await ctx.progress("counting");
    const r = await readUsersFileEntries(ctx.nodeIpv4, { triggeredBy: ctx.createdBy });
    const evidence = usersFileEvidence(r);
    // failed = dirty: the job's status says BLOCKED (failed) or OK (succeeded) at a glance
    if (!r.ok) return { status: "failed", summary: msg`unreadable: ${r.reason}`, evidence };
    if (r.entries > 0) return { status: "failed", summary: r.entries === 1 ? msg`dirty: 1 entry` : msg`dirty: ${r.entries} entries`, evidence };
    return { status: "succeeded", summary: msg`clean: empty users file`, evidence };
  },
});

export const authRolloutReportKind = defineJobKind({
  kind: AUTH_ROLLOUT_REPORT_KIND,
  abortInFlightOnCancel: true,
  async run(ctx): Promise<StepResult> {
    const { authRolloutEvidence, readAuthRollout } = await import("./auth-rollout");
    const window = String(ctx.params.window ?? "");
    const seconds = windowSeconds(window);
    if (seconds === null) return { status: "failed", error: msg`invalid window "${window.slice(0, 20)}"`, evidence: { report: "auth-rollout", ok: false, reason: "invalid window" } };
    await ctx.progress("reading logs");
    const r = await readAuthRollout(ctx.nodeIpv4, seconds, { triggeredBy: ctx.createdBy });
    const evidence = authRolloutEvidence(r);
    // unknown is not a result: the job counts it as a failure
    if (!r.ok) return { status: "failed", summary: msg`unknown: ${r.reason}`, evidence };
    const c = r.sum.counts;
    const summary = r.sum.lines
      ? `total=${c.total} authed=${c.authed} cookie_hit=${c.cookie_hit} cold=${c.cold} unauthed=${c.unauthed} legacy_no_metadata=${c.legacy_no_metadata} unreachable=${r.unreachable} (${r.sum.lines} lines, ${r.source})`
      : r.unreachable
        ? msg`no auth-rollout line in the window (${r.source}; k2s ${r.k2s}) unreachable=${r.unreachable}`
        : msg`no auth-rollout line in the window (${r.source}; k2s ${r.k2s})`;
    return { status: "succeeded", summary, evidence };
  },
});
