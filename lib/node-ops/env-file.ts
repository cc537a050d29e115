import { nextCycleEnds } from "@/lib/metering/cycle";
import { msg, textOf, type Text } from "@/lib/text";
import { say } from "@/lib/i18n/server-text";
import type { Locale } from "@/lib/i18n/locales";
import { COMPOSE_DEFAULT_CENTER_URL, ENV_BY_KEY, composeLiteralProblem, normalizeBaseUrl, type EnvEdit, type EnvVarSpec } from "./env-schema";

// Edits /apps/k2s/.env without losing anything the form does not manage:
// comments, ordering and unknown keys are preserved; managed keys are
// replaced in place or appended. Validation is per documented variable.

export type EnvLine = { kind: "entry"; key: string; value: string; raw: string } | { kind: "other"; raw: string };

export function parseEnvLines(text: string): EnvLine[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines.map((raw) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(raw);
    if (!m) return { kind: "other", raw };
    let value = m[2].trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    return { kind: "entry", key: m[1], value, raw };
  });
}

export function envMap(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of parseEnvLines(text)) if (l.kind === "entry") m.set(l.key, l.value);
  return m;
}

/** A refused or noted variable: `message` in English (logs, the audit log), `text` its sentence for the reader's language. */
export type EnvEditProblem = { key: string; message: string; text?: Text };

const note = (key: string, said: string | Text): EnvEditProblem => {
  const text = textOf(said);
  return { key, message: text.text, text };
};

export type EnvPlan = {
  content: string; // the new file (contains secrets: goes to the node on stdin only)
  changes: { key: string; from: string | null; to: string | null; secret: boolean }[];
  problems: EnvEditProblem[];
  /** allowed, but the operator should know (metering off, short months, ...) */
  warnings: EnvEditProblem[];
};

export type EnvPolicy = {
  isAdmin: boolean;
  /** normalised base URLs a node's K2_CENTER_URL may be set to (centerUrlAllowList) */
  allowedCenterUrls: readonly string[];
  /** the node's cloud provider from Center's inventory (e.g. "aws_lightsail"), when known */
  nodeProvider?: string | null;
  /** the clock for date warnings (tests) */
  now?: Date;
};

/** Why `value` (null = remove the line) may not be written for a credential-routing variable, or null. */
function routingProblem(spec: EnvVarSpec, value: string | null, policy: EnvPolicy, current: string | undefined): Text | null {
  if (!spec.routesCredentials) return null;
  const effective = normalizeBaseUrl(value ?? COMPOSE_DEFAULT_CENTER_URL);
  if (current !== undefined && value !== null && normalizeBaseUrl(current) === effective) return null;
  if (!policy.isAdmin) return msg`Only an admin may change where the node sends its credentials`;
  if (!policy.allowedCenterUrls.includes(effective)) {
    const allowed = policy.allowedCenterUrls.length ? policy.allowedCenterUrls.join(", ") : msg`none configured`;
    return value === null
      ? msg`Removing it sends the node's secret to the compose default ${COMPOSE_DEFAULT_CENTER_URL}, which is not an allowed Center (allowed: ${allowed})`
      : msg`The node sends its secret to this address: only the configured Center or an admin-approved URL (K2OPS_CENTER_URL_ALLOWLIST) is allowed (allowed: ${allowed})`;
  }
  return null;
}

/** Applies a validated edit to the current .env text. Nothing is written here. */
export function planEnvEdit(current: string, edit: EnvEdit, policy: EnvPolicy): EnvPlan {
  const problems: EnvEditProblem[] = [];
  const updates = new Map<string, string | null>();
  const before = envMap(current);

  for (const [key, value] of Object.entries(edit.set)) {
    const spec = ENV_BY_KEY.get(key);
    if (!spec) {
      problems.push(note(key, msg`Not a documented .env variable`));
      continue;
    }
    if (spec.secret) {
      problems.push(note(key, msg`Secrets are set with keep/replace, not as plain values`));
      continue;
    }
    const literal = composeLiteralProblem(value.trim());
    if (literal) {
      problems.push(note(key, msg`Refused: the value ${literal}`));
      continue;
    }
    if (spec.adminOnly && !policy.isAdmin && value !== "" && !spec.routesCredentials) {
      problems.push(note(key, msg`Only an admin may set a custom domain; leave it empty`));
      continue;
    }
    const parsed = spec.schema.safeParse(value);
    if (!parsed.success) {
      problems.push(note(key, parsed.error.issues[0]?.message ?? msg`Invalid value`));
      continue;
    }
    const routing = routingProblem(spec, parsed.data, policy, before.get(key));
    if (routing) problems.push(note(key, routing));
    else updates.set(key, parsed.data);
  }
  for (const key of edit.unset) {
    const spec = ENV_BY_KEY.get(key);
    if (!spec || spec.secret) {
      problems.push(note(key, spec ? msg`Secrets cannot be removed this way` : msg`Not a documented .env variable`));
      continue;
    }
    const routing = before.has(key) ? routingProblem(spec, null, policy, before.get(key)) : null;
    if (routing) problems.push(note(key, routing));
    else updates.set(key, null);
  }
  for (const [key, change] of Object.entries(edit.secrets)) {
    const spec = ENV_BY_KEY.get(key);
    if (!spec?.secret) {
      problems.push(note(key, msg`Not a secret variable`));
      continue;
    }
    if (change.mode === "keep") continue;
    if (change.mode === "clear") {
      if (key === "K2_NODE_SECRET") problems.push(note(key, msg`The node secret cannot be cleared (the sidecar would stop registering)`));
      else updates.set(key, "");
      continue;
    }
    const parsed = spec.schema.safeParse(change.value);
    if (!parsed.success) problems.push(note(key, parsed.error.issues[0]?.message ?? msg`Invalid value`));
    else updates.set(key, parsed.data);
  }

  const warnings = crossFieldChecks(before, updates, policy, problems);

  const lines = parseEnvLines(current);
  const out: string[] = [];
  const written = new Set<string>();
  for (const l of lines) {
    if (l.kind === "entry" && updates.has(l.key)) {
      if (written.has(l.key)) continue; // drop duplicate definitions of a managed key
      const v = updates.get(l.key);
      if (v !== null) out.push(`${l.key}=${v}`);
      written.add(l.key);
    } else out.push(l.raw);
  }
  for (const [key, v] of updates) if (!written.has(key) && v !== null) out.push(`${key}=${v}`);

  const changes: EnvPlan["changes"] = [];
  for (const [key, v] of updates) {
    const from = before.get(key) ?? null;
    if (from === v) continue;
    changes.push({ key, from, to: v, secret: !!ENV_BY_KEY.get(key)?.secret });
  }
  return { content: out.join("\n") + "\n", changes, problems, warnings };
}

/** The preview an operator sees: non-secret changes in full, secret ones only as "replaced"/"cleared". */
export function describeChanges(changes: EnvPlan["changes"]): { key: string; from: string; to: string }[] {
  return changes.map((c) =>
    c.secret
      ? { key: c.key, from: c.from ? "(set)" : "(not set)", to: c.to ? "(replaced)" : "(cleared)" }
      : { key: c.key, from: c.from ?? "(not set)", to: c.to ?? "(removed)" },
  );
}

// The compose file publishes these hop ports (40000-40019/udp), and the sidecar's defaults match.
const HOP_MIN = 40000;
const HOP_MAX = 40019;
const BILLING = "K2_NODE_BILLING_START_DATE";

/**
 * Rules across variables, on the .env as it would be after the edit: hop port
 * min <= max (unset ones at their defaults) is a problem; metering switched off,
 * billing days some months lack (with the resets the sidecar will really use),
 * a Lightsail node not reset on the 1st, and hop ports the compose file does not
 * publish are warnings.
 */
function crossFieldChecks(before: Map<string, string>, updates: Map<string, string | null>, policy: EnvPolicy, problems: EnvEditProblem[]): EnvEditProblem[] {
  const warnings: EnvEditProblem[] = [];
  const after = new Map(before);
  for (const [k, v] of updates) {
    if (v === null) after.delete(k);
    else after.set(k, v);
  }
  const touched = (k: string) => updates.has(k) && !problems.some((p) => p.key === k);

  if (touched("K2_JUMP_PORT_MIN") || touched("K2_JUMP_PORT_MAX")) {
    const min = Number(after.get("K2_JUMP_PORT_MIN") || HOP_MIN);
    const max = Number(after.get("K2_JUMP_PORT_MAX") || HOP_MAX);
    const key = touched("K2_JUMP_PORT_MIN") ? "K2_JUMP_PORT_MIN" : "K2_JUMP_PORT_MAX";
    if (min > max) {
      const maxIs = after.get("K2_JUMP_PORT_MAX") ? String(max) : msg`${max}, the default while K2_JUMP_PORT_MAX is unset`;
      problems.push(note(key, msg`Hop port min (${min}) would be above max (${maxIs}): set both`));
    } else if (min < HOP_MIN || max > HOP_MAX) {
      warnings.push(note(key, msg`The canonical compose file publishes only ${HOP_MIN}-${HOP_MAX}/udp: hop ports ${min}-${max} outside it are advertised but unreachable`));
    }
  }

  if (touched(BILLING)) {
    const value = after.get(BILLING) ?? "";
    if (!value) {
      if (before.get(BILLING)) warnings.push(note(BILLING, msg`Metering off: the node will run uncapped (no quota enforcement, no cutoff)`));
    } else {
      const day = Number(value.slice(8, 10));
      if (day >= 29) {
        const odd = nextCycleEnds(day, policy.now ?? new Date(), 12).filter((d) => d.getUTCDate() !== day);
        if (odd.length) {
          const dates = odd.map((d) => d.toISOString().slice(0, 10)).join(", ");
          warnings.push(note(BILLING, msg`Day ${day} is missing from some months: the sidecar rolls those resets over (Go date normalisation), so in the next 12 months it resets on ${dates} instead, and those cycles are longer or shorter`));
        }
      }
      if (policy.nodeProvider === "aws_lightsail" && day !== 1) {
        warnings.push(note(BILLING, msg`Lightsail resets its monthly transfer allowance on the 1st (UTC): with another billing day the node meters a different window than AWS bills`));
      }
    }
  }
  return warnings;
}

/** A plan's problems and warnings as a page shows them: key and message, said in `locale` (English: unchanged). */
export function sayEnvNotes<P extends { problems: EnvEditProblem[]; warnings: EnvEditProblem[] }>(plan: P, locale: Locale): P {
  const said = (n: EnvEditProblem): EnvEditProblem => ({ key: n.key, message: say(n.text ?? n.message, locale) });
  return { ...plan, problems: plan.problems.map(said), warnings: plan.warnings.map(said) };
}
