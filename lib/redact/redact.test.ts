import { afterEach, describe, expect, it } from "vitest";
import { REDACTED, _resetKnownSecrets, redactError, redactText, redactValue, registerSecret, registerSecretsFromEnv } from "./index";

afterEach(() => _resetKnownSecrets());

describe("redactText", () => {
  it("masks secret-named assignments in .env text, keeping other lines verbatim", () => {
    const env = "K2_NODE_SECRET=abcdef0123456789\nK2_PRIVATE_CLAIM=claim-xyz-123\nK2_VERSION=v0.4.8-9d7c6f95\nK2_DOMAIN=\n";
    const out = redactText(env);
    expect(out).toContain(`K2_NODE_SECRET=${REDACTED}`);
    expect(out).toContain(`K2_PRIVATE_CLAIM=${REDACTED}`);
    expect(out).toContain("K2_VERSION=v0.4.8-9d7c6f95");
    expect(out).not.toContain("abcdef0123456789");
    expect(out).not.toContain("claim-xyz-123");
  });

  it("masks JSON, yaml, headers, URL credentials, access keys and private keys", () => {
    const key = "ktu_" + "a".repeat(64);
    const text = [
      `{"accessKey":"${key.slice(0, 10)}zz","password": "hunter22"}`,
      "secret_token: s3cr3t-value",
      "Authorization: Basic aXB2NDpzZWNyZXQ=",
      "postgres://k2ops:pa55word@db:5432/k2ops",
      `key in the wild ${key}`,
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----",
    ].join("\n");
    const out = redactText(text);
    for (const leaked of ["hunter22", "s3cr3t-value", "aXB2NDpzZWNyZXQ=", "pa55word", key, "b3BlbnNzaA=="]) {
      expect(out).not.toContain(leaked);
    }
    expect(out).toContain("postgres://k2ops:");
  });

  it("masks registered secret values wherever they appear, in plain and encoded forms", () => {
    const secret = "9f86d081884c7d659a2feaa0c55ad015";
    registerSecret(secret);
    expect(redactText(`docker logs said ${secret} twice: ${secret}`)).toBe(`docker logs said ${REDACTED} twice: ${REDACTED}`);
    expect(redactText(Buffer.from(secret).toString("base64"))).toBe(REDACTED);
  });

  it("does not register trivially short values", () => {
    registerSecret("on");
    expect(redactText("docker is on")).toBe("docker is on");
  });

  it("registers secrets from the environment by name and URL password", () => {
    registerSecretsFromEnv({ KAITU_ACCESS_KEY: "value-of-access", DATABASE_URL: "postgres://u:dbpass123@h/db", PATH: "/usr/bin" });
    expect(redactText("x value-of-access y dbpass123")).toBe(`x ${REDACTED} y ${REDACTED}`);
  });
});

describe("redactValue", () => {
  it("masks secret-named keys at any depth and leaves others", () => {
    const out = redactValue({ node: "1.2.3.4", env: { K2_NODE_SECRET: "abc123456", K2_VERSION: "v1" }, list: [{ token: "tttttttt" }], enabled: true, apiKey: "" });
    expect(out).toEqual({ node: "1.2.3.4", env: { K2_NODE_SECRET: REDACTED, K2_VERSION: "v1" }, list: [{ token: REDACTED }], enabled: true, apiKey: "" });
  });
});

describe("identifier fields", () => {
  it("a field literally called key (a check's id) is not a secret; apiKey still is", () => {
    expect(redactValue({ key: "timezone", apiKey: "abcdef123456", hostKeyState: "trusted" })).toEqual({ key: "timezone", apiKey: REDACTED, hostKeyState: "trusted" });
  });
});

describe("redactError", () => {
  it("keeps the error name and masks the message", () => {
    registerSecret("supersecretvalue");
    const e = redactError(new Error("failed with supersecretvalue"));
    expect(e).toEqual({ name: "Error", message: `failed with ${REDACTED}` });
  });
});

describe("identifiers and prose are not eaten (issue #10 item 12)", () => {
  it("an audit result naming the changed variable keeps the name; real values stay masked", () => {
    expect(redactText('{"key":"K2_NODE_SECRET","from":"(set)","to":"(replaced)"}')).toBe('{"key":"K2_NODE_SECRET","from":"(set)","to":"(replaced)"}');
    expect(redactText("host key: operation is blocked until an admin clears it")).toBe("host key: operation is blocked until an admin clears it");
    expect(redactText('K2_NODE_SECRET=abcdef123456 "apiKey":"zzzzzz" sslKey: qqqqqq')).toBe(`K2_NODE_SECRET=${REDACTED} "apiKey":"${REDACTED}" sslKey: ${REDACTED}`);
  });
});
