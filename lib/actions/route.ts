import { NextResponse } from "next/server";
import { hasRole, type Role, type SessionUser } from "@/lib/auth/roles";
import { newRequestId, recordDenied, recordIntent, recordOutcome, type AuditContext } from "@/lib/audit";
import { redactValue } from "@/lib/redact";
import { msg } from "@/lib/text";
import { say } from "@/lib/i18n/server-text";
import { requestLocale } from "./locale";
import { requestMeta } from "./request";

/** JSON for a route handler's response, through the redaction every sink uses. */
export function redactedJson(data: unknown, init?: ResponseInit): NextResponse {
  return NextResponse.json(redactValue(data), init);
}

// Route handlers get the same server-side session + role check as server
// actions. `audit` names the action when the route should be audited
// (exports, mutations); plain reads are not.

export function withRoute(
  def: { role: Role; audit?: string },
  handler: (req: Request, ctx: { user: SessionUser; audit: AuditContext }) => Promise<Response>,
) {
  return async (req: Request): Promise<Response> => {
    const { getSessionUser } = await import("@/lib/auth/session");
    const user = await getSessionUser().catch(() => null);
    const audit: AuditContext = {
      requestId: newRequestId(),
      actor: user ? { id: user.id, email: user.email, role: user.role } : { id: null, email: "anonymous", role: "" },
      ...(await requestMeta()),
    };
    const params = Object.fromEntries(new URL(req.url).searchParams);
    if (!user || !hasRole(user.role, def.role)) {
      const reason = user ? msg`needs the ${def.role} role` : msg`not signed in`;
      if (def.audit) await recordDenied(audit, { action: def.audit, params, reason: reason.text }).catch(() => undefined);
      return NextResponse.json({ error: user ? "forbidden" : "unauthenticated", message: say(reason, await requestLocale(user)) }, { status: user ? 403 : 401 });
    }
    if (!def.audit) return handler(req, { user, audit });
    const started = performance.now();
    const id = await recordIntent(audit, { action: def.audit, params });
    try {
      const res = await handler(req, { user, audit });
      await recordOutcome(id, { status: res.ok ? "succeeded" : "failed", startedAt: started, result: { httpStatus: res.status } });
      return res;
    } catch (e) {
      await recordOutcome(id, { status: "failed", startedAt: started, error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
  };
}
