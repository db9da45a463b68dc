import { z } from "zod";
import { dataCaptureConfig, endpointName, MAX_REPLICAS, MAX_VARIANTS, runtimeChoices, variantName } from "@/lib/endpoints";

export const variantInput = z.object({
  name: variantName.default("AllTraffic"),
  modelVersionId: z.string().min(1, "is required").max(64),
  weight: z.number({ error: "must be a number" }).min(0, "must be 0 or more").max(1_000_000).default(1),
  replicas: z.number().int("must be a whole number").min(1, "must be at least 1").max(MAX_REPLICAS, `must be at most ${MAX_REPLICAS}`).default(1),
  runtime: z.enum(runtimeChoices, { error: `must be one of ${runtimeChoices.join(", ")}` }).default("auto"),
  /** Gets a copy of shadowSamplingPercent % of production requests; its answers are recorded, never returned. */
  shadow: z.boolean().default(false),
  shadowSamplingPercent: z.number({ error: "must be a number" }).min(0, "must be 0 to 100").max(100, "must be 0 to 100").default(100),
});

/** An endpoint's variants (SageMaker's ProductionVariants + ShadowProductionVariants). */
const variantsInput = z
  .array(variantInput)
  .min(1, "name at least one variant")
  .max(MAX_VARIANTS, `at most ${MAX_VARIANTS} variants`)
  .refine((vs) => new Set(vs.map((v) => v.name)).size === vs.length, "variant names must differ")
  .refine((vs) => vs.filter((v) => v.shadow).length <= 1, "at most one shadow variant")
  .refine((vs) => vs.some((v) => !v.shadow && v.weight > 0), "at least one (non-shadow) variant needs a weight above 0");

/** POST /api/projects/:id/endpoints */
export const createEndpointInput = z.object({
  name: endpointName,
  description: z.string().max(2_000).default(""),
  production: z.boolean().default(false),
  /** Off when absent. */
  dataCapture: dataCaptureConfig.nullable().default(null),
  variants: variantsInput,
});
export type CreateEndpointInput = z.infer<typeof createEndpointInput>;

/**
 * PATCH /api/endpoints/:id – the endpoint's new variants (SageMaker's UpdateEndpoint with a new
 * config): a variant whose model version and runtime stay changes weight, replicas and shadow
 * sampling in place; a new one, or one with another version or runtime, starts beside the old and
 * takes over once healthy (rolled back if it never is); a variant left out is drained and stopped.
 */
export const updateEndpointInput = z.object({ variants: variantsInput });
export type UpdateEndpointInput = z.infer<typeof updateEndpointInput>;

export const listEndpointsQuery = z.object({ projectId: z.string().min(1).max(64).optional() });
