"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/safe-action";
import { startAuthRolloutReport, startUsersFileAudit } from "@/lib/fleet-reports";
import { startAuthRolloutReportSchema, startUsersFileAuditSchema, type ReportTarget } from "@/lib/fleet-reports/schema";

// The fleet reports (runbook §6.5, §6.6): starting one is an operator's
// action, validated, role-checked and audited; reading them is the page's
// (viewer). Each report runs as a durable job.

const targetLabel = (t: ReportTarget) => ("all" in t ? "whole fleet" : t.selection.length === 1 ? t.selection[0] : `${t.selection.length} nodes`);

export const startUsersFileAuditAction = defineAction({
  name: "report.users_file.start",
  role: "operator",
  input: startUsersFileAuditSchema,
  target: (i) => ({ type: "fleet", id: targetLabel(i.target) }),
  run: async (input, ctx) => {
    const r = await startUsersFileAudit({ target: input.target, createdBy: ctx.user.email, auditId: ctx.auditId });
    revalidatePath("/operations/reports");
    return r;
  },
  auditResult: (r) => r,
});

export const startAuthRolloutReportAction = defineAction({
  name: "report.auth_rollout.start",
  role: "operator",
  input: startAuthRolloutReportSchema,
  target: (i) => ({ type: "fleet", id: targetLabel(i.target) }),
  run: async (input, ctx) => {
    const r = await startAuthRolloutReport({ target: input.target, window: input.window, createdBy: ctx.user.email, auditId: ctx.auditId });
    revalidatePath("/operations/reports");
    return r;
  },
  auditResult: (r) => r,
});
