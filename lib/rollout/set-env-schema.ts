import { z } from "zod";
import { ENV_BY_KEY } from "@/lib/node-ops/env-schema";
import { msg, schemaText, sentenceOfSchemaText, textOf } from "@/lib/text";

// The `set-env` rollout's parameters (pure: the form validates with them too).

/** The .env keys a rollout may set fleet-wide: documented, never secret, never per-node identity or routing. */
export const FLEET_ENV_KEYS = ["K2_ENFORCE_AUTH", "K2_LOG_LEVEL", "K2_CUTOFF_POLL_INTERVAL", "K2_JUMP_PORT_MIN", "K2_JUMP_PORT_MAX"] as const;
export type FleetEnvKey = (typeof FLEET_ENV_KEYS)[number];

/** `env`: 1-5 settings, each value validated by its variable's own schema (env-schema.ts); a key appears once. */
export const setEnvParamsSchema = z
  .object({
    kind: z.literal("set-env"),
    env: z
      .array(z.object({ key: z.enum(FLEET_ENV_KEYS, { error: schemaText(msg`one of ${FLEET_ENV_KEYS.join(", ")}`) }), value: z.string().trim().max(200) }).strict())
      .min(1, "set at least one variable")
      .max(5, "at most 5 variables"),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.env.forEach((e, i) => {
      if (seen.has(e.key)) ctx.addIssue({ code: "custom", path: ["env", i, "key"], message: schemaText(msg`${e.key} appears twice`) });
      seen.add(e.key);
      const r = ENV_BY_KEY.get(e.key)!.schema.safeParse(e.value);
      if (!r.success) {
        // the variable's own reason, said as its sentence when it has one (a literal or schemaText message)
        const reason = r.error.issues[0]?.message;
        ctx.addIssue({ code: "custom", path: ["env", i, "value"], message: schemaText(msg`${e.key}: ${reason === undefined ? msg`invalid` : (sentenceOfSchemaText(reason) ?? textOf(reason))}`) });
      }
    });
  });
export type SetEnvParams = z.output<typeof setEnvParamsSchema>;

/** Whether the rollout turns auth enforcement on (the users-file gate applies). */
export const enforcesAuth = (p: { kind: string; env?: { key: string; value: string }[] }) => p.kind === "set-env" && !!p.env?.some((e) => e.key === "K2_ENFORCE_AUTH" && e.value === "1");

