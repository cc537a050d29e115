import { handleMetricsRequest } from "@/lib/metrics/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// Prometheus scrape endpoint (README "Metrics for Grafana"). Not a console page:
// no session, authenticated by the bearer token in K2OPS_METRICS_TOKEN only
// (404 while it is unset). lib/metrics/http.ts checks the token and scrapes.
export async function GET(req: Request): Promise<Response> {
  return handleMetricsRequest(req);
}
