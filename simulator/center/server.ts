// Center's HTTP front: the route table, path matching, /app and /slave authentication, fault
// injection on answers, the public log bucket under /s3/, and the node:http server itself.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { buildLogObject } from "./logs";
import { BindError, Reply, fail, notFound, sha256, type Ctx, type Handler, type RouteAuth } from "./common";
import type { CenterSimState, SimNode, SimUser } from "./types";

export type Route = { method: string; parts: string[]; auth: RouteAuth; mask?: number; h: Handler };

/** The route table, with the unauthenticated /healthy and /version already in it. */
export function routeTable() {
  const routes: { method: string; parts: string[]; auth: RouteAuth; mask?: number; h: Handler }[] = [];
  const route = (method: string, p: string, auth: RouteAuth, mask: number | undefined, h: Handler) =>
    routes.push({ method, parts: p.split("/").filter(Boolean), auth, mask, h });

  route("GET", "/healthy", "none", undefined, () => new Reply(200, JSON.stringify({ status: "ok" })));
  route("GET", "/version", "none", undefined, () => new Reply(200, JSON.stringify({ version: "sim-1.0.0", commit: "f1847ab7", simulator: true })));
  return { routes, route };
}

export type ServeDeps = {
  routes: Route[];
  state: CenterSimState;
  nodeByIp: (ip: string) => SimNode | undefined;
  log: (line: string) => void;
  /** every /app and /admin request answers with this status until cleared */
  appFault: () => number | null;
  /** the next answers on matching paths are lost after the handler ran */
  lostAnswers: { path: RegExp; status: number; left: number }[];
  port?: number;
  host?: string;
};

export async function serveCenter(s: ServeDeps): Promise<{ server: http.Server; port: number }> {
  const { routes, state, nodeByIp, log, lostAnswers } = s;

  function match(method: string, p: string) {
    const parts = p.split("/").filter(Boolean).map((x) => {
      try {
        return decodeURIComponent(x);
      } catch {
        return x;
      }
    });
    for (const r of routes) {
      if (r.method !== method || r.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let okm = true;
      for (let i = 0; i < parts.length; i++) {
        if (r.parts[i].startsWith(":")) params[r.parts[i].slice(1)] = parts[i];
        else if (r.parts[i] !== parts[i]) {
          okm = false;
          break;
        }
      }
      if (okm) return { r, params };
    }
    return null;
  }

  function authApp(c: Ctx): Reply | SimUser {
    const key = c.headers["x-access-key"];
    const k = Array.isArray(key) ? key[0] : key;
    if (!k) return fail(401, "authentication failed");
    const h = sha256(k.trim());
    const u = state.users.find((x) => x.accessKeyHash && x.accessKeyHash === h);
    if (!u) return fail(401, "authentication failed");
    const brandHdr = String(c.headers["x-k2-brand"] ?? "").toLowerCase();
    const host = String(c.headers.host ?? "");
    const brand = /overleap\.io/.test(host) ? "overleap" : /kaitu\.io/.test(host) ? "kaitu" : brandHdr === "overleap" ? "overleap" : "kaitu";
    if (!u.isAdmin && u.brand !== brand) return fail(403003, "account belongs to a different brand");
    if (u.blocked) return fail(403, "account blocked");
    return u;
  }

  function authSlave(c: Ctx): Reply | SimNode {
    const a = String(c.headers.authorization ?? "");
    const m = /^Basic\s+(.+)$/i.exec(a);
    if (!m) return fail(500, "invalid authorization format");
    const dec = Buffer.from(m[1], "base64").toString("utf8");
    const i = dec.indexOf(":");
    if (i <= 0) return fail(500, "invalid authorization format");
    const ip = dec.slice(0, i);
    const secret = dec.slice(i + 1);
    const n = nodeByIp(ip);
    if (!n) return fail(500, "invalid node credentials");
    if (n.secretToken !== secret) return fail(500, "invalid secret token");
    return n;
  }

  async function handle(req: http.IncomingMessage, body: string): Promise<Reply> {
    const u = new URL(req.url ?? "/", "http://sim.local");
    const method = (req.method ?? "GET").toUpperCase();
    if (method === "OPTIONS") return new Reply(204, "", "text/plain");
    if (method === "GET" && u.pathname.startsWith("/s3/")) return serveLog(u.pathname.slice(4));
    const m = match(method, u.pathname);
    if (!m) return notFound();
    const c: Ctx = { method, path: u.pathname, query: u.searchParams, params: m.params, headers: req.headers, body };
    if (m.r.auth === "app" || m.r.auth === "admin") {
      const appFault = s.appFault();
      if (appFault) return new Reply(appFault, "upstream unavailable", "text/plain");
      const a = authApp(c);
      if (a instanceof Reply) return a;
      c.user = a;
      if (m.r.auth === "admin" && !a.isAdmin) return fail(403, "admin required");
      if (m.r.mask && !a.isAdmin && (a.roles & m.r.mask) === 0) return fail(403, "permission denied");
    } else if (m.r.auth === "slave" || m.r.auth === "slave-path") {
      const n = authSlave(c);
      if (n instanceof Reply) return n;
      c.node = n;
      if (m.r.auth === "slave-path" && m.params.ipv4 !== n.ipv4) return fail(403, "ipv4 mismatch with authenticated node");
    }
    try {
      const reply = await m.r.h(c);
      const lost = lostAnswers.find((l) => l.left > 0 && l.path.test(`${method} ${u.pathname}`));
      if (lost) {
        lost.left--;
        return new Reply(lost.status, "upstream timed out", "text/plain");
      }
      return reply;
    } catch (e) {
      if (e instanceof BindError) return fail(422, e.message);
      log(`handler error ${method} ${u.pathname}: ${e instanceof Error ? e.message : String(e)}`);
      return new Reply(500, "");
    }
  }

  function serveLog(key: string): Reply {
    let k: string;
    try {
      k = decodeURIComponent(key);
    } catch {
      return new Reply(400, "bad key", "text/plain");
    }
    const spec = state.logObjects[k];
    if (!spec) return new Reply(404, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${k.replace(/[<&>]/g, "")}</Key></Error>`, "application/xml");
    return new Reply(200, buildLogObject(spec), k.endsWith(".tar.gz") ? "application/gzip" : "application/octet-stream");
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (d: Buffer) => {
      size += d.length;
      if (size <= 8 * 1024 * 1024) chunks.push(d);
    });
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      handle(req, body)
        .catch(() => new Reply(500, ""))
        .then((r) => {
          log(`${req.method} ${(req.url ?? "").split("?")[0]} -> ${r.status}`);
          res.writeHead(r.status, r.body.length || r.status !== 204 ? { "Content-Type": r.contentType } : {});
          res.end(r.body);
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(s.port ?? 0, s.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return { server, port };
}
