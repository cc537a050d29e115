import { z } from "zod";
import { isCalendarDate } from "@/lib/metering/cycle";
import { msg, schemaText } from "@/lib/text";

// The documented /apps/k2s/.env variables (runbook §2, node-behavior §1.3),
// each with the validation an operator would expect. Free text never reaches
// the node: every value must match its variable's shape.

export const PINNED_TAG = /^v\d+\.\d+\.\d+(?:-[0-9a-f]{7,40})?$/;
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const NODE_NAME = /^[a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?$/;
const REGION = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9-]+)?$/;
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export type EnvVarSpec = {
  key: string;
  label: string;
  help: string;
  secret?: boolean;
  adminOnly?: boolean;
  /** the node sends its credentials to this address: only allow-listed values (see centerUrlAllowList) */
  routesCredentials?: boolean;
  /** the only values the sidecar understands: the form shows a select ("" = not set) */
  choices?: readonly string[];
  schema: z.ZodType<string>;
};

const str = (re: RegExp, message: string) => z.string().trim().regex(re, message);
const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "Must be a whole number")
    .refine((v) => Number(v) >= min && Number(v) <= max, schemaText(msg`Must be between ${min} and ${max}`));

export const ENV_VARS: EnvVarSpec[] = [
  { key: "K2_VERSION", label: "Image tag", help: "Pinned tag for both images, e.g. v0.4.8-9d7c6f95. Never latest outside a fleet rollout.", schema: str(PINNED_TAG, "Use a pinned tag like v0.4.8-9d7c6f95 (latest and floating tags are refused)") },
  { key: "K2_NODE_NAME", label: "Node name", help: "{region}.{provider}.wm{NN}, or pn-<subId> for a private node.", schema: str(NODE_NAME, "Lowercase letters, digits, dots and dashes, like jp-tokyo.aws.wm04 or pn-1001") },
  { key: "K2_NODE_REGION", label: "Region", help: "Region id, e.g. jp-tokyo.aws.", schema: str(REGION, "Lowercase region id like jp-tokyo.aws") },
  { key: "K2_IP_TYPE", label: "IP type", help: "Drives residential-IP visibility at Center.", choices: ["residential", "non_residential", "unknown"], schema: z.enum(["residential", "non_residential", "unknown"]) },
  {
    key: "K2_CENTER_URL",
    label: "Center URL",
    help: "Where the node registers and reports usage, sending its secret: only the configured Center (or an admin-approved URL). Admin only.",
    adminOnly: true,
    routesCredentials: true,
    schema: z
      .string()
      .trim()
      .url("Must be a URL")
      .refine((u) => /^https?:\/\/[^/@?#]+(\/[^?#@]*)?$/.test(u), "An http(s) base URL without credentials, query or fragment"),
  },
  { key: "K2_DOMAIN", label: "Custom tunnel domain", help: "Leave empty: the sidecar derives {ipv4-dashes}.sslip.io. Only an admin may set a custom domain you own.", adminOnly: true, schema: z.union([z.literal(""), str(HOSTNAME, "A hostname you own, or empty")]) },
  { key: "K2_NODE_ARCH", label: "Protocol arch", help: "Registration meta (default k2v5).", choices: ["k2v5"], schema: z.enum(["k2v5"]) },
  {
    key: "K2_NODE_BILLING_START_DATE",
    label: "Billing start date",
    help: "yyyy-MM-dd; the day must match the provider's reset day. Empty = metering off (node runs uncapped).",
    schema: z.union([
      z.literal(""),
      z
        .string()
        .trim()
        .regex(/^\d{4}-\d{2}-\d{2}$/, "yyyy-MM-dd")
        .refine(isCalendarDate, "Not a real calendar date (e.g. 2026-02-31 does not exist)"),
    ]),
  },
  { key: "K2_NODE_TRAFFIC_LIMIT_GB", label: "Monthly quota (GiB)", help: "0 = unlimited. The node pauses k2s at used ≥ limit − 500 MiB.", schema: int(0, 1_000_000) },
  { key: "K2_NODE_TRAFFIC_USED_GB", label: "Already used (GiB)", help: "Mid-cycle seed, applied once on first boot only (no state yet). Prefer set-usage later.", schema: int(0, 1_000_000) },
  { key: "K2_NODE_TRAFFIC_BILLING_MODE", label: "Billing mode", help: "max(in,out) or in+out (sum).", choices: ["", "max", "sum"], schema: z.enum(["", "max", "sum"]) },
  { key: "K2_CUTOFF_POLL_INTERVAL", label: "Cutoff poll interval", help: "Go duration, default 5s.", schema: z.union([z.literal(""), str(GO_DURATION, "A Go duration like 5s")]) },
  { key: "K2_JUMP_PORT_MIN", label: "Hop port min", help: "Default 40000.", schema: int(1024, 65535) },
  { key: "K2_JUMP_PORT_MAX", label: "Hop port max", help: "Default 40019.", schema: int(1024, 65535) },
  { key: "K2_LOG_LEVEL", label: "Log level", help: "debug / info / warn / error.", choices: ["debug", "info", "warn", "error"], schema: z.enum(["debug", "info", "warn", "error"]) },
  { key: "K2_ENFORCE_AUTH", label: "Enforce auth", help: "1 forces enforce_auth; requires an empty users file fleet-wide first.", choices: ["0", "1"], schema: z.enum(["0", "1"]) },
  { key: "K2_NODE_SECRET", label: "Node secret", help: "64 hex chars. Write-only: keep or replace, never displayed.", secret: true, schema: str(/^[0-9a-f]{64}$/, "64 lowercase hex characters") },
  // Center issues claim tokens as 64 hex (center-api.md §5.4); nothing else is registered as a secret
  { key: "K2_PRIVATE_CLAIM", label: "Private claim", help: "One-time claim token from Center's work item (64 hex). Write-only.", secret: true, schema: str(/^[0-9a-f]{64}$/, "64 lowercase hex characters (Center's claim token)") },
];

export const ENV_BY_KEY = new Map(ENV_VARS.map((v) => [v.key, v]));

/** A secret field in the form: keep what the node has, replace it, or clear it (claim only). */
export const secretChangeSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("keep") }),
  z.object({ mode: z.literal("replace"), value: z.string() }),
  z.object({ mode: z.literal("clear") }),
]);
export type SecretChange = z.infer<typeof secretChangeSchema>;

export const envEditSchema = z.object({
  set: z.record(z.string(), z.string()).default({}),
  unset: z.array(z.string()).default([]),
  secrets: z.record(z.string(), secretChangeSchema).default({}),
});
export type EnvEdit = z.infer<typeof envEditSchema>;

// ---- what may reach the node ------------------------------------------------

/** The default the compose file gives K2_CENTER_URL when .env lacks it (node-behavior.md §1.3). */
export const COMPOSE_DEFAULT_CENTER_URL = "https://k2.52j.me";

/** A base URL compared without trailing slashes. */
export function normalizeBaseUrl(u: string): string {
  return u.trim().replace(/\/+$/, "");
}

/**
 * The Center URLs a node may be given (normalised base URLs): the configured
 * Center (KAITU_CENTER_URL) and the admin-managed allow-list
 * K2OPS_CENTER_URL_ALLOWLIST (comma-separated base URLs, for when the nodes
 * reach Center at another address than the console does). Empty when neither
 * is configured: then no Center URL can be set from k2ops.
 */
export function centerUrlAllowList(env: Record<string, string | undefined> = process.env): string[] {
  const raw = [env.KAITU_CENTER_URL ?? "", ...(env.K2OPS_CENTER_URL_ALLOWLIST ?? "").split(",")];
  const out = new Set<string>();
  for (const r of raw) {
    if (!r.trim()) continue;
    try {
      const u = new URL(r.trim());
      if (!/^https?:$/.test(u.protocol) || u.username || u.password) continue;
      out.add(normalizeBaseUrl(r));
    } catch {
      // an unparseable entry allows nothing
    }
  }
  return [...out];
}

// Docker Compose reads an unquoted .env value with interpolation ($VAR, ${VAR}),
// ` #` comments, quote stripping and escapes. A value reaches the container byte
// for byte only without these characters, so every value k2ops writes is refused
// when it holds one (with the reason) rather than written in a form compose rewrites.
const COMPOSE_SPECIAL: [RegExp, string][] = [
  [/\$/, "contains $, which Docker Compose expands as a variable (e.g. ${K2_NODE_SECRET})"],
  [/#/, "contains #, which Docker Compose may read as the start of a comment"],
  [/["'`]/, "contains a quote, which Docker Compose strips or interprets"],
  [/\\/, "contains a backslash, which Docker Compose may read as an escape"],
  [/\s/, "contains whitespace, which Docker Compose trims or cuts at"],
  [/[\u0000-\u001f\u007f]/, "contains a control character"],
];

/** Why `value` would not reach the container literally, or null when it would. */
export function composeLiteralProblem(value: string): string | null {
  for (const [re, why] of COMPOSE_SPECIAL) if (re.test(value)) return why;
  return null;
}
