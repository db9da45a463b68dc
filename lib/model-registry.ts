// The model registry's vocabulary and wire types: safe for browser and server.
import { z } from "zod";
import type { WireNumber } from "@/lib/metric-values";
import type { RunInputs } from "@/server/tracking/run-view";

/** SageMaker's ModelApprovalStatus values, so users' habits and tools carry over. */
export const approvalStatuses = ["PendingManualApproval", "Approved", "Rejected"] as const;
export type ApprovalStatus = (typeof approvalStatuses)[number];
export const approvalLabels: Record<ApprovalStatus, string> = {
  PendingManualApproval: "Pending approval",
  Approved: "Approved",
  Rejected: "Rejected",
};

export const frameworks = ["sklearn", "xgboost", "pytorch", "onnx", "custom"] as const;
export type Framework = (typeof frameworks)[number];
export const frameworkLabels: Record<Framework, string> = {
  sklearn: "scikit-learn",
  xgboost: "XGBoost",
  pytorch: "PyTorch (TorchScript)",
  onnx: "ONNX",
  custom: "Custom",
};

export const tasks = ["binary_classification", "multiclass_classification", "regression", "clustering"] as const;
export type Task = (typeof tasks)[number];

/** What a TorchScript classifier's scores are (studio-model.json `output`; studio.serving). */
export const torchOutputs = ["logits", "probabilities"] as const;

export const columnTypes = ["integer", "float", "string", "boolean"] as const;
export const signatureColumn = z.object({
  name: z.string().trim().min(1, "is required").max(200),
  type: z.enum(columnTypes, { error: `must be one of ${columnTypes.join(", ")}` }),
});
export type SignatureColumn = z.infer<typeof signatureColumn>;
export const signatureSchema = z.object({ inputs: z.array(signatureColumn), outputs: z.array(signatureColumn) });
export type Signature = z.infer<typeof signatureSchema>;

export const modelName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(120, "is at most 120 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "starts with a letter or digit and has only letters, digits, '.', '_' and '-'");

/** File extensions an upload may have, per framework (what the serving runtimes can load). */
export const uploadExtensions: Record<Framework, readonly string[]> = {
  sklearn: [".joblib", ".pkl", ".pickle"],
  xgboost: [".json", ".ubj", ".joblib", ".pkl", ".pickle"],
  pytorch: [".pt", ".pth"],
  onnx: [".onnx"],
  custom: [".joblib", ".pkl", ".pickle"],
};

export interface ModelSummaryView {
  id: string;
  projectId: string;
  projectName: string;
  name: string;
  description: string;
  versionCount: number;
  latestVersion: { id: string; version: number; approvalStatus: ApprovalStatus; framework: Framework; createdAt: string } | null;
  latestApproved: { id: string; version: number } | null;
  updatedAt: string;
}

/** How the studio feeds an exported ONNX graph and reads its answer (python -m studio.onnx_export). */
export const onnxServingSchema = z.object({
  /** columns: one [n, 1] input per schema column; matrix: one [n, columns] input */
  layout: z.enum(["columns", "matrix"]),
  inputs: z.array(z.object({ name: z.string(), column: z.string().optional(), type: z.enum(["double", "float", "string"]) })).min(1),
  outputs: z.object({
    label: z.string().optional(),
    probabilities: z.string().optional(),
    prediction: z.string().optional(),
    predictionColumn: z.number().int().nonnegative().optional(),
  }),
});
export type OnnxServing = z.infer<typeof onnxServingSchema>;

/**
 * The ONNX export's report, as the export's kernel sends it and the version keeps it; while the
 * export waits or runs, a `pending` note says for what (reason) and where.
 */
export const onnxReportSchema = z.object({
  status: z.enum(["pending", "converted", "failed", "unsupported"]),
  file: z.string().optional(),
  converter: z.string().optional(),
  serving: onnxServingSchema.optional(),
  checkedRows: z.number().int().optional(),
  maxDifference: z.number().optional(),
  reason: z.string().optional(),
});
export type OnnxReport = z.infer<typeof onnxReportSchema>;

/** none: not tried (registered before exports existed); pending: queued for the worker. */
export const onnxStatuses = ["none", "pending", "converted", "failed", "unsupported"] as const;
export type OnnxStatus = (typeof onnxStatuses)[number];

export interface ModelVersionView {
  id: string;
  modelId: string;
  modelName: string;
  projectId: string;
  version: number;
  framework: Framework;
  task: Task | null;
  algorithm: string | null;
  modelFile: string;
  signature: Signature;
  metrics: Record<string, WireNumber>;
  description: string;
  source: "run" | "upload";
  runId: string | null;
  runName: string | null;
  experimentId: string | null;
  jobId: string | null;
  inputs: RunInputs;
  approvalStatus: ApprovalStatus;
  approvalComment: string;
  approvalBy: string | null;
  approvalAt: string | null;
  /** The ONNX export: converted ones are served in-process by onnxruntime-node. */
  onnxStatus: OnnxStatus;
  onnx: { converter: string | null; checkedRows: number | null; maxDifference: number | null; reason: string | null } | null;
  createdBy: string | null;
  createdAt: string;
}

export interface ModelVersionFileView {
  path: string;
  sizeBytes: number;
  sha256: string;
}

export interface ModelVersionEventView {
  status: "registered" | ApprovalStatus;
  comment: string;
  actor: string | null;
  createdAt: string;
}

export type ModelVersionDetail = ModelVersionView & {
  files: ModelVersionFileView[];
  events: ModelVersionEventView[];
  manifest: Record<string, unknown>;
  /** Where the version went: the endpoint variants that serve it. */
  /** The endpoints serving it now, with the variants that do. */
  deployments: { endpointId: string; endpointName: string; variants: string[]; status: string }[];
};

export type ModelDetail = ModelSummaryView & { versions: ModelVersionView[] };
