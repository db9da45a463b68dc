import { z } from "zod";
import { datasetName } from "@/server/datasets/dataset-schemas";
import { assembleWiths, batchStrategies, DEFAULT_MAX_PAYLOAD_MB, joinSources, MAX_PAYLOAD_MB, splitTypes, transformContentTypes, transformJobName } from "@/lib/transform-jobs";

const filter = z.string().trim().max(63, "is at most 63 characters (SageMaker's limit)").default("$");

/** POST /api/projects/:id/transform-jobs — SageMaker's CreateTransformJob, flattened. */
export const createTransformJobInput = z.object({
  name: transformJobName,
  modelVersionId: z.string().min(1, "is required").max(64),
  datasetVersionId: z.string().min(1, "is required").max(64),
  /** The input's format; taken from the dataset version when absent. */
  contentType: z.enum(transformContentTypes).optional(),
  splitType: z.enum(splitTypes).default("Line"),
  batchStrategy: z.enum(batchStrategies).default("MultiRecord"),
  maxPayloadInMB: z
    .number({ error: "must be a number" })
    .int("must be a whole number of MB")
    .min(1, "must be at least 1")
    .max(MAX_PAYLOAD_MB, `must be at most ${MAX_PAYLOAD_MB}`)
    .default(DEFAULT_MAX_PAYLOAD_MB),
  assembleWith: z.enum(assembleWiths).default("Line"),
  /** The output format; the input's when absent. */
  accept: z.enum(transformContentTypes).optional(),
  joinSource: z.enum(joinSources).default("None"),
  inputFilter: filter,
  outputFilter: filter,
  /** The dataset whose next version the output becomes (created if new); "<input dataset>-predictions" when absent. */
  outputDatasetName: datasetName.optional(),
});
export type CreateTransformJobInput = z.infer<typeof createTransformJobInput>;

export const listTransformJobsQuery = z.object({ projectId: z.string().min(1).max(64).optional() });
