import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { newRequestId, recordDenied, recordIntent, recordOutcome, type AuditContext, type AuditTarget } from "@/lib/audit";
import { hasRole, type Role, type SessionUser } from "@/lib/auth/roles";
import { logger } from "@/lib/log";
import { redactText, redactValue } from "@/lib/redact";
import { ActionFailure } from "@/lib/errors";
import { isText, msg, textOf, type Spoken, type Text } from "@/lib/text";
import { say, sayFieldErrors, speak } from "@/lib/i18n/server-text";
import type { Locale } from "@/lib/i18n/locales";
import { zodIssueLocale } from "@/lib/i18n/zod-locale";
import { requestLocale } from "./locale";
import { requestMeta } from "./request";

// The one wrapper every server action and mutating route handler goes through:
// it names the action, validates input with zod, checks the session and role
// on the server, writes the audit intent BEFORE the operation and the outcome
// AFTER, and returns a typed, redacted result. If the intent cannot be
// written, the operation does not run.

export type ActionErrorCode = "unauthenticated" | "forbidden" | "invalid_input" | "not_found" | "conflict" | "busy" | "failed";
export type ActionError = { code: ActionErrorCode; message: string; fieldErrors?: Record<string, string[]> };
/**
 * What an operation that ran really achieved: "degraded" = done but not healthy
 * (e.g. updated, and the checklist failed), "failed" = it ran and did not do its
 * job (e.g. a verification that could not read the node). The audit row and the
 * UI's tone follow it.
 */
export type OperationOutcome = { status: "succeeded" | "degraded" | "failed"; reason?: string };
export type ActionResult<T> =
  | { ok: true; data: T; auditId?: string; outcome?: OperationOutcome["status"]; outcomeReason?: string }
  | { ok: false; error: ActionError; auditId?: string };

// the domain error lives in lib/errors; re-exported for the actions that throw it
export { ActionFailure };

export type ActionContext = {
  user: SessionUser;
  audit: AuditContext;
  auditId: string;
  /** Runs `fn` and writes the audit outcome in ONE transaction: state and audit commit together or not at all. */
  commit<T>(fn: (tx: Tx) => Promise<T>, result?: (value: T) => unknown): Promise<T>;
};

type SessionResolver = () => Promise<SessionUser | null>;
let resolveSession: SessionResolver = async () => (await import("@/lib/auth/session")).getSessionUser();

/** Tests (and scripts) substitute how the caller is identified. */
export function _setSessionResolver(r: SessionResolver | null): void {
  resolveSession = r ?? (async () => (await import("@/lib/auth/session")).getSessionUser());
}

function toPlain(raw: unknown): unknown {
  if (typeof FormData !== "undefined" && raw instanceof FormData) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of raw.entries()) {
      if (k.startsWith("$ACTION")) continue;
      out[k] = typeof v === "string" ? v : v.name;
    }
    return out;
  }
  return raw;
}

/**
 * The refusal names each bad field and why ("Nothing was changed. Invalid udid
 * (1-128 letters, digits, . _ -), token (8-256 URL-safe characters)"); written
 * without "name: value" so redaction does not take a field's reason for a secret.
 * Field names stay as the schema names them; the reasons are in `errors`' language.
 */
function invalidInputMessage(errors: Record<string, string[]>): Text {
  const parts = Object.entries(errors).map(([k, m]) => `${k} (${m[0]})`);
  if (parts.length === 0) return msg`Nothing was changed. Invalid input.`;
  const shown = parts.slice(0, 4).join(", ");
  return parts.length > 4 ? msg`Nothing was changed. Invalid ${shown}, and ${parts.length - 4} more.` : msg`Nothing was changed. Invalid ${shown}.`;
}

function fieldErrors(err: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of err.issues) {
    const key = issue.path.join(".") || "_";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

function holdsText(v: unknown, depth = 0): boolean {
  if (v === null || typeof v !== "object" || depth > 12) return false;
  if (isText(v)) return true;
  return (Array.isArray(v) ? v : Object.values(v)).some((x) => holdsText(x, depth + 1));
}

/** A result as the page gets it: its sentences said in the reader's language (asked only when it holds one). */
async function spoken<R>(data: R, user: SessionUser): Promise<Spoken<R>> {
  return speak(data, holdsText(data) ? await requestLocale(user) : "en");
}

/** An error for the audit log and the logs (English) with the sentence the reader gets in their language. */
type Said = ActionError & { text: Text };

function said(code: ActionErrorCode, text: Text, fieldErrors?: Record<string, string[]>): Said {
  return { code, message: text.text, text, ...(fieldErrors ? { fieldErrors } : {}) };
}

/** The error as the reader gets it: in `locale`, redacted (the values may be anything a node said). */
function sayError(e: Said, locale: Locale, localFieldErrors?: Record<string, string[]>): ActionError {
  const { text, ...rest } = e;
  const message = locale === "en" ? e.message : say(text, locale);
  return { ...rest, message: redactText(message).slice(0, 2000), ...(localFieldErrors ? { fieldErrors: localFieldErrors } : {}) };
}

export function defineAction<S extends z.ZodType, R>(def: {
  name: string;
  role: Role;
  input: S;
  /** read-only actions are checked but not audited */
  mutating?: boolean;
  target?: (input: z.infer<S>) => AuditTarget | undefined;
  /** what of the result goes to the audit row (redacted again there) */
  auditResult?: (result: NoInfer<R>) => unknown;
  /** the truthful outcome of a result that came back (default: succeeded) */
  outcome?: (result: NoInfer<R>) => OperationOutcome;
  run: (input: z.infer<S>, ctx: ActionContext) => Promise<R>;
}): (raw: unknown) => Promise<ActionResult<Spoken<R>>> {
  const mutating = def.mutating ?? true;
  return async (rawInput: unknown): Promise<ActionResult<Spoken<R>>> => {
    const raw = toPlain(rawInput);
    const meta = await requestMeta();
    const user = await resolveSession().catch(() => null);
    const audit: AuditContext = {
      requestId: newRequestId(),
      actor: user ? { id: user.id, email: user.email, role: user.role } : { id: null, email: "anonymous", role: "" },
      ...meta,
    };
    const deny = async (error: Said, target?: AuditTarget, reader?: { locale: Locale; fieldErrors: Record<string, string[]> }): Promise<ActionResult<Spoken<R>>> => {
      if (mutating) logOperation(audit, def.name, target, "denied", 0, error.message);
      let auditId: string | undefined;
      if (mutating) {
        auditId = await recordDenied(audit, { action: def.name, target, params: raw, reason: error.message }).catch((e) => {
          logger.error({ err: e, action: def.name }, "audit write failed for a denied request");
          return undefined;
        });
      }
      return { ok: false, error: sayError(error, reader?.locale ?? (await requestLocale(user)), reader?.fieldErrors), auditId };
    };

    const parsed = def.input.safeParse(raw);
    if (!user) {
      // the target is still recorded when the input names one: the audit says where, not only who
      const target = parsed.success ? def.target?.(parsed.data as z.infer<S>) : undefined;
      return deny(said("unauthenticated", msg`Your session has expired or you are not signed in. Sign in again.`), target);
    }
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      const locale = await requestLocale(user);
      if (locale === "en") return deny(said("invalid_input", invalidInputMessage(errors), errors), undefined, { locale, fieldErrors: errors });
      // the reader's language: zod's own reasons re-said by its locale, the schema's own through the table
      const reparsed = def.input.safeParse(raw, { error: zodIssueLocale(locale) });
      const local = sayFieldErrors(reparsed.success ? errors : fieldErrors(reparsed.error), locale);
      const english = said("invalid_input", invalidInputMessage(errors), errors);
      return deny({ ...english, text: invalidInputMessage(local) }, undefined, { locale, fieldErrors: local });
    }
    const input = parsed.data as z.infer<S>;
    const target = def.target?.(input);
    if (!hasRole(user.role, def.role)) {
      return deny(said("forbidden", msg`This needs the ${def.role} role; you are ${user.role}. Nothing was changed.`), target);
    }

    if (!mutating) {
      try {
        const data = await def.run(input, { user, audit, auditId: "", commit: (fn) => db().$transaction((tx) => fn(tx)) });
        return { ok: true, data: redactValue(await spoken(data, user)) };
      } catch (e) {
        return { ok: false, error: sayError(failureOf(e), await requestLocale(user)) };
      }
    }

    const startedAt = performance.now();
    let auditId: string;
    try {
      auditId = await recordIntent(audit, { action: def.name, target, params: input });
    } catch (e) {
      logger.error({ err: e, action: def.name }, "audit intent write failed; operation not run");
      return { ok: false, error: sayError(said("failed", msg`The audit log could not be written, so the operation was not run.`), await requestLocale(user)) };
    }

    let outcomeWritten = false;
    const ctx: ActionContext = {
      user,
      audit,
      auditId,
      async commit(fn, result) {
        return db().$transaction(async (tx) => {
          const value = await fn(tx);
          await recordOutcome(auditId, { status: "succeeded", startedAt, result: result ? speak(result(value), "en") : undefined }, tx);
          outcomeWritten = true;
          return value;
        });
      },
    };
    let data: R;
    try {
      data = await def.run(input, ctx);
    } catch (e) {
      const error = failureOf(e);
      await recordOutcome(auditId, { status: "failed", startedAt, error: error.message }).catch((err) =>
        logger.error({ err, action: def.name, auditId }, "audit outcome write failed"),
      );
      if (!(e instanceof ActionFailure)) logger.error({ err: e, action: def.name, auditId }, "action failed");
      logOperation(audit, def.name, target, "failed", performance.now() - startedAt, error.message, auditId);
      return { ok: false, error: sayError(error, await requestLocale(user)), auditId };
    }
    let outcome: OperationOutcome = { status: "succeeded" };
    try {
      if (def.outcome) outcome = def.outcome(data);
    } catch (e) {
      logger.error({ err: e, action: def.name, auditId }, "outcome of a finished operation could not be judged");
      outcome = { status: "degraded", reason: msg`the operation finished, but its result could not be judged`.text };
    }
    // the operation is done: a failure to record its result must not turn it into "failed"
    if (!outcomeWritten) await recordFinished(auditId, startedAt, def.name, outcome, () => (def.auditResult ? speak(def.auditResult(data), "en") : undefined));
    logOperation(audit, def.name, target, outcome.status, performance.now() - startedAt, outcome.reason, auditId);
    // the browser gets the result through the same redaction as every other sink
    const outcomeReason = outcome.reason ? redactText(say(outcome.reason, await requestLocale(user))) : undefined;
    return { ok: true, data: redactValue(await spoken(data, user)), auditId, outcome: outcome.status, ...(outcomeReason ? { outcomeReason } : {}) };
  };
}

/** One structured server-log line per mutating operation (redacted by the logger), joinable to the audit row by request id. */
function logOperation(audit: AuditContext, action: string, target: AuditTarget | undefined, outcome: string, durationMs: number, reason?: string, auditId?: string): void {
  logger.info(
    { requestId: audit.requestId, auditId, action, actor: audit.actor.email, target: target ? `${target.type}:${target.id}` : undefined, outcome, durationMs: Math.round(durationMs), ...(reason ? { reason } : {}) },
    "operation",
  );
}

/** The finished outcome; if the result cannot be stored, the outcome is stored without it (and logged). */
async function recordFinished(auditId: string, startedAt: number, action: string, outcome: OperationOutcome, result: () => unknown): Promise<void> {
  const error = outcome.status === "succeeded" ? undefined : outcome.reason;
  try {
    await recordOutcome(auditId, { status: outcome.status, startedAt, error, result: result() });
  } catch (err) {
    logger.error({ err, action, auditId }, "audit result could not be stored; recording the outcome without it");
    await recordOutcome(auditId, { status: outcome.status, startedAt, error, result: { note: `the operation finished (${outcome.status}); its result could not be recorded` } }).catch((e) =>
      logger.error({ err: e, action, auditId }, "audit outcome write failed"),
    );
  }
}

function failureOf(e: unknown): Said {
  if (e instanceof ActionFailure) return { ...said(e.code, e.text), message: redactText(e.message) };
  // an unexpected error is said verbatim (like node output): it has no sentence to translate
  const m = e instanceof Error ? e.message : String(e);
  const shown = redactText(m).slice(0, 500);
  return said("failed", shown ? textOf(shown) : msg`The operation failed.`);
}
