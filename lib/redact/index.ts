// The one redaction module every sink goes through: pages, API responses, logs,
// audit rows, errors. Two independent nets, because either alone leaks:
//  1. by name: any key/variable whose name matches SECRET|CLAIM|TOKEN|KEY|PASSWORD
//     (any case) has its value masked, in objects and in `NAME=value` / `NAME: value` text;
//  2. by value: every secret value k2ops knows of (registered at start-up and
//     whenever a secret passes through) is masked wherever it appears.

export const REDACTED = "<redacted>";

export const SECRET_NAME = /SECRET|CLAIM|TOKEN|KEY|PASSWORD|PASSWD|CREDENTIAL|WEBHOOK/i;

// Values shorter than this are not registered: masking "1" or "on" everywhere
// would destroy output without protecting anything real.
const MIN_SECRET_LENGTH = 6;

const known = new Set<string>();

// Field names that contain a secret word but name an identifier, not a secret
// (a check's `key`, a map's `keys`, a node's host-key state, a public key).
const NOT_SECRET = new Set(["key", "keys", "hostkeystate", "publickey", "keyid", "sortkey"]);

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET.has(name.toLowerCase());
}

export function registerSecret(value: string | null | undefined): void {
  if (typeof value !== "string") return;
  const v = value.trim();
  if (v.length < MIN_SECRET_LENGTH) return;
  known.add(v);
  // a secret also leaks in its common encodings
  known.add(Buffer.from(v).toString("base64"));
  known.add(encodeURIComponent(v));
}

export function knownSecretValues(): string[] {
  return [...known];
}

/** Registers every environment variable whose name says it is a secret. */
export function registerSecretsFromEnv(env: Record<string, string | undefined> = process.env): void {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (isSecretName(name)) registerSecret(value);
    if (/_URL$/i.test(name)) registerSecret(urlPassword(value));
  }
}

function urlPassword(value: string): string | undefined {
  try {
    const u = new URL(value);
    return u.password ? decodeURIComponent(u.password) : undefined;
  } catch {
    return undefined;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// NAME=value, NAME: value, "NAME":"value", NAME="value" — name containing a secret word.
const NAMED_ASSIGNMENT =
  /(["']?)([A-Za-z0-9_.-]*(?:SECRET|CLAIM|TOKEN|KEY|PASSWORD|PASSWD|CREDENTIAL|WEBHOOK)[A-Za-z0-9_.-]*)\1(\s*[=:]\s*)("[^"\n]*"|'[^'\n]*'|[^\s,;&"'}\]]*)/gi;
const AUTH_HEADER = /\b(authorization|x-access-key)(\s*[:=]\s*)(basic|bearer)?\s*([^\s,;"']+)/gi;
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/:@]+):([^\s/@]+)@/gi;
const ACCESS_KEY_SHAPE = /\bktu_[0-9a-f]{64}\b/g;
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;

export function redactText(input: string): string {
  if (!input) return input;
  let out = input;
  // longest first, so a secret that contains another is masked whole
  const values = [...known].sort((a, b) => b.length - a.length);
  for (const v of values) {
    if (out.includes(v)) out = out.replace(new RegExp(escapeRegExp(v), "g"), REDACTED);
  }
  out = out.replace(PRIVATE_KEY_BLOCK, REDACTED);
  out = out.replace(URL_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
  out = out.replace(AUTH_HEADER, (_m, name: string, sep: string, scheme: string | undefined) =>
    `${name}${sep}${scheme ? scheme + " " : ""}${REDACTED}`,
  );
  out = out.replace(NAMED_ASSIGNMENT, (m, q: string, name: string, sep: string, value: string) => {
    if (!value || value === REDACTED || value === `"${REDACTED}"`) return m;
    return `${q}${name}${q}${sep}${value.startsWith('"') ? `"${REDACTED}"` : REDACTED}`;
  });
  out = out.replace(ACCESS_KEY_SHAPE, REDACTED);
  return out;
}

/** Deep copy with secret-named keys masked and every string passed through redactText. */
export function redactValue<T>(value: T, depth = 0): T {
  if (depth > 12) return REDACTED as unknown as T;
  if (typeof value === "string") return redactText(value) as unknown as T;
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return redactText(value.toString("utf8")) as unknown as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1)) as unknown as T;
  if (value instanceof Error) return redactError(value) as unknown as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (isSecretName(k) && v !== null && v !== undefined && v !== "" && typeof v !== "boolean") {
      out[k] = REDACTED;
    } else {
      out[k] = redactValue(v, depth + 1);
    }
  }
  return out as T;
}

export function redactError(err: unknown): { name: string; message: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      name: err.name,
      message: redactText(err.message),
      ...(typeof code === "string" || typeof code === "number" ? { code: String(code) } : {}),
    };
  }
  return { name: "Error", message: redactText(String(err)) };
}

/** For tests: forget registered values. */
export function _resetKnownSecrets(): void {
  known.clear();
}
