import { z } from "zod";
import { ipv4Schema } from "@/lib/fleet/ipv4";
import { rolloutParamsSchema, strategySchema } from "./strategy";

// The rollout form's input as the server validates it (the form uses the same
// schemas through react-hook-form's zod resolver).

export const rolloutTargetSchema = z.union([
  z.object({ selection: z.array(ipv4Schema).min(1, "select at least one node").max(10_000) }).strict(),
  z.object({ filter: z.record(z.string(), z.union([z.string().max(200), z.array(z.string().max(200)).max(50)])) }).strict(),
]);

export const rolloutPreviewSchema = z.object({ target: rolloutTargetSchema, params: rolloutParamsSchema, strategy: strategySchema }).strict();
export const rolloutStartSchema = rolloutPreviewSchema.extend({ expectedCount: z.number().int().min(1, "confirm the node count") }).strict();
export const rolloutControlSchema = z.object({ jobId: z.string().regex(/^[a-z0-9]{10,40}$/i, "a job id") }).strict();
export type RolloutStartInput = z.infer<typeof rolloutStartSchema>;
