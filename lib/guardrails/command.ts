import { sameAcrossBundles } from "@/lib/errors";
import { knownSecretValues } from "@/lib/redact";

// Every command line k2ops sends to a node is built here, from a fixed
// template with validated, single-quoted arguments. A `SafeCommand` can only
// be produced by `cmd`, so free text from a browser can never reach a shell.

declare const brand: unique symbol;
export type SafeCommand = string & { readonly [brand]: "SafeCommand" };

/** A validated argument; only the validators below create one. */
export class Arg {
  private constructor(readonly value: string) {}
  static of(value: string): Arg {
    if (/[\u0000-\u001f\u007f]/.test(value) || /[^\x20-\x7e]/.test(value)) {
      throw new GuardrailViolation("argument contains control or non-ASCII characters");
    }
    return new Arg(value);
  }
  /** single-quoted for POSIX shells: nothing inside is interpreted */
  quoted(): string {
    return `'${this.value.replace(/'/g, `'\\''`)}'`;
  }
}

export class GuardrailViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GuardrailViolation";
  }
}
sameAcrossBundles(GuardrailViolation, "GuardrailViolation");

export function cmd(strings: TemplateStringsArray, ...args: Arg[]): SafeCommand {
  let out = strings[0];
  args.forEach((a, i) => {
    if (!(a instanceof Arg)) throw new GuardrailViolation("command arguments must be validated values");
    out += a.quoted() + strings[i + 1];
  });
  return out as SafeCommand;
}

// ---- validators (the only way to make an Arg) -----------------------------

export const CONTAINERS = ["k2s", "k2-sidecar", "k2-slave", "k2-oc", "k2v5", "k2v4-slave"] as const;
export type Container = (typeof CONTAINERS)[number];
export const DEPLOY_DIRS = ["/apps/k2s", "/apps/kaitu-slave"] as const;
export type DeployDir = (typeof DEPLOY_DIRS)[number];
export const PINNED_TAG_RE = /^v\d+\.\d+\.\d+(?:-[0-9a-f]{7,40})?$/;

export function container(name: string): Arg {
  if (!(CONTAINERS as readonly string[]).includes(name)) throw new GuardrailViolation(`unknown container "${name.slice(0, 40)}"`);
  return Arg.of(name);
}

export function deployDir(dir: string): Arg {
  if (!(DEPLOY_DIRS as readonly string[]).includes(dir)) throw new GuardrailViolation("deploy dir must be /apps/k2s or /apps/kaitu-slave");
  return Arg.of(dir);
}

export function tailLines(n: number): Arg {
  if (!Number.isInteger(n) || n < 1 || n > 5000) throw new GuardrailViolation("tail lines must be 1..5000");
  return Arg.of(String(n));
}

export function imageTag(tag: string, opts: { rollout?: boolean } = {}): Arg {
  if (tag === "latest" && opts.rollout) return Arg.of(tag);
  if (!PINNED_TAG_RE.test(tag)) throw new GuardrailViolation("image tags must be pinned (like v0.4.8-9d7c6f95); latest only in a fleet rollout");
  return Arg.of(tag);
}

export function udid(s: string): Arg {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(s)) throw new GuardrailViolation("a UDID is 1-128 letters, digits, dot, dash or underscore");
  return Arg.of(s);
}

export function fixedPath(p: string, allowed: readonly string[]): Arg {
  if (!allowed.includes(p)) throw new GuardrailViolation("path not allowed");
  return Arg.of(p);
}

// ---- the final check on every line before it leaves ----------------------

const DOWN = /\b(?:docker[\s-]+)?compose\b(?:\s+(?:-{1,2}[\w-]+(?:[=\s]+(?:'[^']*'|"[^"]*"|[^\s'"-][^\s]*))?))*\s+down\b/i;
const DOCKER_COMPOSE_DOWN = /\bdocker-compose\b[^;&|\n]*\bdown\b/i;

function normalisePath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (!seg || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return "/" + parts.join("/");
}

// the deployment, its parents, and the two files that define it
const PROTECTED = ["/", "/apps", "/apps/k2s", "/apps/k2s/.env", "/apps/k2s/docker-compose.yml"];

function globMatches(glob: string, target: string): boolean {
  const re = new RegExp("^" + glob.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".").replace(/\[/g, "[") + "$");
  return re.test(target);
}

/** rm/rmdir/unlink/shred or find -delete aimed at /apps/k2s (or a parent, or a glob covering it). */
function deletesDeployment(line: string): boolean {
  const words = line.replace(/['"]/g, " ").split(/[\s;&|()]+/).filter(Boolean);
  const remover = words.some((w) => /^(?:rm|rmdir|unlink|shred)$/.test(w.split("/").pop() ?? "")) || /\bfind\b[^;|&]*-delete\b/.test(line);
  if (!remover) return false;
  return words.some((w) => {
    if (!w.startsWith("/")) return false;
    const n = normalisePath(w);
    return PROTECTED.includes(n) || (/[*?[]/.test(n) && PROTECTED.some((p) => globMatches(n, p)));
  });
}

/** Targets a line writes to: redirections (`>`, `>>`, `2>`), `tee` arguments, and the last argument of cp/mv/install/dd of=. */
function writeTargets(line: string): string[] {
  const out: string[] = [];
  const unq = (w: string) => w.replace(/^['"]|['"]$/g, "");
  for (const m of line.matchAll(/\d*>>?\|?\s*('[^']*'|"[^"]*"|[^\s;&|]+)/g)) if (!m[1].startsWith("&")) out.push(unq(m[1]));
  for (const seg of line.split(/[;&|\n]+/)) {
    const words = seg.trim().split(/\s+/).filter(Boolean).map(unq);
    const i = words.findIndex((w) => /^(?:tee|cp|mv|install|dd)$/.test(w.split("/").pop() ?? ""));
    if (i < 0) continue;
    const tool = words[i].split("/").pop();
    const args = words.slice(i + 1).filter((w) => !w.startsWith("-"));
    if (tool === "tee") out.push(...args);
    else if (tool === "dd") out.push(...args.filter((w) => w.startsWith("of=")).map((w) => w.slice(3)));
    else if (args.length) out.push(args[args.length - 1]);
  }
  return out;
}

export type AllowContext = {
  rollout?: boolean;
  /** set for file pushes: every write must land inside this node's deploy dir */
  deployDir?: DeployDir;
};

// ---- the ONE sanctioned `compose down` (dir-migration.md, cutover step 2) ----

/** The old project's down, in the old directory: a fixed line, no argument reaches it. */
const OLD_PROJECT_DOWN = "cd '/apps/kaitu-slave' && sudo docker compose down" as SafeCommand;
const PERMIT_TTL_MS = 60_000;
// armed permits (expiry, ms): a down passes the final check only while one is armed
const downPermits: number[] = [];

/**
 * The directory migration's `compose down` of the OLD project (kaitu-slave) in
 * the OLD directory, which frees the container names and port 443 for the new
 * `k2s` project. Each call arms ONE permit (60 s): the final check lets this exact
 * line through once (as built, then as sent by the SSH engine), nothing else.
 * Only lib/node-ops/migrate.ts may call it (a unit test enforces that).
 */
export function migrationOldProjectDown(): SafeCommand {
  downPermits.push(Date.now() + PERMIT_TTL_MS);
  return OLD_PROJECT_DOWN;
}

/** the line as built, or as the SSH engine wraps it (its fixed prefix + the line single-quoted) */
function isSanctionedDown(line: string): "built" | "sent" | null {
  if (line === OLD_PROJECT_DOWN) return "built";
  const quoted = `'${OLD_PROJECT_DOWN.replace(/'/g, `'\\''`)}'`;
  if (line.endsWith(quoted) && !DOWN.test(line.slice(0, -quoted.length)) && !DOCKER_COMPOSE_DOWN.test(line.slice(0, -quoted.length))) return "sent";
  return null;
}

function takeDownPermit(form: "built" | "sent"): boolean {
  const now = Date.now();
  while (downPermits.length && downPermits[0] <= now) downPermits.shift();
  if (!downPermits.length) return false;
  // the wrapped line is what leaves for the node: it spends the permit
  if (form === "sent") downPermits.shift();
  return true;
}

/**
 * The same rules for a script that travels on stdin (its command line is only
 * `bash -s`): no `compose down` at all (the migration's one down is a command
 * line of its own), no deleting /apps/k2s, no unpinned :latest outside a
 * rollout. Secrets are allowed here: stdin is where they travel. Throws
 * GuardrailViolation naming the rule.
 */
export function assertScriptAllowed(script: string, ctx: AllowContext = {}): void {
  for (const line of script.split("\n")) {
    const code = line.replace(/^\s*#.*$/, "");
    if (DOWN.test(code) || DOCKER_COMPOSE_DOWN.test(code)) throw new GuardrailViolation("refused: a script may not run `compose down`; updates are pull + up -d");
    if (deletesDeployment(code)) throw new GuardrailViolation("refused: /apps/k2s is the whole node deployment and is never deleted");
    if (!ctx.rollout && /:latest\b/.test(code)) throw new GuardrailViolation("refused: unpinned :latest tags only in a deliberate fleet rollout");
  }
}

export function assertAllowed(line: string, ctx: AllowContext = {}): void {
  if (DOWN.test(line) || DOCKER_COMPOSE_DOWN.test(line)) {
    const form = isSanctionedDown(line);
    if (!form || !takeDownPermit(form)) {
      throw new GuardrailViolation("refused: `compose down` removes the containers and interrupts service; updates are pull + up -d (the only down is the directory migration's, of the old project)");
    }
  }
  if (deletesDeployment(line)) throw new GuardrailViolation("refused: /apps/k2s is the whole node deployment and is never deleted");
  if (ctx.deployDir) {
    const root = ctx.deployDir;
    for (const target of writeTargets(line)) {
      if (target === "/dev/null") continue;
      const n = normalisePath(target.startsWith("/") ? target : `${root}/${target}`);
      if (/[*?[$`]/.test(target) || !(n === root || n.startsWith(root + "/"))) {
        throw new GuardrailViolation(`refused: a file push may write only inside ${root}`);
      }
    }
  }
  if (!ctx.rollout && /:latest\b/.test(line)) throw new GuardrailViolation("refused: unpinned :latest tags only in a deliberate fleet rollout");
  for (const secret of knownSecretValues()) {
    if (line.includes(secret)) throw new GuardrailViolation("refused: a secret may travel to a node only on stdin, never on a command line");
  }
}
