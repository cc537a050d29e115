import http from "node:http";
import { gzipSync } from "node:zlib";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CenterError, CenterUnavailableError, centerConfigFromEnv, createCenterClient, decodeLogArchive } from "./client";
import { tarArchive } from "@/simulator/center/logs";
import { redactText } from "@/lib/redact";

// A real local HTTP server (real sockets); each test installs a handler.
type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
const KEY = "ktu_" + "ab".repeat(32);

let server: http.Server;
let base = "";
let seen: Seen[] = [];
let handler: (s: Seen, res: http.ServerResponse) => void = (_s, res) => res.end("{}");

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen = [];
});

const json = (res: http.ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
};
const client = (o: Partial<Parameters<typeof createCenterClient>[0]> = {}) =>
  createCenterClient({ baseUrl: base, accessKey: KEY, timeoutMs: 1000, retryDelayMs: 1, ...o });

const node = (i: number) => ({
  id: i,
  name: `n-${String(i).padStart(5, "0")}`,
  country: "JP",
  region: "jp-tokyo",
  ipv4: `10.0.${Math.floor(i / 250)}.${i % 250}`,
  ipv6: "",
  class: "shared",
  updatedAt: 1_700_000_000,
  tunnels: [],
});

describe("Center client", () => {
  it("sends X-Access-Key, JSON content type and a {} body on POST/PUT; none on GET/DELETE", async () => {
    handler = (s, res) => json(res, { code: 0, data: s.method === "GET" ? { is_admin: false, roles: 17, groups: ["nodes"] } : {} });
    const c = client();
    await c.myPermissions();
    await c.updateNodeOperation(5, { status: "in_progress" });
    await c.closeTicket(3);
    await c.deleteNode("1.2.3.4");
    expect(seen.map((s) => s.headers["x-access-key"])).toEqual([KEY, KEY, KEY, KEY]);
    expect(seen[1].headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen[1].body)).toEqual({ status: "in_progress" });
    expect(seen[2].method).toBe("PUT");
    expect(seen[2].body).toBe("{}");
    expect(seen[0].body).toBe("");
    expect(seen[3].method).toBe("DELETE");
  });

  it("claim sends {} at least and parses operation + identity", async () => {
    const op = { id: 9, createdAt: 1, updatedAt: 2, action: "provision", subId: 4, cloudInstanceId: null, status: "claimed", holder: "me", leasedAt: 2, leaseDeadline: 602, params: '{"region":"ap-tokyo","trafficTotalBytes":1,"ipType":"residential"}', result: "{}", createdBy: "system:order", completedAt: 0 };
    handler = (_s, res) => json(res, { code: 0, data: { operation: op, identity: { claimToken: "c".repeat(64), centerUrl: "https://x", domain: "" } } });
    const r = await client().claimNodeOperation(9);
    expect(seen[0].body).toBe("{}");
    expect(r.operation.status).toBe("claimed");
    expect(r.identity?.domain).toBe("");
    // the claim token and the access key are now masked by every sink
    expect(redactText(`K2_PRIVATE_CLAIM: ${"c".repeat(64)} and ${KEY}`)).not.toMatch(/c{64}|ktu_/);
  });

  it("code != 0 becomes a typed CenterError without the access key", async () => {
    handler = (_s, res) => json(res, { code: 409, message: `operation not claimable (already claimed or not found) ${KEY}` });
    const e = await client().claimNodeOperation(1, { holder: "x" }).catch((x) => x);
    expect(e).toBeInstanceOf(CenterError);
    expect(e).toMatchObject({ code: 409, httpStatus: 200, retryable: false, method: "POST", path: "/app/node-operations/1/claim" });
    expect(e.message).not.toContain(KEY);
    expect(seen).toHaveLength(1); // never retried
  });

  it("HTTP 5xx on GET is retried (bounded) then surfaces as retryable CenterUnavailableError", async () => {
    handler = (_s, res) => {
      res.writeHead(502);
      res.end("bad gateway");
    };
    const e = await client({ getRetries: 2 }).listNodes().catch((x) => x);
    expect(e).toBeInstanceOf(CenterUnavailableError);
    expect(e).toMatchObject({ kind: "http_5xx", httpStatus: 502, retryable: true });
    expect(seen).toHaveLength(3);
  });

  it("a GET that recovers after a 5xx succeeds", async () => {
    let n = 0;
    handler = (_s, res) => {
      if (n++ === 0) {
        res.writeHead(500);
        res.end();
      } else json(res, { code: 0, data: { items: [node(1)], pagination: { page: 1, pageSize: 500, total: 1 } } });
    };
    const r = await client().listNodes();
    expect(r.items).toHaveLength(1);
    expect(seen).toHaveLength(2);
  });

  it("POST/PUT/DELETE are never retried", async () => {
    handler = (_s, res) => {
      res.writeHead(503);
      res.end();
    };
    const c = client({ getRetries: 3 });
    await expect(c.createCloudInstance({ account_name: "a", region: "r", plan: "p", image_id: "i", name: "n" })).rejects.toBeInstanceOf(CenterUnavailableError);
    await expect(c.deleteCloudInstance(3)).rejects.toMatchObject({ kind: "http_5xx" });
    expect(seen).toHaveLength(2);
  });

  it("non-JSON 200 is retryable non_json; plain-text 404 (unknown route) is not retryable", async () => {
    handler = (s, res) => {
      if (s.url.startsWith("/app/nodes")) {
        res.writeHead(200, { "Content-Type": "text/html" });
        res.end("<html>proxy</html>");
      } else {
        res.writeHead(404, { "Content-Type": "text/plain" });
        res.end("404 page not found");
      }
    };
    const a = await client({ getRetries: 0 }).listNodes().catch((x) => x);
    expect(a).toMatchObject({ kind: "non_json", retryable: true });
    const b = await client({ getRetries: 3 }).myPermissions().catch((x) => x);
    expect(b).toMatchObject({ kind: "http_status", httpStatus: 404, retryable: false });
    expect(seen).toHaveLength(2);
  });

  it("times out per request with a retryable timeout error", async () => {
    handler = (_s, res) => setTimeout(() => json(res, { code: 0, data: {} }), 500);
    const e = await client({ timeoutMs: 100, getRetries: 1 }).myPermissions().catch((x) => x);
    expect(e).toMatchObject({ kind: "timeout", retryable: true });
    expect(seen).toHaveLength(2);
    expect(e.message).not.toContain(KEY);
  });

  it("connection refused is a retryable network error that does not carry the key", async () => {
    const c = createCenterClient({ baseUrl: "http://127.0.0.1:1", accessKey: KEY, getRetries: 0 });
    const e = await c.myPermissions().catch((x) => x);
    expect(e).toMatchObject({ kind: "network", retryable: true });
    expect(JSON.stringify({ m: e.message, s: e.stack })).not.toContain(KEY);
  });

  it("a response that does not match the schema is a non-retryable bad_response", async () => {
    handler = (_s, res) => json(res, { code: 0, data: { items: [{ id: "x" }], pagination: null } });
    const e = await client().listNodes().catch((x) => x);
    expect(e).toMatchObject({ kind: "bad_response", retryable: false });
    expect(seen).toHaveLength(1);
  });

  it("listAllNodes walks 500-node pages (pageSize absent) and de-duplicates", async () => {
    const all = Array.from({ length: 1203 }, (_, i) => node(i + 1));
    handler = (s, res) => {
      const u = new URL(s.url, base);
      expect(u.searchParams.has("pageSize")).toBe(false);
      const page = Number(u.searchParams.get("page") ?? 1);
      // simulate a node added concurrently: page 2 repeats the last item of page 1
      const slice = all.slice((page - 1) * 500 - (page === 2 ? 1 : 0), page * 500);
      json(res, { code: 0, data: { items: slice, pagination: { page, pageSize: 500, total: all.length } } });
    };
    const nodes = await client().listAllNodes();
    expect(seen.map((s) => s.url)).toEqual(["/app/nodes?page=1", "/app/nodes?page=2", "/app/nodes?page=3"]);
    expect(nodes).toHaveLength(1203);
    expect(new Set(nodes.map((n) => n.ipv4)).size).toBe(1203);
  });

  it("query parameters are encoded and empty ones dropped", async () => {
    handler = (_s, res) => json(res, { code: 0, data: { items: [], pagination: { page: 1, pageSize: 10, total: 0 } } });
    await client().listFeedbackTickets({ email: "a+b@x.io", status: undefined, lastReplyBy: "user", auto_generated: false });
    expect(seen[0].url).toBe("/app/feedback-tickets?email=a%2Bb%40x.io&lastReplyBy=user&auto_generated=false");
  });

  it("config from env requires URL and key; the URL may not carry credentials", () => {
    expect(() => centerConfigFromEnv({})).toThrow(/KAITU_CENTER_URL/);
    expect(() => centerConfigFromEnv({ KAITU_CENTER_URL: "http://x" })).toThrow(/KAITU_ACCESS_KEY/);
    expect(centerConfigFromEnv({ KAITU_CENTER_URL: "http://x", KAITU_ACCESS_KEY: KEY }).accessKey).toBe(KEY);
    expect(() => createCenterClient({ baseUrl: "http://u:p@x", accessKey: KEY })).toThrow(/credentials/);
  });

  it("downloads and unpacks device logs (tar.gz members by basename, gzip, raw)", async () => {
    const tgz = gzipSync(tarArchive([{ name: "../../etc/k2.log", data: "time=x level=INFO msg=\"DIAG: heartbeat\" health=healthy\nline2\n" }, { name: "desktop.log", data: "a\n" }]));
    handler = (s, res) => {
      res.writeHead(200);
      res.end(s.url.endsWith(".tar.gz") ? tgz : gzipSync("one\ntwo\nthree\n"));
    };
    const c = client({ logBucketUrl: `${base}/bucket` });
    const a = await c.downloadDeviceLog("desktop/0.4.6/u/2026/11/20/logs-1-x.tar.gz");
    expect(seen[0].url).toBe("/bucket/desktop/0.4.6/u/2026/11/20/logs-1-x.tar.gz");
    expect(seen[0].headers["x-access-key"]).toBeUndefined(); // public bucket: no credential
    expect(a.format).toBe("tar.gz");
    expect(a.files.map((f) => [f.name, f.lines])).toEqual([["k2.log", 2], ["desktop.log", 1]]);
    const b = await c.downloadDeviceLog("service/u/k2.log.gz");
    expect(b.files[0]).toMatchObject({ name: "k2.log", lines: 3 });
    await expect(c.downloadDeviceLog("../x")).rejects.toThrow(/invalid s3Key/);
    expect(decodeLogArchive("x.log", Buffer.from("plain\n")).format).toBe("raw");
  });

  it("an upload over 64 MiB is abandoned as it arrives, whether or not it declares its length", async () => {
    const MiB = 2 ** 20;
    let sent = 0;
    handler = (s, res) => {
      // chunked (no content-length) unless the key says so: 80 MiB in 1 MiB writes, stopped when the client goes away
      if (s.url.includes("declared")) res.writeHead(200, { "content-length": String(80 * MiB) });
      else res.writeHead(200);
      const chunk = Buffer.alloc(MiB, 0x61);
      const next = () => {
        if (sent >= 80 * MiB || res.destroyed) return res.end();
        sent += MiB;
        if (res.write(chunk)) setImmediate(next);
        else res.once("drain", next);
      };
      next();
    };
    const c = client({ logBucketUrl: `${base}/bucket` });
    await expect(c.downloadDeviceLog("service/u/declared.log")).rejects.toThrow(/log archive too large: 83886080 bytes/);
    sent = 0;
    await expect(c.downloadDeviceLog("service/u/chunked.log")).rejects.toThrow(/log archive too large: more than 64 MiB/);
    // the server stopped short of the whole 80 MiB: the client went away
    await new Promise((r) => setTimeout(r, 200));
    expect(sent).toBeLessThan(80 * MiB);
  });
});

describe("schema helpers", () => {
  it("decodes operation params/result JSON strings by action", async () => {
    const { decodeOperationParams, decodeOperationResult, NodeOperationSchema } = await import("./schemas");
    expect(decodeOperationParams({ action: "provision", params: '{"region":"ap-tokyo","trafficTotalBytes":1073741824000,"ipType":"residential"}' })).toEqual({
      action: "provision",
      params: { region: "ap-tokyo", trafficTotalBytes: 1073741824000, ipType: "residential" },
    });
    expect(decodeOperationParams({ action: "stop", params: '{"reason":"grace ended"}' }).params).toEqual({ reason: "grace ended" });
    expect(decodeOperationResult({ result: '{"ipv4":"1.2.3.4"}' })).toEqual({ ipv4: "1.2.3.4" });
    const bad = NodeOperationSchema.safeParse({ id: 1, createdAt: 1, updatedAt: 1, action: "stop", subId: 1, cloudInstanceId: 2, status: "queued", holder: "", leasedAt: 0, leaseDeadline: 0, params: { reason: "x" }, result: "{}", createdBy: "admin", completedAt: 0 });
    expect(bad.success).toBe(false); // params must be a JSON *string*
  });
});

describe("walking Center's pages when the list moves (issue #10 item 10)", () => {
  it("501 nodes with one deleted between page fetches: the walk retries, and a walk that never settles says it is incomplete", async () => {
    let all = Array.from({ length: 501 }, (_, i) => node(i + 1));
    let deleteOnPage2 = 1;
    handler = (s, res) => {
      const page = Number(new URL(s.url, base).searchParams.get("page") ?? 1);
      if (page === 2 && deleteOnPage2-- > 0) all = all.filter((n) => n.ipv4 !== all[3].ipv4);
      json(res, { code: 0, data: { items: all.slice((page - 1) * 500, page * 500), pagination: { page, pageSize: 500, total: all.length } } });
    };
    // first walk: 501 then 500 reported, 500 seen -> inconsistent; the second walk is whole
    const w = await client().listAllNodesChecked();
    expect(w).toMatchObject({ complete: true, total: 500 });
    expect(w.items).toHaveLength(500);
    expect(seen.map((x) => x.url)).toEqual(["/app/nodes?page=1", "/app/nodes?page=2", "/app/nodes?page=1"]);

    // a list that keeps moving: incomplete after the bounded retries, with the reason
    seen = [];
    deleteOnPage2 = 99;
    all = Array.from({ length: 600 }, (_, i) => node(i + 1));
    const moving = await client().listAllNodesChecked();
    expect(moving.complete).toBe(false);
    expect(moving.reason).toMatch(/total changed during the walk/);
    expect(seen.length).toBe(6);
  });

  it("a page shorter than the page size does not end the walk (Center may cap the page size)", async () => {
    const all = Array.from({ length: 250 }, (_, i) => node(i + 1));
    handler = (s, res) => {
      const page = Number(new URL(s.url, base).searchParams.get("page") ?? 1);
      // asked for 500, served 100 per page
      json(res, { code: 0, data: { items: all.slice((page - 1) * 100, page * 100), pagination: { page, pageSize: 500, total: all.length } } });
    };
    const w = await client().listAllNodesChecked();
    expect(w).toMatchObject({ complete: true, total: 250 });
    expect(w.items).toHaveLength(250);
  });

  it("a Center repeating the same page forever is cut off, not walked 10,000 times", async () => {
    const all = Array.from({ length: 10 }, (_, i) => node(i + 1));
    handler = (_s, res) => json(res, { code: 0, data: { items: all, pagination: { page: 1, pageSize: 10, total: 1000 } } });
    const w = await client().listAllNodesChecked();
    expect(w.complete).toBe(false);
    expect(w.reason).toMatch(/no new item/);
    expect(seen.length).toBe(6);
  });
});
