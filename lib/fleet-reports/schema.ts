import { z } from "zod";
import { ipv4Schema } from "@/lib/fleet/ipv4";
import { NONE, type Phrase as SharedPhrase } from "@/lib/phrase";
import { msg } from "@/lib/text";

// The fleet reports' inputs as the server validates them (no database or SSH
// import: the start form validates with the same schemas). Runbook §6.5
// (audit-users-file.sh) and §6.6 (auth-rollout-report.sh), made correct.

/** The job kind of the users-file audit (§6.5). */
export const USERS_FILE_AUDIT_KIND = "users-file-audit";
/** The job kind of the auth-rollout report (§6.6). */
export const AUTH_ROLLOUT_REPORT_KIND = "auth-rollout-report";
export const REPORT_KINDS = [USERS_FILE_AUDIT_KIND, AUTH_ROLLOUT_REPORT_KIND] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

const UNIT_SECONDS = { m: 60, h: 3600, d: 86400 } as const;
export const MIN_WINDOW_SECONDS = 3600;
export const MAX_WINDOW_SECONDS = 30 * 86400;

/**
 * The auth-rollout report's look-back window, as the runbook writes it
 * (`--since=24h`): a whole number of minutes (m), hours (h) or days (d),
 * from 1h to 30d inclusive. Output: the seconds it spans.
 */
export function windowSeconds(w: string): number | null {
  const m = /^(\d{1,5})([mhd])$/.exec(w.trim());
  if (!m) return null;
  const s = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  return s >= MIN_WINDOW_SECONDS && s <= MAX_WINDOW_SECONDS ? s : null;
}

export const windowSchema = z
  .string()
  .trim()
  .regex(/^\d{1,5}[mhd]$/, "a number and a unit: m, h or d (like 24h)")
  .refine((w) => windowSeconds(w) !== null, "from 1h to 30d");

/** Which nodes a report covers: every node of the fleet table (decommissioned ones are listed as skipped), or a selection. */
export const reportTargetSchema = z.union([
  z.object({ all: z.literal(true) }).strict(),
  z.object({ selection: z.array(ipv4Schema).min(1, "select at least one node").max(10_000) }).strict(),
]);
export type ReportTarget = z.infer<typeof reportTargetSchema>;

/** A typed list of node IPv4s (comma, space or newline separated; duplicates dropped), or the first entry that is not one. */
export function parseSelection(text: string): { ips: string[] } | { invalid: string } {
  const parts = [...new Set(text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))];
  const bad = parts.find((p) => !ipv4Schema.safeParse(p).success);
  return bad ? { invalid: bad } : { ips: parts };
}

export const startUsersFileAuditSchema = z.object({ target: reportTargetSchema }).strict();
export const startAuthRolloutReportSchema = z.object({ target: reportTargetSchema, window: windowSchema }).strict();
export const reportJobSchema = z.object({ jobId: z.string().regex(/^[a-z0-9]{10,40}$/i, "a job id") }).strict();

/**
 * A sentence of a report as a stable code and its values (plain data): the reports page renders it
 * from its catalog (reports.view.<group>.<code>); the English `text`/`reason` beside it stays for
 * the CSV export, logs and tests. Values are strings shown verbatim; `NONE` = absent.
 */
export type Phrase<C extends string> = SharedPhrase<C, Record<string, string>>;
export { NONE };
export const phraseSchema = z.object({ code: z.string(), values: z.record(z.string(), z.string()) });

/** A decommissioned node's skipped item: the sentence, and its English as the item's summary column keeps it. */
export const DECOMMISSIONED_TEXT = msg`decommissioned (no tunnel, IPv4 as name): not contacted`;
export const DECOMMISSIONED_SUMMARY = DECOMMISSIONED_TEXT.text;

/** The codes of the per-node reasons of both reports (reports.view.reason.<code>). */
export const REASON_CODES = [
  "message",
  "sshFailed",
  "skipped",
  "decommissioned",
  "usersTimeout",
  "unmigrated",
  "otherWorkdir",
  "legacyDir",
  "legacyDirMissing",
  "usersMissing",
  "countFailed",
  "notACount",
  "notAudited",
  "notAuditedCancelled",
  "truncated",
  "incomplete",
  "logsUnreadable",
  "logsMissing",
  "tooManyLines",
  "countMismatch",
  "unparsed",
  "noData",
  "noDataK2s",
  "notRead",
  "notReadCancelled",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];
export type ReasonPhrase = Phrase<ReasonCode>;

/** A stored phrase (job evidence) as a ReasonPhrase when its code is a known one, else null. */
export function reasonPhraseOf(p: { code: string; values: Record<string, string> } | undefined): ReasonPhrase | null {
  return p && (REASON_CODES as readonly string[]).includes(p.code) ? { code: p.code as ReasonCode, values: p.values } : null;
}

/** A reason with no phrase (an error's own text, or evidence stored before phrases): shown verbatim. */
export const verbatim = (text: string): ReasonPhrase => ({ code: "message", values: { message: text } });

/** A skipped item's reason (its summary) as a phrase. */
export function skippedPhrase(summary: string | null): ReasonPhrase {
  if (summary === null) return { code: "skipped", values: {} };
  return summary === DECOMMISSIONED_SUMMARY ? { code: "decommissioned", values: {} } : verbatim(summary);
}

/** A report job's item as the report is assembled from it (lib/jobs getJob's item, its node's name). */
export type ReportItem = { nodeIpv4: string; nodeName: string; status: string; summary: string | null; error: string | null; evidence: unknown };
