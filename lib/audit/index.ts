import crypto from "node:crypto";
import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { Prisma } from "@/lib/db/generated/client";
import { redactText, redactValue } from "@/lib/redact";
import { consoleProcessId } from "./process-id";
import { AUDIT_FIRST_DIR, AUDIT_SORTS, SORT_DIRS, type AuditSort } from "./sort";

// The audit log: one row per operation, written as intent BEFORE the
// operation runs and completed with the outcome AFTER. Everything stored is
// redacted here, whatever the caller passes. Rows are never deleted by k2ops.

export type AuditActor = { id: string | null; email: string; role: string };
export type AuditContext = { requestId: string; actor: AuditActor; ip: string; userAgent: string };
export type AuditTarget = { type: string; id: string };
export type AuditOutcome = "succeeded" | "degraded" | "failed" | "denied";

export const INTERRUPTED_MESSAGE = "interrupted: the console stopped before this operation finished; check the target's current state";

const MAX_JSON_CHARS = 16_000;

export function newRequestId(): string {
  return crypto.randomUUID();
}

// PostgreSQL text and jsonb cannot hold NUL (U+0000): a row carrying one is
// refused whole, and the audit log would lose the request. Every string stored
// is redacted, and NUL shown as the visible symbol ␀ (U+2400) instead.
const NUL = /\u0000/g;

/** Redacted, NUL-free text for an audit column, cut to `max` characters. */
function auditText(s: string, max: number): string {
  return redactText(s.replace(NUL, "\u2400")).slice(0, max);
}

/** A JSON-ready copy with NUL replaced in every string and key. */
function withoutNul(v: unknown, depth = 0): unknown {
  if (typeof v === "string") return v.replace(NUL, "\u2400");
  if (v === null || typeof v !== "object" || depth > 20) return v;
  if (Array.isArray(v)) return v.map((x) => withoutNul(x, depth + 1));
  if (v instanceof Date) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(NUL, "\u2400"), withoutNul(x, depth + 1)]));
}

function boundedJson(value: unknown): Prisma.InputJsonValue {
  const red = withoutNul(redactValue(value ?? {}));
  const text = JSON.stringify(red) ?? "null";
  if (text.length <= MAX_JSON_CHARS) return JSON.parse(text) as Prisma.InputJsonValue;
  return { truncated: true, preview: text.slice(0, MAX_JSON_CHARS) };
}

function rowOf(ctx: AuditContext, op: { action: string; target?: AuditTarget; params?: unknown }) {
  return {
    requestId: ctx.requestId,
    actorId: ctx.actor.id,
    actorEmail: auditText(ctx.actor.email, 200),
    actorRole: ctx.actor.role,
    action: op.action,
    targetType: auditText(op.target?.type ?? "", 100),
    targetId: auditText(op.target?.id ?? "", 200),
    params: boundedJson(op.params),
    ip: auditText(ctx.ip, 100),
    userAgent: auditText(ctx.userAgent, 300),
  };
}

export async function recordIntent(
  ctx: AuditContext,
  op: { action: string; target?: AuditTarget; params?: unknown },
  tx: Tx = db(),
): Promise<string> {
  const row = await tx.auditEvent.create({ data: { ...rowOf(ctx, op), status: "pending", process: consoleProcessId() }, select: { id: true } });
  return row.id;
}

export async function recordOutcome(
  id: string,
  out: { status: AuditOutcome; result?: unknown; error?: string; startedAt: number },
  tx: Tx = db(),
): Promise<void> {
  await tx.auditEvent.update({
    where: { id },
    data: {
      status: out.status,
      finishedAt: new Date(),
      durationMs: Math.max(0, Math.round(performance.now() - out.startedAt)),
      result: out.result === undefined ? Prisma.DbNull : boundedJson(out.result),
      error: out.error ? auditText(out.error, 2000) : null,
    },
  });
}

/** A refused request: written in one go (intent and outcome together). */
export async function recordDenied(
  ctx: AuditContext,
  op: { action: string; target?: AuditTarget; params?: unknown; reason: string },
): Promise<string> {
  const row = await db().auditEvent.create({
    data: { ...rowOf(ctx, op), status: "denied", finishedAt: new Date(), durationMs: 0, error: auditText(op.reason, 2000) },
    select: { id: true },
  });
  return row.id;
}

/**
 * At start-up: intents a process that has stopped wrote but never completed (it
 * was killed mid-operation) get the outcome `interrupted`, so no row stays
 * `pending` forever; a live replica's are left alone (lib/audit/process.ts).
 * Rows written by this process are left alone.
 */
export async function markInterruptedAudit(startedBefore: Date): Promise<number> {
  const { sweepInterrupted } = await import("./process");
  return sweepInterrupted({ startedBefore });
}

// ---- reading -------------------------------------------------------------

// The page shows times in UTC, so a filter time without a zone (the browser's
// datetime-local "2026-11-30T14:05") is UTC too, whatever the server's zone. A
// "to" bound covers its whole minute (or day, for a bare date).
function utcTime(edge: "start" | "end") {
  return z.union([z.date(), z.string().trim()]).transform((v, ctx) => {
    if (v instanceof Date) return v;
    const bare = /^\d{4}-\d{2}-\d{2}$/.test(v);
    const minute = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v);
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(v);
    const d = new Date(bare ? `${v}T00:00:00Z` : zoned ? v : `${v}Z`);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: "custom", message: "not a date/time" });
      return z.NEVER;
    }
    if (edge === "end" && bare) return new Date(d.getTime() + 86_400_000 - 1);
    if (edge === "end" && minute) return new Date(d.getTime() + 59_999);
    return d;
  });
}

export const auditFilterSchema = z.object({
  user: z.string().trim().max(200).optional(),
  action: z.string().trim().max(100).optional(),
  node: z.string().trim().max(100).optional(),
  outcome: z.enum(["pending", "succeeded", "degraded", "failed", "denied", "interrupted"]).optional(),
  from: utcTime("start").optional(),
  to: utcTime("end").optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(10).max(200).default(50),
  sort: z.enum(AUDIT_SORTS).default("at"),
  dir: z.enum(SORT_DIRS).optional(),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** Parses URL search params leniently: an unusable filter value is dropped, not an error page. */
export function parseAuditFilter(params: Record<string, string | string[] | undefined>): AuditFilter {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s !== "") flat[k] = s;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(auditFilterSchema.shape) as (keyof AuditFilter)[]) {
    if (!(key in flat)) continue;
    const one = auditFilterSchema.shape[key].safeParse(flat[key]);
    if (one.success) out[key] = one.data;
  }
  return auditFilterSchema.parse(out);
}

function where(f: AuditFilter): Prisma.AuditEventWhereInput {
  return {
    ...(f.user ? { actorEmail: { contains: f.user, mode: "insensitive" } } : {}),
    ...(f.action ? { action: { startsWith: f.action } } : {}),
    ...(f.node ? { targetId: { contains: f.node } } : {}),
    ...(f.outcome ? { status: f.outcome } : {}),
    ...(f.from || f.to ? { at: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
  };
}

/** The table's order: the chosen column (its first direction unless `dir` says), then newest first. */
function orderBy(f: AuditFilter): Prisma.AuditEventOrderByWithRelationInput[] {
  const dir = f.dir ?? AUDIT_FIRST_DIR[f.sort];
  const by: Record<AuditSort, Prisma.AuditEventOrderByWithRelationInput[]> = {
    at: [],
    actor: [{ actorEmail: dir }],
    action: [{ action: dir }],
    target: [{ targetType: dir }, { targetId: dir }],
    outcome: [{ status: dir }],
  };
  const time = f.sort === "at" ? dir : "desc";
  return [...by[f.sort], { at: time }, { id: time }];
}

/**
 * One page of the audit log for a filter, in the filter's order (sort/dir: AUDIT_SORTS, default
 * newest first): `{ total, rows, page, pageSize, pages }`.
 */
export async function listAuditEvents(f: AuditFilter) {
  const [total, rows] = await Promise.all([
    db().auditEvent.count({ where: where(f) }),
    db().auditEvent.findMany({
      where: where(f),
      orderBy: orderBy(f),
      skip: (f.page - 1) * f.pageSize,
      take: f.pageSize,
    }),
  ]);
  return { total, rows, page: f.page, pageSize: f.pageSize, pages: Math.max(1, Math.ceil(total / f.pageSize)) };
}

export async function distinctAuditActions(): Promise<string[]> {
  const rows = await db().auditEvent.findMany({ distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } });
  return rows.map((r) => r.action);
}

const CSV_COLUMNS = ["at", "actorEmail", "actorRole", "action", "targetType", "targetId", "status", "durationMs", "ip", "userAgent", "requestId", "params", "result", "error"] as const;

function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? "" : v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v) : String(v);
  s = redactText(s);
  // spreadsheet formula injection: a cell must not start with = + - @
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV of every row matching the filter (newest first), streamed in pages. */
export async function* auditCsv(f: AuditFilter): AsyncGenerator<string> {
  yield CSV_COLUMNS.join(",") + "\n";
  const batch = 500;
  let cursor: string | undefined;
  for (;;) {
    const rows = await db().auditEvent.findMany({
      where: where(f),
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: batch,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
    });
    for (const r of rows) yield CSV_COLUMNS.map((c) => csvCell(r[c])).join(",") + "\n";
    if (rows.length < batch) return;
    cursor = rows[rows.length - 1].id;
  }
}
