// The one redaction module every sink goes through: pages, API responses, logs,
// audit rows, errors. Two independent nets, because either alone leaks:
//  1. by name: any key/variable whose name matches SECRET|CLAIM|TOKEN|KEY|PASSWORD
//     (any case) has its value masked, in objects and in `NAME=value` / `NAME: value` text;
//  2. by value: every secret value k2ops knows of (registered at start-up and
//     whenever a secret passes through) is masked wherever it appears.

import { AhoCorasick } from "@monyone/aho-corasick";

export const REDACTED = "<redacted>";

export const SECRET_NAME = /SECRET|CLAIM|TOKEN|KEY|PASSWORD|PASSWD|CREDENTIAL|WEBHOOK/i;

// Values shorter than this are not registered: masking "1" or "on" everywhere
// would destroy output without protecting anything real. Longer than the max is
// no secret k2ops handles (the largest is a private key) and would only slow masking.
export const MIN_SECRET_LENGTH = 6;
const MAX_SECRET_LENGTH = 16 * 1024;

// ONE registry per process, whatever the bundler does: Next.js builds separate
// copies of this module for server actions/pages, route handlers and
// instrumentation, so module-level state would give each its own list (a secret
// registered in one would leak through another). The registry lives on globalThis
// under a process-wide symbol, and the matcher over it is compiled once per change.
type Registry = { known: Set<string>; matcher: AhoCorasick | null; longest: number; envDone: boolean };
const REGISTRY = Symbol.for("k2ops.redact.registry");

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  let r = g[REGISTRY];
  if (!r) {
    r = { known: new Set(), matcher: null, longest: 0, envDone: false };
    g[REGISTRY] = r;
  }
  if (!r.envDone) {
    // whichever copy of this module runs first registers the environment's secrets
    r.envDone = true;
    registerSecretsFromEnv();
  }
  return r;
}

// Field names that contain a secret word but name an identifier, not a secret
// (a check's `key`, a map's `keys`, a node's host-key state, a public key).
const NOT_SECRET = new Set(["key", "keys", "hostkeystate", "publickey", "keyid", "sortkey"]);

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET.has(name.toLowerCase());
}

function add(r: Registry, v: string): void {
  if (v.length < MIN_SECRET_LENGTH || v.length > MAX_SECRET_LENGTH || r.known.has(v)) return;
  r.known.add(v);
  r.longest = Math.max(r.longest, v.length);
  r.matcher = null;
}

/**
 * Masks `value` (trimmed; 6 to 16,384 characters, else ignored) in every sink
 * from now on, with its base64 and URL-encoded forms. Register only secrets
 * k2ops validated and actually uses: every registered value costs masking time
 * and hides that text everywhere.
 */
export function registerSecret(value: string | null | undefined): void {
  if (typeof value !== "string") return;
  const v = value.trim();
  if (v.length < MIN_SECRET_LENGTH || v.length > MAX_SECRET_LENGTH) return;
  const r = registry();
  add(r, v);
  // a secret also leaks in its common encodings
  add(r, Buffer.from(v).toString("base64"));
  add(r, encodeURIComponent(v));
}

/**
 * A node's secret together with the composite the sidecar builds from it: the
 * HTTP Basic credential `base64("<ipv4>:<secret>")` it sends to Center.
 */
export function registerNodeSecret(ipv4: string, secret: string): void {
  registerSecret(secret);
  registerSecret(`${ipv4}:${secret.trim()}`);
}

export function knownSecretValues(): string[] {
  return [...registry().known];
}

/** Length (UTF-16 units) of the longest registered value: what a stream must carry over between chunks. */
export function longestKnownSecret(): number {
  return registry().longest;
}

/** Registers every environment variable whose name says it is a secret. */
export function registerSecretsFromEnv(env: Record<string, string | undefined> = process.env): void {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (isSecretName(name)) registerSecret(value);
    if (/_URL$|_ENDPOINT$|_ISSUER$/i.test(name)) registerSecret(urlPassword(value));
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

/**
 * Every registered value masked, in one pass over the text: an Aho-Corasick
 * automaton matches all known values at once, so the cost is linear in the
 * text (plus matches) however many secrets are known. Overlapping matches are
 * merged, so a secret containing another is masked whole.
 */
/** Every occurrence of a registered value in `text` (UTF-16 ranges, overlapping), through the one compiled matcher. */
export function knownSecretMatches(text: string): { begin: number; end: number }[] {
  const r = registry();
  if (!r.known.size) return [];
  r.matcher ??= new AhoCorasick([...r.known]);
  return r.matcher.matchInText(text);
}

function maskKnown(input: string): string {
  const hits = knownSecretMatches(input);
  if (!hits.length) return input;
  hits.sort((a, b) => a.begin - b.begin || b.end - a.end);
  let out = "";
  let pos = 0;
  let i = 0;
  while (i < hits.length) {
    const begin = hits[i].begin;
    let end = hits[i].end;
    for (i++; i < hits.length && hits[i].begin < end; i++) end = Math.max(end, hits[i].end);
    out += input.slice(pos, begin) + REDACTED;
    pos = end;
  }
  return out + input.slice(pos);
}

// NAME=value, NAME: value, "NAME":"value", NAME="value" — name containing a secret word.
// Every pattern starts only where its first token starts (lookbehind), so a long
// run of name-like characters (a base64 blob, a hex dump) costs linear time, not
// quadratic: the name is matched once per run and checked for a secret word after.
const ASSIGNED_NAME = /(?<![A-Za-z0-9_.-])(["']?)([A-Za-z0-9_.-]+)\1(\s*[=:]\s*)/g;
const ASSIGNED_VALUE = /"[^"\n]*"|'[^'\n]*'|[^\s,;&"'}\]]*/y;

/** Masks the value after every NAME=/NAME: whose name holds a secret word; other values are scanned on. */
function maskNamedAssignments(text: string): string {
  let out = "";
  let pos = 0;
  ASSIGNED_NAME.lastIndex = 0;
  for (let m = ASSIGNED_NAME.exec(text); m; m = ASSIGNED_NAME.exec(text)) {
    // identifiers ("key" of a check, "host key: ..." in prose) are not secrets; its value may itself hold NAME=value
    if (!isSecretName(m[2])) continue;
    ASSIGNED_VALUE.lastIndex = ASSIGNED_NAME.lastIndex;
    const value = ASSIGNED_VALUE.exec(text)?.[0] ?? "";
    if (!value || value === REDACTED || value === `"${REDACTED}"`) continue;
    out += text.slice(pos, ASSIGNED_NAME.lastIndex) + (value.startsWith('"') ? `"${REDACTED}"` : REDACTED);
    pos = ASSIGNED_NAME.lastIndex + value.length;
    ASSIGNED_NAME.lastIndex = pos;
  }
  return out + text.slice(pos);
}
const AUTH_HEADER = /\b(authorization|x-access-key)(\s*[:=]\s*)(basic|bearer)?\s*([^\s,;"']+)/gi;
const URL_CREDENTIALS = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)([^\s/:@]+):([^\s/@]+)@/gi;
const ACCESS_KEY_SHAPE = /\bktu_[0-9a-f]{64}\b/g;
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;

export function redactText(input: string): string {
  if (!input) return input;
  let out = maskKnown(input);
  out = out.replace(PRIVATE_KEY_BLOCK, REDACTED);
  out = out.replace(URL_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
  out = out.replace(AUTH_HEADER, (_m, name: string, sep: string, scheme: string | undefined) =>
    `${name}${sep}${scheme ? scheme + " " : ""}${REDACTED}`,
  );
  out = maskNamedAssignments(out);
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

export function redactError(err: unknown, depth = 0): { name: string; message: string; code?: string; cause?: unknown } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    // driver errors (pg, Prisma adapters) often carry the useful part in `cause` or in own fields
    const cause = (err as { cause?: unknown }).cause;
    const extra = err.message === "[object Object]" ? ownFields(err) : undefined;
    return {
      name: err.name,
      message: redactText(extra ? `${err.message} ${extra}` : err.message),
      ...(typeof code === "string" || typeof code === "number" ? { code: String(code) } : {}),
      ...(cause !== undefined && depth < 3 ? { cause: redactError(cause, depth + 1) } : {}),
    };
  }
  if (err && typeof err === "object") return { name: "Error", message: redactText(ownFields(err) ?? String(err)) };
  return { name: "Error", message: redactText(String(err)) };
}

function ownFields(o: object): string | undefined {
  try {
    return JSON.stringify(redactValue(Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v !== "function")))).slice(0, 2000);
  } catch {
    return undefined;
  }
}

/** For tests: forget registered values (the environment's are registered again on next use). */
export function _resetKnownSecrets(): void {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  g[REGISTRY] = undefined;
}
