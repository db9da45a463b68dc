import { z } from "zod";
import { dataCaptureConfig, endpointModelName, endpointName, MAX_ENDPOINT_MODELS, MAX_REPLICAS, MAX_VARIANTS, runtimeChoices, variantName } from "@/lib/endpoints";

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

/** A model of a multi-model endpoint; its name defaults to "{model}-v{version}". */
export const endpointModelInput = z.object({
  name: endpointModelName.optional(),
  modelVersionId: z.string().min(1, "is required").max(64),
});
export type EndpointModelInput = z.infer<typeof endpointModelInput>;

/** A multi-model endpoint (SageMaker's MultiModel mode): one variant of model servers that load the endpoint's models on demand. */
export const multiModelInput = z.object({
  memoryBudgetMb: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(262_144, "must be at most 262144").default(1024),
  replicas: z.number().int("must be a whole number").min(1, "must be at least 1").max(MAX_REPLICAS, `must be at most ${MAX_REPLICAS}`).default(1),
  models: z
    .array(endpointModelInput)
    .max(MAX_ENDPOINT_MODELS, `at most ${MAX_ENDPOINT_MODELS} models`)
    .default([]),
});

/** POST /api/projects/:id/endpoints – variants, or multiModel */
export const createEndpointInput = z
  .object({
    name: endpointName,
    description: z.string().max(2_000).default(""),
    production: z.boolean().default(false),
    /** Off when absent. */
    dataCapture: dataCaptureConfig.nullable().default(null),
    variants: variantsInput.optional(),
    multiModel: multiModelInput.nullable().default(null),
  })
  .superRefine((input, ctx) => {
    if (!input.variants && !input.multiModel) ctx.addIssue({ code: "custom", path: ["variants"], message: "name at least one variant, or make it a multi-model endpoint" });
    if (input.variants && input.multiModel) ctx.addIssue({ code: "custom", path: ["multiModel"], message: "a multi-model endpoint has one variant of its own: leave variants out" });
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
