import { afterEach, describe, expect, it } from "vitest";
import { clientAddress, requestMetaFrom, trustedProxies } from "./request";

const NONCE = Symbol.for("k2ops.peer.nonce");
const g = globalThis as unknown as Record<symbol, string | undefined>;
afterEach(() => {
  g[NONCE] = undefined;
  delete process.env.K2OPS_TRUSTED_PROXIES;
});

describe("the audit's client address (security #10)", () => {
  it("X-Forwarded-For is ignored unless the socket peer is a configured proxy", () => {
    const none = trustedProxies("");
    expect(clientAddress("203.0.113.9", "6.6.6.6", none)).toBe("203.0.113.9");
    expect(clientAddress("::ffff:127.0.0.1", "6.6.6.6", none)).toBe("127.0.0.1");
    const proxies = trustedProxies("127.0.0.1, 10.0.0.0/8, ::1, not-an-ip, 10.0.0.0/99");
    expect(clientAddress("198.51.100.4", "6.6.6.6", proxies)).toBe("198.51.100.4");
  });

  it("through trusted proxies, the client is the rightmost untrusted hop (a client cannot prepend its own)", () => {
    const proxies = trustedProxies("127.0.0.1,10.0.0.0/8");
    expect(clientAddress("127.0.0.1", "198.51.100.7", proxies)).toBe("198.51.100.7");
    expect(clientAddress("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3", proxies)).toBe("198.51.100.7");
    expect(clientAddress("::1", "1.1.1.1", trustedProxies("::1"))).toBe("1.1.1.1");
    // a malformed hop: nothing left of it is believed
    expect(clientAddress("127.0.0.1", "6.6.6.6, <script>, 10.1.2.3", proxies)).toBe("127.0.0.1");
    // only proxies in the chain: the leftmost
    expect(clientAddress("127.0.0.1", "10.9.9.9, 10.1.2.3", proxies)).toBe("10.9.9.9");
    expect(clientAddress("127.0.0.1", "", proxies)).toBe("127.0.0.1");
  });

  it("the peer stamp counts only with this process's nonce; without one the address is unknown, not the header's claim", () => {
    const headers = (h: Record<string, string>) => (n: string) => h[n];
    expect(requestMetaFrom(headers({ "x-forwarded-for": "6.6.6.6", "x-k2ops-peer": "forged 6.6.6.6" })).ip).toBe("");
    g[NONCE] = "n0nce";
    expect(requestMetaFrom(headers({ "x-forwarded-for": "6.6.6.6", "x-k2ops-peer": "forged 6.6.6.6" })).ip).toBe("");
    expect(requestMetaFrom(headers({ "x-forwarded-for": "6.6.6.6", "x-k2ops-peer": "n0nce 127.0.0.1", "user-agent": "ua" }))).toEqual({ ip: "127.0.0.1", userAgent: "ua" });
    process.env.K2OPS_TRUSTED_PROXIES = "127.0.0.1";
    expect(requestMetaFrom(headers({ "x-forwarded-for": "6.6.6.6", "x-k2ops-peer": "n0nce 127.0.0.1" })).ip).toBe("6.6.6.6");
  });
});
