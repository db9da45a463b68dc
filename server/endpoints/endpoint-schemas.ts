import { z } from "zod";
import { dataCaptureConfig, endpointName, MAX_REPLICAS, MAX_VARIANTS, runtimeChoices, variantName } from "@/lib/endpoints";

export const variantInput = z.object({
  name: variantName.default("AllTraffic"),
  modelVersionId: z.string().min(1, "is required").max(64),
  weight: z.number({ error: "must be a number" }).min(0, "must be 0 or more").max(1_000_000).default(1),
  replicas: z.number().int("must be a whole number").min(1, "must be at least 1").max(MAX_REPLICAS, `must be at most ${MAX_REPLICAS}`).default(1),
  runtime: z.enum(runtimeChoices, { error: `must be one of ${runtimeChoices.join(", ")}` }).default("auto"),
});

/** POST /api/projects/:id/endpoints */
export const createEndpointInput = z.object({
  name: endpointName,
  description: z.string().max(2_000).default(""),
  production: z.boolean().default(false),
  /** Off when absent. */
  dataCapture: dataCaptureConfig.nullable().default(null),
  variants: z
    .array(variantInput)
    .min(1, "name at least one variant")
    .max(MAX_VARIANTS, `at most ${MAX_VARIANTS} variants`)
    .refine((vs) => new Set(vs.map((v) => v.name)).size === vs.length, "variant names must differ")
    .refine((vs) => vs.some((v) => v.weight > 0), "at least one variant needs a weight above 0"),
});
export type CreateEndpointInput = z.infer<typeof createEndpointInput>;

export const listEndpointsQuery = z.object({ projectId: z.string().min(1).max(64).optional() });
