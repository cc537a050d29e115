import { afterEach, describe, expect, it, vi } from "vitest";
import { REDACTED, _resetKnownSecrets, knownSecretValues, redactText, registerNodeSecret, registerSecret } from "./index";
import { LineRedactor } from "./stream";

afterEach(() => _resetKnownSecrets());

describe("one registry of known secrets per process (security #6)", () => {
  it("a value registered through one copy of the module is masked by every other copy", async () => {
    // the production build bundles lib/redact separately for actions, route handlers and instrumentation
    vi.resetModules();
    const copyA = await import("./index?copy=a" as string as "./index");
    vi.resetModules();
    const copyB = await import("./index?copy=b" as string as "./index");
    expect(copyA).not.toBe(copyB);
    copyA.registerSecret("registered-in-copy-a-0123456789");
    expect(copyB.redactText("x registered-in-copy-a-0123456789 y")).toBe(`x ${REDACTED} y`);
    expect(redactText("registered-in-copy-a-0123456789")).toBe(REDACTED);
  });

  it("the environment's secrets are masked by a copy that never registered them itself", async () => {
    process.env.K2OPS_TEST_ONLY_SECRET = "env-secret-value-abcdef";
    try {
      _resetKnownSecrets();
      vi.resetModules();
      const fresh = await import("./index?copy=c" as string as "./index");
      expect(fresh.redactText("has env-secret-value-abcdef in it")).toBe(`has ${REDACTED} in it`);
    } finally {
      delete process.env.K2OPS_TEST_ONLY_SECRET;
    }
  });
});

describe("masking stays linear however many secrets are known (security #7)", () => {
  it("15,000 registered values: one compiled automaton masks the right ones, overlapping ones whole", () => {
    for (let i = 0; i < 15_000; i++) registerSecret(`s${i.toString(16).padStart(12, "0")}-pad`);
    registerSecret("abcdef123456");
    registerSecret("def1234567890");
    expect(redactText("a abcdef1234567890 b s000000000fff-pad c")).toBe(`a ${REDACTED} b ${REDACTED} c`);
    expect(redactText("Time zone: Asia/Singapore")).toBe("Time zone: Asia/Singapore");
  });

  it("an over-long value is not registered (it could not be a secret k2ops handles)", () => {
    const before = knownSecretValues().length;
    registerSecret("x".repeat(60_000));
    expect(knownSecretValues().length).toBe(before);
    expect(redactText("ok")).toBe("ok");
  });

  it("a secret followed by a combining mark is still masked (no grapheme-boundary escape)", () => {
    registerSecret("abcdef123456");
    expect(redactText("abcdef123456\u0301")).toBe(`${REDACTED}\u0301`);
  });
});

describe("secrets reaching a sink in pieces or encoded (security #15)", () => {
  const secret = "9f86d081884c7d659a2feaa0c55ad0159f86d081884c7d659a2feaa0c55ad015";

  it("the sidecar's own Basic credential base64('<ipv4>:<secret>') is masked with the node secret", () => {
    registerNodeSecret("203.0.113.7", secret);
    const basic = Buffer.from(`203.0.113.7:${secret}`).toString("base64");
    expect(redactText(`Authorization=Basic ${basic}`)).not.toContain(basic);
    expect(redactText(`sent ${basic} to center`)).toBe(`sent ${REDACTED} to center`);
  });

  it("a K2_NODE_SECRET line split across two writes is masked whole, whatever the split", () => {
    const line = `time=x level=INFO msg="env" K2_NODE_SECRET=${secret} next\n`;
    for (let cut = 1; cut < line.length; cut++) {
      const r = new LineRedactor();
      const out = r.push(Buffer.from(line.slice(0, cut))) + r.push(Buffer.from(line.slice(cut))) + r.end();
      expect(out).not.toContain(secret.slice(0, 16));
      expect(out).toContain("next");
    }
  });

  it("a registered secret split across writes (and a multi-byte character split mid-byte) is masked whole", () => {
    registerSecret(secret);
    const bytes = Buffer.from(`é ${secret} ü\n`);
    for (let cut = 1; cut < bytes.length; cut++) {
      const r = new LineRedactor();
      const out = r.push(bytes.subarray(0, cut)) + r.push(bytes.subarray(cut)) + r.end();
      expect(out).toBe(`é ${REDACTED} ü\n`);
    }
  });

  it("a line longer than the carry limit is cut, but never inside a known secret", () => {
    registerSecret(secret);
    const long = "y".repeat(300 * 1024 - 40) + secret + "z".repeat(5000);
    const r = new LineRedactor();
    let out = "";
    for (let i = 0; i < long.length; i += 4096) out += r.push(long.slice(i, i + 4096));
    out += r.end();
    expect(out).not.toContain(secret.slice(0, 20));
    expect(out).toContain(REDACTED);
  });
});

describe("masking cost is linear in the text", () => {
  it("a 200,000-character run of name-like characters is masked (the quadratic pattern needed minutes)", () => {
    registerSecret("9f86d081884c7d659a2feaa0c55ad015");
    const blob = "Y".repeat(200_000);
    expect(redactText(`${blob} K2_NODE_SECRET=abcdef123456`)).toBe(`${blob} K2_NODE_SECRET=${REDACTED}`);
  });

  it("a secret assignment inside another assignment's value is still masked", () => {
    expect(redactText("FOO=K2_NODE_SECRET=abcdef123456 url=http://x/?token=zzzzzz9&y=1")).toBe(
      `FOO=K2_NODE_SECRET=${REDACTED} url=http://x/?token=${REDACTED}&y=1`,
    );
  });
});
