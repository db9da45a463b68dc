import { z } from "zod";
import { approvalStatuses, frameworks, modelName, onnxReportSchema, signatureColumn, tasks, torchOutputs } from "@/lib/model-registry";
import { wireNumberSchema } from "@/lib/metric-values";

const description = z.string().max(2_000, "is at most 2,000 characters").default("");

/** POST /api/projects/:id/model-versions – from a run's model folder, or from an uploaded file. */
export const registerModelVersionInput = z.discriminatedUnion("source", [
  z.object({
    source: z.literal("run"),
    modelName,
    description,
    runId: z.string().min(1).max(64),
    /** The run's artifact folder holding studio-model.json and the model file. */
    path: z
      .string()
      .max(500)
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "is a folder of the run's artifacts, like model")
      .default("model"),
  }),
  z.object({
    source: z.literal("upload"),
    modelName,
    description,
    uploadId: z.string().regex(/^[0-9a-f-]{36}-[0-9a-f]{64}$/, "names no upload"),
    filename: z.string().trim().min(1, "is required").max(255),
    framework: z.enum(frameworks, { error: `must be one of ${frameworks.join(", ")}` }),
    task: z.enum(tasks).nullable().default(null),
    inputs: z.array(signatureColumn).min(1, "name at least one input column").max(10_000),
    /** For classifiers: the labels in the order the model's probabilities come in. */
    classes: z.array(z.union([z.string(), z.number()])).max(10_000).nullable().default(null),
    /** For a TorchScript classifier: what its scores are (logits get softmax, or sigmoid for one column). */
    output: z.enum(torchOutputs).nullable().default(null),
    metrics: z.record(z.string().min(1).max(200), wireNumberSchema).default({}),
  }),
]);
export type RegisterModelVersionInput = z.infer<typeof registerModelVersionInput>;

export const uploadModelQuery = z.object({ filename: z.string().trim().min(1, "is required").max(255) });

export const approvalInput = z.object({
  status: z.enum(approvalStatuses, { error: `must be one of ${approvalStatuses.join(", ")}` }),
  comment: z.string().trim().max(2_000, "is at most 2,000 characters").default(""),
});

export const updateModelInput = z.object({ description: z.string().max(2_000, "is at most 2,000 characters") });

export const listModelsQuery = z.object({
  q: z.string().trim().max(200).optional(),
  projectId: z.string().min(1).max(64).optional(),
});

export const modelFileQuery = z.object({ path: z.string().min(1).max(1_000) });

/** POST /api/model-versions/:id/onnx/export – the export's outcome, from its kernel (python -m studio.onnx_export's report). */
export const onnxExportReportInput = onnxReportSchema.extend({
  status: z.enum(["converted", "failed", "unsupported"]),
  file: z.string().min(1).max(1_000).optional(),
  converter: z.string().max(100).optional(),
  reason: z.string().max(4_000).optional(),
  opset: z.record(z.string().max(100), z.number().int()).optional(),
});

/**
 * studio-model.json as the SDK and the built-in algorithms write it (kernels/sdk/studio/_model.py):
 * the fields the registry reads; the rest is kept as it is.
 */
export const studioModelManifest = z.looseObject({
  format: z.literal("studio-model/1", { error: 'is not "studio-model/1"' }),
  framework: z.enum(["sklearn", "xgboost", "pytorch", "custom"]).nullable().optional(),
  algorithm: z.string().nullable().optional(),
  task: z.enum(tasks).nullable().optional(),
  model_file: z.string().min(1).nullable().optional(),
  input_schema: z.array(signatureColumn).nullable().optional(),
  classes: z.array(z.unknown()).nullable().optional(),
  output: z.enum(torchOutputs).nullable().optional(),
  metrics: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type StudioModelManifest = z.infer<typeof studioModelManifest>;
