import { z } from "zod";
import { PINNED_TAG } from "@/lib/node-ops/env-schema";
import { setEnvParamsSchema } from "./set-env-schema";

// What a rollout does and how carefully (the runbook's §5 scripts made into a
// strategy with Nomad's vocabulary): the kind, its parameters, and the
// strategy stored on the job exactly as the operator confirmed it.

/**
 * Rollout kinds:
 * - update: pull a pinned K2_VERSION (and optionally push the canonical compose), then `up -d --remove-orphans`
 * - push-compose: deploy-compose.sh: push the canonical compose (MD5-skip), restart nothing
 * - restart-sidecar: `up -d k2-sidecar` (applies the sidecar's .env; never `restart`)
 * - dir-migration: the documented /apps/kaitu-slave -> /apps/k2s migration, one node at a time after a canary
 * - set-env: set fleet-wide, non-secret .env settings (update-compose.sh --set-env), `up -d`, gated and reverted like an update; K2_ENFORCE_AUTH=1 only on nodes with an empty users file
 * - auto-update: install/refresh /apps/k2s/auto-update.sh (md5-compared) and its 04:00 root cron line (exactly once); restarts nothing
 */
export const ROLLOUT_KINDS = ["update", "push-compose", "restart-sidecar", "dir-migration", "auto-update", "set-env"] as const;
export type RolloutKind = (typeof ROLLOUT_KINDS)[number];

/** Which deploy directory a kind needs: the DIR-migration guard keeps legacy/un-migrated nodes out of /apps/k2s kinds. */
export const KIND_NEEDS: Record<RolloutKind, "k2s" | "legacy"> = { update: "k2s", "push-compose": "k2s", "restart-sidecar": "k2s", "dir-migration": "legacy", "auto-update": "k2s", "set-env": "k2s" };

const amount = (max: number) =>
  z.object({
    mode: z.enum(["count", "percent"]),
    value: z.number({ error: "a number" }).min(0, "0 or more").max(max),
  });

export const strategySchema = z
  .object({
    /** nodes updated first, alone (batch 0); 0 = no canary */
    canary: z.number().int("a whole number").min(0, "0 or more").max(50, "at most 50").default(1),
    /** after a healthy canary: wait for an operator (manual) or go on (auto) */
    promotion: z.enum(["manual", "auto"]).default("manual"),
    /** max_parallel: nodes changed at once after the canary, as a count or a % of the targeted nodes */
    batchSize: amount(100)
      .refine((a) => a.value >= 1, { message: "at least 1 (node or %)", path: ["value"] })
      .default({ mode: "count", value: 5 }),
    /** sleep between batches (update-compose.sh --sleep), seconds */
    staggerSeconds: z.number().int().min(0).max(3600, "at most 3600 s").default(0),
    /** the health gate: the §6 checklist must pass and keep passing this long (seconds) */
    minHealthySeconds: z.number().int().min(0).max(3600, "at most 3600 s").default(20),
    /** a node that has not passed its gate this long after the change failed it (seconds) */
    healthyDeadlineSeconds: z.number().int().min(10, "at least 10 s").max(7200, "at most 7200 s").default(300),
    /** halt when this many targeted nodes failed (count) or this share of them (percent); a batch where every node failed always halts */
    failureThreshold: amount(100).default({ mode: "count", value: 1 }),
    /** put a node that fails its gate back on what it ran before (tag + compose), and verify that */
    autoRevert: z.boolean().default(true),
  })
  .strict();
export type Strategy = z.output<typeof strategySchema>;

export const rolloutParamsSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("update"),
      /** the pinned image tag to roll out (never `latest`) */
      targetTag: z.string().trim().regex(PINNED_TAG, "a pinned tag like v0.4.8-9d7c6f95 (never latest)"),
      /** also push the canonical compose file first */
      pushCompose: z.boolean().default(false),
    })
    .strict(),
  z.object({ kind: z.literal("push-compose") }).strict(),
  z.object({ kind: z.literal("restart-sidecar") }).strict(),
  z.object({ kind: z.literal("dir-migration") }).strict(),
  z.object({ kind: z.literal("auto-update") }).strict(),
  setEnvParamsSchema,
]);
export type RolloutParams = z.output<typeof rolloutParamsSchema>;

/** Nodes per batch for `targeted` nodes (at least 1). */
export function batchSizeOf(s: Pick<Strategy, "batchSize">, targeted: number): number {
  if (s.batchSize.mode === "count") return Math.max(1, Math.floor(s.batchSize.value));
  return Math.max(1, Math.ceil((targeted * s.batchSize.value) / 100));
}

/** How many failed nodes halt the rollout, for `targeted` nodes (at least 1: a threshold of 0 % still needs a failure). */
export function failureLimitOf(s: Pick<Strategy, "failureThreshold">, targeted: number): number {
  if (s.failureThreshold.mode === "count") return Math.max(1, Math.floor(s.failureThreshold.value));
  return Math.max(1, Math.ceil((targeted * s.failureThreshold.value) / 100));
}

/** The threshold in words, with its denominator (the form and the job view show this). */
export function describeThreshold(s: Pick<Strategy, "failureThreshold">, targeted: number): string {
  const n = failureLimitOf(s, targeted);
  const pct = s.failureThreshold.mode === "percent" ? ` (${s.failureThreshold.value}% of ${targeted} targeted nodes)` : ` of ${targeted} targeted nodes`;
  return `halt when ${n} node${n === 1 ? "" : "s"} failed${pct}`;
}
