import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { describeKey, fingerprint, keyAlgorithm } from "./host-keys";

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
