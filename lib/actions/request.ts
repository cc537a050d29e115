import { BlockList, isIP } from "node:net";
import { headers } from "next/headers";

// Who sent a request, for the audit log. The socket address comes from the
// console's own server (scripts/server.mjs), which stamps every request with
// `x-k2ops-peer: <nonce> <address>`; the nonce exists only in this process, so
// a client cannot forge the stamp. X-Forwarded-For is believed only when the
// socket peer is a proxy named in K2OPS_TRUSTED_PROXIES, and then only as far as
// the chain runs through trusted proxies (the first untrusted hop from the right
// is the client). Without a stamp (next start run directly, scripts) the address
// is unknown, never a header's claim.

export type RequestMeta = { ip: string; userAgent: string };
type HeaderGetter = (name: string) => string | null | undefined;

const PEER_HEADER = "x-k2ops-peer";
const NONCE = Symbol.for("k2ops.peer.nonce");

/** IPv4-mapped IPv6 (::ffff:1.2.3.4) as the IPv4 it is; anything that is not an IP literal as "". */
function normalizeIp(raw: string): string {
  const v = raw.trim().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v);
  const ip = mapped ? mapped[1] : v;
  return isIP(ip) ? ip : "";
}

/**
 * Parses K2OPS_TRUSTED_PROXIES: comma-separated IPs or CIDR ranges (IPv4 or
 * IPv6), e.g. "127.0.0.1, 10.0.0.0/8, ::1". Invalid entries are ignored.
 */
export function trustedProxies(spec: string | undefined = process.env.K2OPS_TRUSTED_PROXIES): BlockList {
  const list = new BlockList();
  for (const entry of (spec ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [addr, bits] = entry.split("/");
    const ip = normalizeIp(addr);
    const family = isIP(ip) === 6 ? "ipv6" : "ipv4";
    if (!ip) continue;
    if (bits === undefined) list.addAddress(ip, family);
    else if (/^\d+$/.test(bits) && Number(bits) <= (family === "ipv6" ? 128 : 32)) list.addSubnet(ip, Number(bits), family);
  }
  return list;
}

function isTrusted(list: BlockList, ip: string): boolean {
  return Boolean(ip) && list.check(ip, isIP(ip) === 6 ? "ipv6" : "ipv4");
}

/**
 * The client address of a request: the socket peer, or, when the peer is a
 * trusted proxy, the rightmost X-Forwarded-For hop that is not a trusted proxy.
 * "" when the peer is unknown. Pure: `peer` is the socket address (or "").
 */
export function clientAddress(peer: string, forwardedFor: string | null | undefined, trusted: BlockList): string {
  const from = normalizeIp(peer);
  if (!from || !isTrusted(trusted, from)) return from;
  const hops = (forwardedFor ?? "").split(",").map(normalizeIp);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!hops[i]) return from; // a malformed hop: believe nothing left of it
    if (!isTrusted(trusted, hops[i])) return hops[i];
  }
  return hops.find(Boolean) ?? from;
}

/** The socket address the console's server stamped on this request, or "" if there is no genuine stamp. */
function stampedPeer(get: HeaderGetter): string {
  const nonce = (globalThis as unknown as Record<symbol, string | undefined>)[NONCE];
  const stamp = get(PEER_HEADER) ?? "";
  return nonce && stamp.startsWith(`${nonce} `) ? stamp.slice(nonce.length + 1) : "";
}

/** Audit metadata from a request's headers (any header source). */
export function requestMetaFrom(get: HeaderGetter): RequestMeta {
  return { ip: clientAddress(stampedPeer(get), get("x-forwarded-for"), trustedProxies()), userAgent: get("user-agent") ?? "" };
}

/** Audit metadata of the current request (server actions, route handlers); empty outside a request. */
export async function requestMeta(): Promise<RequestMeta> {
  try {
    const h = await headers();
    return requestMetaFrom((n) => h.get(n));
  } catch {
    // outside a request (scripts, tests)
    return { ip: "", userAgent: "" };
  }
}
