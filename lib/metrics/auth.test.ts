import { afterEach, describe, expect, it } from "vitest";
import { logger } from "@/lib/log";
import { REDACTED, _resetKnownSecrets, redactText } from "@/lib/redact";
import { GET } from "@/app/metrics/route";
import { MIN_METRICS_TOKEN_LENGTH, checkMetricsAuth, metricsTokenConfig } from "./auth";
import { handleMetricsRequest } from "./http";

// Who may read /metrics: the bearer token rule on its own, then the handler
// (and the app route) answering 404 / 401 / 200 with a stubbed scrape.

const TOKEN = "0123456789abcdef0123456789abcdef";
const on = metricsTokenConfig({ K2OPS_METRICS_TOKEN: TOKEN });
const req = (authorization?: string) => new Request("http://console.test/metrics", { headers: authorization === undefined ? {} : { authorization } });
const scrape = async () => ({ contentType: "text/plain; version=0.0.4; charset=utf-8", body: "k2ops_nodes_cut 0\n" });

const savedEnv = process.env.K2OPS_METRICS_TOKEN;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.K2OPS_METRICS_TOKEN;
  else process.env.K2OPS_METRICS_TOKEN = savedEnv;
});

describe("the metrics token", () => {
  it("unset or empty: off; shorter than 16 characters: refused as too short; else on (trimmed)", () => {
    expect(metricsTokenConfig({})).toEqual({ state: "off" });
    expect(metricsTokenConfig({ K2OPS_METRICS_TOKEN: "  " })).toEqual({ state: "off" });
    expect(metricsTokenConfig({ K2OPS_METRICS_TOKEN: "x".repeat(MIN_METRICS_TOKEN_LENGTH - 1) })).toEqual({ state: "too-short" });
    expect(metricsTokenConfig({ K2OPS_METRICS_TOKEN: ` ${TOKEN}\n` })).toEqual({ state: "on", token: TOKEN });
  });

  it("the token is a known secret: masked in any text, by value and by its variable's name", () => {
    _resetKnownSecrets();
    const token = "metrics-token-" + "q".repeat(20);
    metricsTokenConfig({ K2OPS_METRICS_TOKEN: token });
    expect(redactText(`scraped with ${token} today`)).toBe(`scraped with ${REDACTED} today`);
    expect(redactText(`K2OPS_METRICS_TOKEN=abc-def-ghi-jkl`)).not.toContain("abc-def-ghi-jkl");
  });

  it("only `Bearer <the token>` passes; the scheme is case-insensitive, the token is not", () => {
    expect(checkMetricsAuth(`Bearer ${TOKEN}`, on)).toBe("ok");
    expect(checkMetricsAuth(`bearer  ${TOKEN} `, on)).toBe("ok");
    expect(checkMetricsAuth(null, on)).toBe("unauthorized");
    expect(checkMetricsAuth("", on)).toBe("unauthorized");
    expect(checkMetricsAuth(TOKEN, on)).toBe("unauthorized");
    expect(checkMetricsAuth(`Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`, on)).toBe("unauthorized");
    expect(checkMetricsAuth(`Bearer ${TOKEN.toUpperCase()}`, on)).toBe("unauthorized");
    expect(checkMetricsAuth(`Bearer ${TOKEN}x`, on)).toBe("unauthorized");
    expect(checkMetricsAuth(`Bearer ${TOKEN.slice(0, -1)}`, on)).toBe("unauthorized");
    expect(checkMetricsAuth(`Bearer ${TOKEN} extra`, on)).toBe("unauthorized");
  });

  it("off (or too short) whatever the request carries", () => {
    expect(checkMetricsAuth(`Bearer ${TOKEN}`, { state: "off" })).toBe("off");
    expect(checkMetricsAuth(`Bearer ${"x".repeat(10)}`, metricsTokenConfig({ K2OPS_METRICS_TOKEN: "x".repeat(10) }))).toBe("off");
  });
});

describe("GET /metrics", () => {
  it("token unset: 404, the scrape never runs", async () => {
    let scraped = 0;
    const res = await handleMetricsRequest(req(`Bearer ${TOKEN}`), { config: { state: "off" }, scrape: async () => (scraped++, scrape()) });
    expect(res.status).toBe(404);
    expect(scraped).toBe(0);
  });

  it("no or a wrong token: 401 with the Bearer challenge, nothing of the token in the answer or the log", async () => {
    const lines: string[] = [];
    const write = (o: unknown, msg?: string) => lines.push(JSON.stringify(o) + (msg ?? ""));
    const orig = logger.warn;
    logger.warn = ((o: unknown, msg?: string) => write(o, msg)) as typeof logger.warn;
    try {
      for (const r of [req(), req("Bearer nope-nope-nope-nope"), req(`Basic ${TOKEN}`), req(`Bearer ${TOKEN.slice(1)}`)]) {
        const res = await handleMetricsRequest(r, { config: on, scrape });
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
        const body = await res.text();
        expect(body).not.toContain(TOKEN.slice(1));
        expect(body).not.toContain("k2ops_");
      }
    } finally {
      logger.warn = orig;
    }
    expect(lines.length).toBe(4);
    expect(lines.join("\n")).not.toContain(TOKEN.slice(1));
    expect(lines.join("\n")).not.toContain("nope-nope");
  });

  it("the right token: 200 with the exposition and its content type, never cached", async () => {
    const res = await handleMetricsRequest(req(`Bearer ${TOKEN}`), { config: on, scrape });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.text()).toBe("k2ops_nodes_cut 0\n");
  });

  it("a scrape that fails (database down): 503, the error not echoed", async () => {
    const res = await handleMetricsRequest(req(`Bearer ${TOKEN}`), {
      config: on,
      scrape: async () => {
        throw new Error("connect ECONNREFUSED postgres://k2ops:hunter2hunter2@db/k2ops");
      },
    });
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain("hunter2");
  });

  it("the app route reads K2OPS_METRICS_TOKEN: unset 404, missing 401, wrong 401", async () => {
    delete process.env.K2OPS_METRICS_TOKEN;
    expect((await GET(req(`Bearer ${TOKEN}`))).status).toBe(404);
    process.env.K2OPS_METRICS_TOKEN = TOKEN;
    expect((await GET(req())).status).toBe(401);
    expect((await GET(req(`Bearer ${"f".repeat(32)}`))).status).toBe(401);
    process.env.K2OPS_METRICS_TOKEN = "short";
    expect((await GET(req("Bearer short"))).status).toBe(404);
  });
});
