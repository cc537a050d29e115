import { sameAcrossBundles } from "@/lib/errors";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

// The claim token of a provision work item is one-time and never shown again
// (provisioning.md Step 1): k2ops keeps it only until the node has registered or
// the item failed, sealed at rest with AES-256-GCM. The key comes from
// K2OPS_CLAIM_KEY (32 bytes, base64 or hex) or, by default, a key file generated
// once beside the data (0600, the console's own). A sealed value names its key
// (a short fingerprint), so a value sealed under another key is refused with that
// reason rather than failing as "corrupt".

export class ClaimVaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClaimVaultError";
  }
}
sameAcrossBundles(ClaimVaultError, "ClaimVaultError");

export type ClaimKey = { key: Buffer; id: string; source: "env" | "file" };

const VERSION = "k2v1";
const keyId = (key: Buffer) => crypto.createHash("sha256").update("k2ops-claim-key\0").update(key).digest("hex").slice(0, 12);

function decodeKey(raw: string, where: string): Buffer {
  const t = raw.trim();
  const buf = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, "hex") : /^[A-Za-z0-9+/]{43}=?$/.test(t) ? Buffer.from(t, "base64") : null;
  if (!buf || buf.length !== 32) throw new ClaimVaultError(`${where}: the claim key must be 32 bytes, as 64 hex characters or base64`);
  return buf;
}

/**
 * The key that seals claim tokens: K2OPS_CLAIM_KEY when set (32 bytes, hex or
 * base64), else the key file `keyFile` (created with 32 random bytes, mode 0600,
 * when absent). Throws ClaimVaultError naming the variable or file when the key
 * is malformed, or when the file is readable by anyone but its owner.
 */
export function loadClaimKey(opts: { keyFile: string; env?: Record<string, string | undefined> }): ClaimKey {
  const env = opts.env ?? process.env;
  if (env.K2OPS_CLAIM_KEY) {
    const key = decodeKey(env.K2OPS_CLAIM_KEY, "K2OPS_CLAIM_KEY");
    return { key, id: keyId(key), source: "env" };
  }
  const file = opts.keyFile;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      // "wx": two console processes starting together never write two different keys
      fs.writeFileSync(file, crypto.randomBytes(32).toString("hex") + "\n", { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) throw new ClaimVaultError(`${file}: the claim key file is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  const key = decodeKey(fs.readFileSync(file, "utf8"), file);
  return { key, id: keyId(key), source: "file" };
}

/**
 * Seals `plain` (a claim token) for storage: "k2v1:<key id>:<iv>:<tag>:<ciphertext>"
 * (base64url parts; a fresh 12-byte IV each time). `context` (e.g. the work
 * item's id) is bound as associated data: a sealed value copied to another item
 * does not open there.
 */
export function sealClaim(plain: string, k: ClaimKey, context: string): string {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv("aes-256-gcm", k.key, iv);
  c.setAAD(Buffer.from(context, "utf8"));
  const ct = Buffer.concat([c.update(plain, "utf8"), c.final()]);
  return [VERSION, k.id, iv.toString("base64url"), c.getAuthTag().toString("base64url"), ct.toString("base64url")].join(":");
}

/**
 * Opens a value sealed by sealClaim under the same key and context. Throws
 * ClaimVaultError (never with the token in it) when the value is malformed, was
 * sealed under another key, or was altered or moved to another context.
 */
export function openClaim(sealed: string, k: ClaimKey, context: string): string {
  const parts = sealed.split(":");
  if (parts.length !== 5 || parts[0] !== VERSION) throw new ClaimVaultError("the sealed claim is not in a known format");
  const [, id, iv, tag, ct] = parts;
  if (id !== k.id) throw new ClaimVaultError(`the claim was sealed under another key (${id}; the console's key is ${k.id}): restore that key (K2OPS_CLAIM_KEY or the key file)`);
  try {
    const d = crypto.createDecipheriv("aes-256-gcm", k.key, Buffer.from(iv, "base64url"));
    d.setAAD(Buffer.from(context, "utf8"));
    d.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([d.update(Buffer.from(ct, "base64url")), d.final()]).toString("utf8");
  } catch {
    throw new ClaimVaultError("the sealed claim does not open: it was altered, or belongs to another work item");
  }
}
