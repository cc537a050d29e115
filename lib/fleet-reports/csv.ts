import type { AuthRolloutRow } from "./auth-rollout";
import type { UsersFileRow } from "./users-file";

// CSV export of the fleet reports (RFC 4180), safe to open in a spreadsheet:
// node names come from Center, so a cell must not be able to run a formula.

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field: numbers as they are; text with a leading = + - @ (or tab /
 * CR) is prefixed with a single quote so spreadsheets show it as text (CSV
 * injection, OWASP); a field holding a comma, a double quote, CR or LF (or
 * neutralised) is double-quoted, inner quotes doubled. null/undefined = empty.
 */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (typeof v === "boolean") return v ? "true" : "false";
  let s = v;
  const neutralised = FORMULA_START.test(s);
  if (neutralised) s = `'${s}`;
  return neutralised || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A whole CSV document: a header row and the rows, CRLF line ends (RFC 4180), ending with one. */
export function toCsv(header: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** The users-file audit's rows as CSV: node, ipv4, state (clean|dirty|unreadable|skipped|pending), entries, cause, reason. */
export function usersFileCsv(rows: UsersFileRow[]): string {
  return toCsv(
    ["node", "ipv4", "state", "entries", "cause", "reason"],
    rows.map((r) => [r.name, r.ipv4, r.state, r.entries, r.cause, r.reason]),
  );
}

/** The auth-rollout report's rows as CSV; an unknown row's counters are empty, never 0. */
export function authRolloutCsv(rows: AuthRolloutRow[]): string {
  return toCsv(
    ["node", "ipv4", "state", "total", "authed", "cookie_hit", "cold", "unauthed", "legacy_no_metadata", "unreachable", "misconfigured", "lines", "source", "reason"],
    rows.map((r) => [r.name, r.ipv4, r.state, r.counts?.total, r.counts?.authed, r.counts?.cookie_hit, r.counts?.cold, r.counts?.unauthed, r.counts?.legacy_no_metadata, r.unreachable, r.misconfigured, r.lines, r.source, r.reason]),
  );
}
