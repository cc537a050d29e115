import { z } from "zod";
import { ipv4Schema } from "./ipv4";

// The fleet forms' schemas, in their own module (no database import) so the
// client forms validate with the very schemas the server actions use.

// The address becomes an SSH target: one canonical spelling only (no leading
// zeros, which some tools read as octal), and a unicast host address.
const strictIpv4 = ipv4Schema.refine((ip) => ip.split(".").every((o) => o === "0" || !o.startsWith("0")), "write each part without leading zeros").refine((ip) => {
  const first = Number(ip.split(".")[0]);
  return first !== 0 && first < 224;
}, "not a host address (0.x, multicast and reserved ranges are refused)");

/** What an operator types to add a node: an IPv4 literal and, optionally, a name. */
export const manualNodeSchema = z.object({
  ipv4: z.string().trim().pipe(strictIpv4),
  name: z
    .string()
    .trim()
    .max(200, "at most 200 characters")
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "contains control characters")
    .optional()
    .default(""),
});
export type ManualNodeInput = z.input<typeof manualNodeSchema>;

/** Per-node SSH overrides (user, port); null falls back to K2OPS_SSH_USER / K2OPS_SSH_PORT. */
export const sshOverrideSchema = z.object({
  sshUser: z
    .string()
    .trim()
    .regex(/^([a-z_][a-z0-9_-]{0,31})?$/, "a Linux user name (lowercase letters, digits, _ and -), or empty for the default")
    .transform((v) => v || null),
  sshPort: z
    .union([z.literal(""), z.coerce.number().int().min(1, "port 1-65535").max(65535, "port 1-65535")])
    .transform((v) => (v === "" ? null : v)),
});
export type SshOverride = z.output<typeof sshOverrideSchema>;
