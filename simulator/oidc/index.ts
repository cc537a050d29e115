import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

// A minimal OpenID Connect provider (authorization code flow with PKCE, RS256
// id_tokens, discovery and JWKS) standing in for the ops team's identity
// provider, so the console's single sign-on is exercised end to end offline.
// Its sign-in page asks for an email: every identity is "who you type". For the
// console's linking rules it can also act like a careless provider: the subject
// (`sub`, default "sim|<email>") can be picked, and the email can be sent as
// unverified (`email_verified: false`). Form fields: login_email, login_sub,
// login_unverified=1.

export type OidcSimOptions = { port?: number; host?: string; clientId: string; clientSecret: string };
export type OidcSim = { issuer: string; close(): Promise<void>; signIns(): string[] };

type Grant = { clientId: string; redirectUri: string; email: string; sub: string; emailVerified: boolean; challenge: string | null; nonce: string | null; expires: number };

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

function html(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" }).end(`<!doctype html><html><head><title>Simulated identity provider</title></head><body>${body}</body></html>`);
}
function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function formBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) throw new Error("body too large");
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export async function startOidcSim(opts: OidcSimOptions): Promise<OidcSim> {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = crypto.randomBytes(8).toString("hex");
  const jwk = { ...(publicKey.export({ format: "jwk" }) as Record<string, string>), kid, use: "sig", alg: "RS256" };
  const grants = new Map<string, Grant>();
  const signIns: string[] = [];
  let issuer = "";

  function idToken(g: Grant): string {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }));
    const claims: Record<string, unknown> = { iss: issuer, sub: g.sub, aud: g.clientId, iat: now, exp: now + 300, email: g.email, email_verified: g.emailVerified, name: g.email.split("@")[0] };
    if (g.nonce) claims.nonce = g.nonce;
    const payload = b64url(JSON.stringify(claims));
    const sig = crypto.sign("RSA-SHA256", Buffer.from(`${header}.${payload}`), privateKey);
    return `${header}.${payload}.${b64url(sig)}`;
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", issuer);
      if (url.pathname === "/.well-known/openid-configuration") {
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          userinfo_endpoint: `${issuer}/userinfo`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          code_challenge_methods_supported: ["S256"],
          token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
          scopes_supported: ["openid", "email", "profile"],
        });
      }
      if (url.pathname === "/jwks") return json(res, 200, { keys: [jwk] });
      if (url.pathname === "/authorize" && req.method === "GET") {
        const q = url.searchParams;
        if (q.get("client_id") !== opts.clientId || q.get("response_type") !== "code" || !q.get("redirect_uri")) {
          return html(res, 400, "<p>invalid authorization request</p>");
        }
        const hidden = [...q.entries()].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join("");
        return html(res, 200, `<h1>Simulated identity provider</h1><form method="post" action="/authorize">${hidden}<p><label>Email <input name="login_email" type="email"></label></p><p><label>Subject (sub) <input name="login_sub" placeholder="sim|&lt;email&gt;"></label></p><p><label><input name="login_unverified" type="checkbox" value="1"> Send as unverified (email_verified: false)</label></p><button type="submit">Continue</button></form>`);
      }
      if (url.pathname === "/authorize" && req.method === "POST") {
        const f = await formBody(req);
        const email = (f.get("login_email") ?? "").trim().toLowerCase();
        const sub = (f.get("login_sub") ?? "").trim().slice(0, 255) || `sim|${email}`;
        const emailVerified = f.get("login_unverified") !== "1";
        const redirectUri = f.get("redirect_uri") ?? "";
        if (f.get("client_id") !== opts.clientId || !email || !redirectUri) return html(res, 400, "<p>invalid sign-in</p>");
        const method = f.get("code_challenge_method");
        if (f.get("code_challenge") && method !== "S256") return html(res, 400, "<p>only S256 PKCE</p>");
        const code = crypto.randomBytes(24).toString("base64url");
        grants.set(code, { clientId: opts.clientId, redirectUri, email, sub, emailVerified, challenge: f.get("code_challenge"), nonce: f.get("nonce"), expires: Date.now() + 60_000 });
        const back = new URL(redirectUri);
        back.searchParams.set("code", code);
        const state = f.get("state");
        if (state) back.searchParams.set("state", state);
        back.searchParams.set("iss", issuer);
        res.writeHead(302, { location: back.toString() }).end();
        return;
      }
      if (url.pathname === "/token" && req.method === "POST") {
        const f = await formBody(req);
        let id = f.get("client_id");
        let secret = f.get("client_secret");
        const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? "");
        if (basic) {
          const [u, p] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
          id = decodeURIComponent(u ?? "");
          secret = decodeURIComponent(p ?? "");
        }
        if (id !== opts.clientId || secret !== opts.clientSecret) return json(res, 401, { error: "invalid_client" });
        const code = f.get("code") ?? "";
        const g = grants.get(code);
        grants.delete(code); // a code works once
        if (!g || g.expires < Date.now() || f.get("grant_type") !== "authorization_code" || f.get("redirect_uri") !== g.redirectUri) {
          return json(res, 400, { error: "invalid_grant" });
        }
        if (g.challenge) {
          const verifier = f.get("code_verifier") ?? "";
          if (b64url(crypto.createHash("sha256").update(verifier).digest()) !== g.challenge) return json(res, 400, { error: "invalid_grant", error_description: "PKCE verification failed" });
        }
        signIns.push(g.email);
        const accessToken = crypto.randomBytes(24).toString("base64url");
        return json(res, 200, { access_token: accessToken, token_type: "Bearer", expires_in: 300, id_token: idToken(g), scope: "openid email profile" });
      }
      if (url.pathname === "/userinfo") return json(res, 401, { error: "invalid_token" });
      json(res, 404, { error: "not_found" });
    } catch (e) {
      json(res, 500, { error: "server_error", error_description: e instanceof Error ? e.message : String(e) });
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve));
  const addr = server.address() as AddressInfo;
  issuer = `http://${opts.host ?? "127.0.0.1"}:${addr.port}`;
  return {
    issuer,
    signIns: () => [...signIns],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
