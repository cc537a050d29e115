import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MemoryHostKeyStore, describeKey, fingerprint, judgeHostKey, keyAlgorithm, preferredHostKeyAlgorithms, type PinnedKey } from "./host-keys";

describe("host key fingerprints", () => {
  it("match OpenSSH's `ssh-keygen -l` SHA256 fingerprints", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-fp-"));
    try {
      for (const type of ["ed25519", "ecdsa", "rsa"]) {
        const f = path.join(dir, type);
        execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-f", f]);
        const blob = Buffer.from(fs.readFileSync(`${f}.pub`, "utf8").split(" ")[1], "base64");
        const openssh = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${f}.pub`], { encoding: "utf8" }).split(" ")[1];
        expect(fingerprint(blob)).toBe(openssh);
        expect(keyAlgorithm(blob)).toBe(fs.readFileSync(`${f}.pub`, "utf8").split(" ")[0]);
        expect(describeKey(blob).publicKey).toBe(blob.toString("base64"));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an unparsable blob has an unknown algorithm, not a crash", () => {
    expect(keyAlgorithm(Buffer.from([0, 0]))).toBe("unknown");
    expect(keyAlgorithm(Buffer.from([0xff, 0xff, 0xff, 0xff, 1]))).toBe("unknown");
  });
});

describe("per-type pinning", () => {
  const rsa: PinnedKey = { algorithm: "ssh-rsa", fingerprint: "SHA256:rsa", publicKey: "r" };
  const ecdsa: PinnedKey = { algorithm: "ecdsa-sha2-nistp256", fingerprint: "SHA256:ec", publicKey: "e" };
  const ed: PinnedKey = { algorithm: "ssh-ed25519", fingerprint: "SHA256:ed", publicKey: "d" };

  it("asks for the pinned types first (an RSA key under all its signature names), the rest after", () => {
    expect(preferredHostKeyAlgorithms([])).toBeUndefined();
    expect(preferredHostKeyAlgorithms([rsa])).toEqual(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"]);
    expect(preferredHostKeyAlgorithms([ecdsa])?.[0]).toBe("ecdsa-sha2-nistp256");
    expect(preferredHostKeyAlgorithms([{ ...ed, algorithm: "sk-unknown" }])).toBeUndefined();
  });

  it("judges a key by the pin of its own type: trusted, changed, or a new type (never changed)", () => {
    expect(judgeHostKey([], ed)).toEqual({ verdict: "pin" });
    expect(judgeHostKey([rsa, ed], ed)).toEqual({ verdict: "trusted" });
    expect(judgeHostKey([rsa, ed], { ...ed, fingerprint: "SHA256:other" })).toEqual({ verdict: "changed", expected: ed });
    expect(judgeHostKey([rsa], ed)).toEqual({ verdict: "new_key_type" });
  });

  it("the memory store keeps one pin per type and trusts a new type only once confirmed", async () => {
    const s = new MemoryHostKeyStore();
    await s.pin("h", rsa);
    await s.pin("h", { ...rsa, fingerprint: "SHA256:rsa2" });
    expect((await s.list("h")).map((k) => k.fingerprint)).toEqual(["SHA256:rsa2"]);
    await s.recordNewKeyType("h", ed);
    expect((await s.list("h")).map((k) => k.algorithm)).toEqual(["ssh-rsa"]);
    expect(await s.confirmNewKeyType("h", "admin", "SHA256:not-it")).toBeNull();
    expect(await s.confirmNewKeyType("h", "admin")).toEqual(ed);
    expect((await s.list("h")).map((k) => k.algorithm)).toEqual(["ssh-ed25519", "ssh-rsa"]);
  });
});
