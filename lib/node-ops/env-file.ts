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

export type EnvEditProblem = { key: string; message: string };

export type EnvPlan = {
  content: string; // the new file (contains secrets: goes to the node on stdin only)
  changes: { key: string; from: string | null; to: string | null; secret: boolean }[];
  problems: EnvEditProblem[];
};

export type EnvPolicy = {
  isAdmin: boolean;
  /** normalised base URLs a node's K2_CENTER_URL may be set to (centerUrlAllowList) */
  allowedCenterUrls: readonly string[];
};

/** Why `value` (null = remove the line) may not be written for a credential-routing variable, or null. */
function routingProblem(spec: EnvVarSpec, value: string | null, policy: EnvPolicy, current: string | undefined): string | null {
  if (!spec.routesCredentials) return null;
  const effective = normalizeBaseUrl(value ?? COMPOSE_DEFAULT_CENTER_URL);
  if (current !== undefined && value !== null && normalizeBaseUrl(current) === effective) return null;
  if (!policy.isAdmin) return "Only an admin may change where the node sends its credentials";
  if (!policy.allowedCenterUrls.includes(effective)) {
    const allowed = policy.allowedCenterUrls.length ? policy.allowedCenterUrls.join(", ") : "none configured";
    return value === null
      ? `Removing it sends the node's secret to the compose default ${COMPOSE_DEFAULT_CENTER_URL}, which is not an allowed Center (allowed: ${allowed})`
      : `The node sends its secret to this address: only the configured Center or an admin-approved URL (K2OPS_CENTER_URL_ALLOWLIST) is allowed (allowed: ${allowed})`;
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
      problems.push({ key, message: "Not a documented .env variable" });
      continue;
    }
    if (spec.secret) {
      problems.push({ key, message: "Secrets are set with keep/replace, not as plain values" });
      continue;
    }
    const literal = composeLiteralProblem(value.trim());
    if (literal) {
      problems.push({ key, message: `Refused: the value ${literal}` });
      continue;
    }
    if (spec.adminOnly && !policy.isAdmin && value !== "" && !spec.routesCredentials) {
      problems.push({ key, message: "Only an admin may set a custom domain; leave it empty" });
      continue;
    }
    const parsed = spec.schema.safeParse(value);
    if (!parsed.success) {
      problems.push({ key, message: parsed.error.issues[0]?.message ?? "Invalid value" });
      continue;
    }
    const routing = routingProblem(spec, parsed.data, policy, before.get(key));
    if (routing) problems.push({ key, message: routing });
    else updates.set(key, parsed.data);
  }
  for (const key of edit.unset) {
    const spec = ENV_BY_KEY.get(key);
    if (!spec || spec.secret) {
      problems.push({ key, message: spec ? "Secrets cannot be removed this way" : "Not a documented .env variable" });
      continue;
    }
    const routing = before.has(key) ? routingProblem(spec, null, policy, before.get(key)) : null;
    if (routing) problems.push({ key, message: routing });
    else updates.set(key, null);
  }
  for (const [key, change] of Object.entries(edit.secrets)) {
    const spec = ENV_BY_KEY.get(key);
    if (!spec?.secret) {
      problems.push({ key, message: "Not a secret variable" });
      continue;
    }
    if (change.mode === "keep") continue;
    if (change.mode === "clear") {
      if (key === "K2_NODE_SECRET") problems.push({ key, message: "The node secret cannot be cleared (the sidecar would stop registering)" });
      else updates.set(key, "");
      continue;
    }
    const parsed = spec.schema.safeParse(change.value);
    if (!parsed.success) problems.push({ key, message: parsed.error.issues[0]?.message ?? "Invalid value" });
    else updates.set(key, parsed.data);
  }

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
  return { content: out.join("\n") + "\n", changes, problems };
}

/** The preview an operator sees: non-secret changes in full, secret ones only as "replaced"/"cleared". */
export function describeChanges(changes: EnvPlan["changes"]): { key: string; from: string; to: string }[] {
  return changes.map((c) =>
    c.secret
      ? { key: c.key, from: c.from ? "(set)" : "(not set)", to: c.to ? "(replaced)" : "(cleared)" }
      : { key: c.key, from: c.from ?? "(not set)", to: c.to ?? "(removed)" },
  );
}
