// Tunnel certificates as Center hands them out on registration (GetDomainCert):
// real self-signed P-256 PEMs from openssl when available, else placeholders.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";

const certCache = new Map<string, { cert: string; key: string }>();
let opensslOk: boolean | null = null;
export function issueCert(domain: string, real: boolean): { cert: string; key: string } {
  const hit = certCache.get(domain);
  if (hit) return hit;
  let out: { cert: string; key: string } | null = null;
  if (real && opensslOk !== false && /^[A-Za-z0-9.*-]+$/.test(domain)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k2sim-cert-"));
    try {
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "90", "-subj", `/CN=${domain}`,
          "-addext", `subjectAltName=DNS:${domain}`, "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "c.pem")],
        { stdio: "ignore", timeout: 10_000 },
      );
      out = { cert: fs.readFileSync(path.join(dir, "c.pem"), "utf8"), key: fs.readFileSync(path.join(dir, "k.pem"), "utf8") };
      opensslOk = true;
    } catch {
      opensslOk = false;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!out) {
    const b = Buffer.from(`simulated certificate for ${domain}`).toString("base64");
    out = { cert: `-----BEGIN CERTIFICATE-----\n${b}\n-----END CERTIFICATE-----\n`, key: `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString("base64")}\n-----END PRIVATE KEY-----\n` };
  }
  certCache.set(domain, out);
  return out;
}
