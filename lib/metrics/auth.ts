import crypto from "node:crypto";
import { registerSecret } from "@/lib/redact";

// Who may read /metrics: whoever presents the bearer token configured in
// K2OPS_METRICS_TOKEN. No session, no role: Prometheus is not a user. Pure
// functions (no I/O) so the rule is unit-tested on its own.

/** A shorter token is refused as configuration (the endpoint stays off): it would be guessable, and too short for the redactor to mask. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

/** The metrics token as configured: `off` (unset or empty), `too-short` (set, under MIN_METRICS_TOKEN_LENGTH characters), or the token. */
export type MetricsTokenConfig = { state: "off" } | { state: "too-short" } | { state: "on"; token: string };

/**
 * K2OPS_METRICS_TOKEN, trimmed. A usable token is registered with the redactor
 * (its name already says TOKEN, so the environment scan registers it too; this
 * covers a value set after start-up), so it is masked in every log line,
 * response and audit row. Never throws.
 */
export function metricsTokenConfig(env: Record<string, string | undefined> = process.env): MetricsTokenConfig {
  const token = env.K2OPS_METRICS_TOKEN?.trim() ?? "";
  if (!token) return { state: "off" };
  if (token.length < MIN_METRICS_TOKEN_LENGTH) return { state: "too-short" };
  registerSecret(token);
  return { state: "on", token };
}

/**
 * The verdict on one request. `off`: metrics are not configured (answer 404,
 * as if the path did not exist). `unauthorized`: no `Authorization: Bearer …`
 * header, another scheme, or a wrong token (answer 401 with
 * `WWW-Authenticate: Bearer`). `ok`: serve the metrics.
 */
export type MetricsAuthVerdict = "ok" | "off" | "unauthorized";

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/**
 * Checks an `Authorization` header value against the configured token. The
 * comparison runs in constant time: both sides are hashed (SHA-256) and the
 * equal-length digests compared with crypto.timingSafeEqual, so neither the
 * token's length nor its prefix leaks through timing. The scheme is matched
 * case-insensitively (RFC 7235). Never throws.
 */
export function checkMetricsAuth(authorization: string | null | undefined, config: MetricsTokenConfig): MetricsAuthVerdict {
  if (config.state !== "on") return "off";
  const m = BEARER.exec(authorization ?? "");
  if (!m) return "unauthorized";
  const given = crypto.createHash("sha256").update(m[1], "utf8").digest();
  const expected = crypto.createHash("sha256").update(config.token, "utf8").digest();
  return crypto.timingSafeEqual(given, expected) ? "ok" : "unauthorized";
}

/** The WWW-Authenticate challenge of a 401 (RFC 6750). */
export const METRICS_CHALLENGE = 'Bearer realm="k2ops metrics"';
