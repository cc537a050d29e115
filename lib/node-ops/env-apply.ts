import { ENV_BY_KEY } from "./env-schema";

// Applies .env changes ON the node, so k2ops never has to read a secret back:
// the edit travels as a script on stdin (`sudo bash -s`), with every value
// single-quoted inside the script; the remote command line is just `bash -s`.
// Keys are from the documented list only; values were validated by env-schema.

export type EnvUpdate = { key: string; value: string | null }; // null = remove the line

function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A bash script that rewrites `<dir>/.env` atomically (temp file + rename,
 * mode 0600 kept), replacing managed keys in place, appending new ones,
 * dropping duplicate definitions, preserving everything else.
 */
export function envApplyScript(dir: "/apps/k2s" | "/apps/kaitu-slave", updates: EnvUpdate[]): string {
  for (const u of updates) {
    if (!ENV_BY_KEY.has(u.key)) throw new Error(`not a documented .env variable: ${u.key}`);
    if (u.value !== null && /[\n\r\0]/.test(u.value)) throw new Error(`${u.key}: value contains a line break`);
  }
  const lines = [
    "set -euo pipefail",
    "umask 077",
    `f=${sq(dir + "/.env")}`,
    'test -f "$f" || { echo "no .env in the deploy dir" >&2; exit 3; }',
    'tmp="$(mktemp "$f.k2ops.XXXXXX")"',
    "trap 'rm -f \"$tmp\"' EXIT",
    "declare -A val=() seen=()",
    ...updates.map((u) => (u.value === null ? `val[${u.key}]=__K2OPS_REMOVE__` : `val[${u.key}]=${sq(u.value)}`)),
    'while IFS= read -r line || [ -n "$line" ]; do',
    '  if [[ "$line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)= ]] && [[ -v "val[${BASH_REMATCH[2]}]" ]]; then',
    '    k="${BASH_REMATCH[2]}"',
    '    [[ -v "seen[$k]" ]] && continue',
    '    seen[$k]=1',
    '    [ "${val[$k]}" = __K2OPS_REMOVE__ ] || printf "%s=%s\\n" "$k" "${val[$k]}"',
    "  else",
    '    printf "%s\\n" "$line"',
    "  fi",
    'done < "$f" > "$tmp"',
    'for k in "${!val[@]}"; do',
    '  [[ -v "seen[$k]" ]] || [ "${val[$k]}" = __K2OPS_REMOVE__ ] || printf "%s=%s\\n" "$k" "${val[$k]}" >> "$tmp"',
    "done",
    'chmod --reference="$f" "$tmp" 2>/dev/null || chmod 600 "$tmp"',
    'chown --reference="$f" "$tmp" 2>/dev/null || true',
    'mv -f "$tmp" "$f"',
    "trap - EXIT",
    'echo "k2ops: .env updated"',
  ];
  return lines.join("\n") + "\n";
}
