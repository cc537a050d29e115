import { z } from "zod";

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
  schema: z.ZodType<string>;
};

const str = (re: RegExp, msg: string) => z.string().trim().regex(re, msg);
const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "Must be a whole number")
    .refine((v) => Number(v) >= min && Number(v) <= max, `Must be between ${min} and ${max}`);

export const ENV_VARS: EnvVarSpec[] = [
  { key: "K2_VERSION", label: "Image tag", help: "Pinned tag for both images, e.g. v0.4.8-9d7c6f95. Never latest outside a fleet rollout.", schema: str(PINNED_TAG, "Use a pinned tag like v0.4.8-9d7c6f95 (latest and floating tags are refused)") },
  { key: "K2_NODE_NAME", label: "Node name", help: "{region}.{provider}.wm{NN}, or pn-<subId> for a private node.", schema: str(NODE_NAME, "Lowercase letters, digits, dots and dashes, like jp-tokyo.aws.wm04 or pn-1001") },
  { key: "K2_NODE_REGION", label: "Region", help: "Region id, e.g. jp-tokyo.aws.", schema: str(REGION, "Lowercase region id like jp-tokyo.aws") },
  { key: "K2_IP_TYPE", label: "IP type", help: "Drives residential-IP visibility at Center.", schema: z.enum(["residential", "non_residential", "unknown"]) },
  { key: "K2_CENTER_URL", label: "Center URL", help: "Center API base for registration and usage reports.", schema: z.string().trim().url("Must be a URL").refine((u) => /^https?:\/\//.test(u) && !/@/.test(u), "http(s) URL without credentials") },
  { key: "K2_DOMAIN", label: "Custom tunnel domain", help: "Leave empty: the sidecar derives {ipv4-dashes}.sslip.io. Only an admin may set a custom domain you own.", adminOnly: true, schema: z.union([z.literal(""), str(HOSTNAME, "A hostname you own, or empty")]) },
  { key: "K2_NODE_ARCH", label: "Protocol arch", help: "Registration meta (default k2v5).", schema: z.enum(["k2v5"]) },
  { key: "K2_NODE_BILLING_START_DATE", label: "Billing start date", help: "yyyy-MM-dd; the day must match the provider's reset day. Empty = metering off (node runs uncapped).", schema: z.union([z.literal(""), z.string().trim().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, "yyyy-MM-dd")]) },
  { key: "K2_NODE_TRAFFIC_LIMIT_GB", label: "Monthly quota (GiB)", help: "0 = unlimited. The node pauses k2s at used ≥ limit − 500 MiB.", schema: int(0, 1_000_000) },
  { key: "K2_NODE_TRAFFIC_USED_GB", label: "Already used (GiB)", help: "Mid-cycle seed, applied once on first boot only (no state yet). Prefer set-usage later.", schema: int(0, 1_000_000) },
  { key: "K2_NODE_TRAFFIC_BILLING_MODE", label: "Billing mode", help: "max(in,out) or in+out (sum).", schema: z.enum(["", "max", "sum"]) },
  { key: "K2_CUTOFF_POLL_INTERVAL", label: "Cutoff poll interval", help: "Go duration, default 5s.", schema: z.union([z.literal(""), str(GO_DURATION, "A Go duration like 5s")]) },
  { key: "K2_JUMP_PORT_MIN", label: "Hop port min", help: "Default 40000.", schema: int(1024, 65535) },
  { key: "K2_JUMP_PORT_MAX", label: "Hop port max", help: "Default 40019.", schema: int(1024, 65535) },
  { key: "K2_LOG_LEVEL", label: "Log level", help: "debug / info / warn / error.", schema: z.enum(["debug", "info", "warn", "error"]) },
  { key: "K2_ENFORCE_AUTH", label: "Enforce auth", help: "1 forces enforce_auth; requires an empty users file fleet-wide first.", schema: z.enum(["0", "1"]) },
  { key: "K2_NODE_SECRET", label: "Node secret", help: "64 hex chars. Write-only: keep or replace, never displayed.", secret: true, schema: str(/^[0-9a-f]{64}$/, "64 lowercase hex characters") },
  { key: "K2_PRIVATE_CLAIM", label: "Private claim", help: "One-time claim token (private nodes). Write-only.", secret: true, schema: str(/^[A-Za-z0-9._~-]{8,512}$/, "A claim token (letters, digits, . _ ~ -)") },
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
