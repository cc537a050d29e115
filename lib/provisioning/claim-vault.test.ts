import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ClaimVaultError, loadClaimKey, openClaim, sealClaim } from "./claim-vault";

const TOKEN = "c1a1".repeat(16);
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-vault-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("the claim vault (AES-256-GCM at rest)", () => {
  it("generates a 0600 key file once, and seals and opens a claim with it; the sealed text never holds the token", () => {
    const file = path.join(tmp(), "keys", "claim.key");
    const k = loadClaimKey({ keyFile: file, env: {} });
    expect(k.source).toBe("file");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadClaimKey({ keyFile: file, env: {} }).id).toBe(k.id); // the same key on the next start
    const sealed = sealClaim(TOKEN, k, "op-17");
    expect(sealed).not.toContain(TOKEN);
    expect(sealed).not.toContain(Buffer.from(TOKEN).toString("base64url"));
    expect(sealed.startsWith(`k2v1:${k.id}:`)).toBe(true);
    expect(sealClaim(TOKEN, k, "op-17")).not.toBe(sealed); // a fresh IV each time
    expect(openClaim(sealed, k, "op-17")).toBe(TOKEN);
  });

  it("refuses an altered value, another work item's value, another key's value; the errors never hold the token", () => {
    const k = loadClaimKey({ keyFile: path.join(tmp(), "k"), env: {} });
    const sealed = sealClaim(TOKEN, k, "op-1");
    const parts = sealed.split(":");
    const flipped = [...parts.slice(0, 4), (parts[4][0] === "A" ? "B" : "A") + parts[4].slice(1)].join(":");
    const errors = [() => openClaim(flipped, k, "op-1"), () => openClaim(sealed, k, "op-2"), () => openClaim("garbage", k, "op-1")].map((f) => {
      try {
        f();
        return null;
      } catch (e) {
        return e as Error;
      }
    });
    for (const e of errors) {
      expect(e).toBeInstanceOf(ClaimVaultError);
      expect(e!.message).not.toContain(TOKEN);
    }
    expect(errors[1]!.message).toMatch(/another work item/);
    const other = loadClaimKey({ keyFile: path.join(tmp(), "k"), env: {} });
    expect(() => openClaim(sealed, other, "op-1")).toThrow(/sealed under another key/);
  });

  it("K2OPS_CLAIM_KEY (hex or base64, 32 bytes) wins over the file; a malformed one is refused naming the variable", () => {
    const hex = "ab".repeat(32);
    const file = path.join(tmp(), "k");
    const a = loadClaimKey({ keyFile: file, env: { K2OPS_CLAIM_KEY: hex } });
    const b = loadClaimKey({ keyFile: file, env: { K2OPS_CLAIM_KEY: Buffer.from(hex, "hex").toString("base64") } });
    expect(a.source).toBe("env");
    expect(a.id).toBe(b.id);
    expect(fs.existsSync(file)).toBe(false);
    expect(openClaim(sealClaim(TOKEN, a, "x"), b, "x")).toBe(TOKEN);
    expect(() => loadClaimKey({ keyFile: file, env: { K2OPS_CLAIM_KEY: "short" } })).toThrow(/K2OPS_CLAIM_KEY: the claim key must be 32 bytes/);
  });

  it("refuses a key file others can read", () => {
    const file = path.join(tmp(), "k");
    loadClaimKey({ keyFile: file, env: {} });
    fs.chmodSync(file, 0o644);
    expect(() => loadClaimKey({ keyFile: file, env: {} })).toThrow(/readable by others \(mode 644\)/);
  });
});
