// The console's HTTP server: Next.js behind a plain Node server, so every
// request carries the address of the socket it came from. Next.js itself does
// not expose it to server actions or route handlers, and X-Forwarded-For is
// whatever the client says. The server stamps `x-k2ops-peer: <nonce> <address>`
// on each request (overwriting any such header the client sent); the nonce lives
// only in this process, so lib/actions/request.ts can tell the stamp from a forgery.
// Usage: node scripts/server.mjs [--dev] [-p PORT] [-H HOST]
import crypto from "node:crypto";
import http from "node:http";

const args = process.argv.slice(2);
const flag = (short, long) => {
  const i = args.findIndex((a) => a === short || a === long);
  return i >= 0 ? args[i + 1] : undefined;
};
const dev = args.includes("--dev");
const port = Number(flag("-p", "--port") ?? process.env.PORT ?? 3000);
const hostname = flag("-H", "--hostname") ?? "0.0.0.0";

// as `next start` / `next dev` do, whatever the caller's environment says (the test command exports "test")
process.env.NODE_ENV = dev ? "development" : "production";
const { default: next } = await import("next");

const nonce = crypto.randomBytes(18).toString("base64url");
globalThis[Symbol.for("k2ops.peer.nonce")] = nonce;

const app = next({ dev, hostname, port, dir: process.cwd() });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  req.headers["x-k2ops-peer"] = `${nonce} ${req.socket.remoteAddress ?? ""}`;
  void handle(req, res);
});
if (dev) server.on("upgrade", app.getUpgradeHandler());
server.listen(port, hostname, () => console.log(`[k2ops] listening on http://${hostname}:${port}`));

const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
