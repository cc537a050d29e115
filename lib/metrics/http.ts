import { logger } from "@/lib/log";
import { METRICS_CHALLENGE, checkMetricsAuth, metricsTokenConfig, type MetricsTokenConfig } from "./auth";
import { scrapeMetrics } from "./index";

// GET /metrics (app/metrics/route.ts calls this and nothing else): the bearer
// token, then one scrape. No session: the console's sign-in never applies here.

const text = (body: string, status: number, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers } });

let warnedShort = false;

/**
 * Answers one scrape request. 404 when K2OPS_METRICS_TOKEN is unset (metrics
 * off) or shorter than 16 characters (off, with one warning in the log); 401
 * with `WWW-Authenticate: Bearer` when the request has no or a wrong bearer
 * token; 200 with the exposition text (content type of prom-client's
 * registry); 503 when the database cannot be read. Neither the token nor the
 * request's Authorization header is ever echoed or logged. `scrape` and
 * `config` are injectable for tests.
 */
export async function handleMetricsRequest(
  req: Request,
  deps: { config?: MetricsTokenConfig; scrape?: () => Promise<{ contentType: string; body: string }> } = {},
): Promise<Response> {
  const config = deps.config ?? metricsTokenConfig();
  if (config.state === "too-short" && !warnedShort) {
    warnedShort = true;
    logger.warn("K2OPS_METRICS_TOKEN is shorter than 16 characters: /metrics stays off (generate one with `openssl rand -hex 32`)");
  }
  const verdict = checkMetricsAuth(req.headers.get("authorization"), config);
  if (verdict === "off") return text("Not Found\n", 404);
  if (verdict === "unauthorized") {
    logger.warn({ path: "/metrics", reason: req.headers.has("authorization") ? "wrong bearer token" : "no bearer token" }, "metrics scrape refused");
    return text("Unauthorized\n", 401, { "WWW-Authenticate": METRICS_CHALLENGE });
  }
  try {
    const { contentType, body } = await (deps.scrape ?? scrapeMetrics)();
    return new Response(body, { status: 200, headers: { "Content-Type": contentType, "Cache-Control": "no-store" } });
  } catch (err) {
    logger.error({ err }, "metrics scrape failed");
    return text("metrics unavailable\n", 503);
  }
}
