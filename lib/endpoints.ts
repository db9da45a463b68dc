// Endpoints' vocabulary and wire types: safe for browser and server.
import { z } from "zod";
import type { ApprovalStatus, Framework, SignatureColumn } from "@/lib/model-registry";

/** SageMaker's EndpointStatus values. */
export const endpointStatuses = ["Creating", "InService", "Updating", "Failed", "Deleting"] as const;
export type EndpointStatus = (typeof endpointStatuses)[number];

/** SageMaker's endpoint name rule: it is part of the URL applications call. */
export const endpointName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(63, "is at most 63 characters")
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, "has only letters, digits and hyphens, and starts and ends with a letter or digit");

export const variantName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(63, "is at most 63 characters")
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, "has only letters, digits and hyphens");

export const MAX_VARIANTS = 10;
export const MAX_REPLICAS = 8;

/** A multi-model endpoint's model name: the X-Amzn-SageMaker-Target-Model header's value. */
export const endpointModelName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(63, "is at most 63 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "has only letters, digits, dots, underscores and hyphens, and starts with a letter or digit");
export const MAX_ENDPOINT_MODELS = 200;

/** The default target-model name of a model version: its model's name and version, as a header value. */
export const defaultEndpointModelName = (modelName: string, version: number): string =>
  `${modelName.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 55) || "model"}-v${version}`;

export interface ReplicaView {
  id: string;
  /** draining: scaled in, finishing requests already sent before it stops */
  status: "starting" | "ready" | "failed" | "draining";
  restarts: number;
  lastError: string | null;
  startedAt: string;
  readyAt: string | null;
}

/** A variant's place in an update (EndpointVariant.state). */
export type VariantState = "active" | "pending" | "superseded" | "retiring";
/** The states that take traffic: a variant an update is replacing serves until the switch. */
export const SERVING_STATES = ["active", "superseded"] as const satisfies readonly VariantState[];
/** Whether a variant gets a share of the traffic by weight (serving, and not a shadow). */
export const isRouted = (v: { shadow: boolean; state: string }): boolean => !v.shadow && (SERVING_STATES as readonly string[]).includes(v.state);

/** auto: in-process ONNX when the version has an export, else the Python model server. */
export const runtimeChoices = ["auto", "onnx", "python"] as const;
export type RuntimeChoice = (typeof runtimeChoices)[number];
export type Runtime = Exclude<RuntimeChoice, "auto">;
export const runtimeLabels: Record<Runtime, string> = { onnx: "ONNX, in-process (onnxruntime)", python: "Python model server" };

/**
 * Target tracking on invocations per replica per minute (SageMaker's
 * SageMakerVariantInvocationsPerInstance with Application Auto Scaling's cooldowns).
 */
export const autoscalingPolicy = z
  .object({
    minReplicas: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(MAX_REPLICAS, `must be at most ${MAX_REPLICAS}`),
    maxReplicas: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(MAX_REPLICAS, `must be at most ${MAX_REPLICAS}`),
    /** Invocations per replica per minute to hold (rule of thumb: peak requests/s × 0.5 × 60). */
    targetInvocationsPerReplicaPerMinute: z.number({ error: "must be a number" }).positive("must be above 0").max(1_000_000),
    scaleOutCooldownSeconds: z.number({ error: "must be a number" }).int("must be a whole number").min(0, "must be 0 or more").max(86_400).default(300),
    scaleInCooldownSeconds: z.number({ error: "must be a number" }).int("must be a whole number").min(0, "must be 0 or more").max(86_400).default(300),
  })
  .refine((p) => p.minReplicas <= p.maxReplicas, { path: ["maxReplicas"], message: "must be at least minReplicas" });
export type AutoscalingPolicy = z.infer<typeof autoscalingPolicy>;

export interface ScalingEventView {
  id: string;
  variant: string;
  at: string;
  fromReplicas: number;
  toReplicas: number;
  reason: string;
}

export interface VariantView {
  id: string;
  name: string;
  runtime: Runtime;
  weight: number;
  /** weight / sum of the routed (non-shadow, serving) variants' weights; 0 for a shadow */
  share: number;
  /** active | pending (an update starting) | superseded (serving until the update switches) | retiring (draining) */
  state: VariantState;
  shadow: boolean;
  shadowSamplingPercent: number;
  replicas: number;
  readyReplicas: number;
  /** Null when the replica count is fixed. */
  autoscaling: AutoscalingPolicy | null;
  /** null for a multi-model endpoint's variant: its models are EndpointView.multiModel.models */
  modelVersion: ModelVersionRef | null;
  /** The columns a request carries, in order (the model version's input schema). */
  inputs: SignatureColumn[];
  replicaStates: ReplicaView[];
}

export interface ModelVersionRef {
  id: string;
  modelId: string;
  modelName: string;
  version: number;
  framework: Framework;
  approvalStatus: ApprovalStatus;
}

/** A model of a multi-model endpoint. */
export interface EndpointModelView {
  id: string;
  /** The X-Amzn-SageMaker-Target-Model value that picks it. */
  name: string;
  modelVersion: ModelVersionRef;
  inputs: SignatureColumn[];
  createdAt: string;
}

/** What a multi-model endpoint's model servers report about one model (summed over replicas, since they started). */
export interface EndpointModelCacheView {
  name: string;
  /** Replicas that have it in memory now. */
  loadedOn: number;
  loading: boolean;
  sizeBytes: number;
  invocations: number;
  hits: number;
  loads: number;
  unloads: number;
  lastLoadMs: number | null;
  meanLoadMs: number | null;
  /** Mean time a call waited for the model to load (misses only). */
  meanWaitMs: number | null;
  lastUsedAt: string | null;
  lastError: string | null;
}

export interface EndpointModelCache {
  memoryBudgetMb: number;
  /** Replicas that answered (the numbers are theirs). */
  replicas: number;
  /** Per replica: memory the loaded models take, and how many are loaded. */
  replicaUsage: { usedBytes: number; loadedCount: number }[];
  models: EndpointModelCacheView[];
}

export interface EndpointView {
  id: string;
  projectId: string;
  projectName: string;
  name: string;
  description: string;
  status: EndpointStatus;
  statusReason: string | null;
  production: boolean;
  dataCapture: DataCaptureConfig | null;
  /** Where captured data goes in the artifact store: {prefix}{variant}/yyyy/mm/dd/hh/*.jsonl */
  capturePrefix: string;
  variants: VariantView[];
  /** The latest changes of replica counts by autoscaling, newest first. */
  scalingEvents: ScalingEventView[];
  /** A multi-model endpoint: its models and memory budget (null for one model per variant). */
  multiModel: { memoryBudgetMb: number; models: EndpointModelView[] } | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  /** Paths applications call, relative to the studio's URL. */
  invocationPath: string;
}

/** A CSV record that fits the columns (for examples and placeholders). */
export function exampleRecord(columns: SignatureColumn[]): string {
  const sample = { integer: "1", float: "0.5", string: "a", boolean: "true" } as const;
  return columns.map((c) => sample[c.type]).join(",");
}

export interface InvocationSummary {
  count: number;
  rps: number;
  /** 5xx answers / all */
  serverErrorRate: number;
  /** 4xx answers / all */
  clientErrorRate: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /**
   * The router's overhead (SageMaker's OverheadLatency): latency minus the model's own time, over
   * the answers a model computed; null without any.
   */
  overhead: { count: number; meanMs: number; p50Ms: number | null; p99Ms: number | null } | null;
}

export interface EndpointStats {
  series: (InvocationSummary & { minute: string })[];
  last5Minutes: InvocationSummary;
  variants: (InvocationSummary & { variant: string })[];
}

/** Data capture of an endpoint (SageMaker's DataCaptureConfig, flattened). */
export const dataCaptureConfig = z
  .object({
    samplingPercentage: z.number().int("must be a whole number").min(0, "must be 0–100").max(100, "must be 0–100").default(20),
    captureInput: z.boolean().default(true),
    captureOutput: z.boolean().default(true),
    /** Content types written as text with encoding CSV / JSON; any other is base64. */
    csvContentTypes: z.array(z.string().min(1).max(100)).max(20).default(["text/csv"]),
    jsonContentTypes: z.array(z.string().min(1).max(100)).max(20).default(["application/json"]),
  })
  .refine((c) => c.captureInput || c.captureOutput, "capture the input, the output, or both");
export type DataCaptureConfig = z.infer<typeof dataCaptureConfig>;

export interface EndpointLogLine {
  id: number;
  variant: string;
  /** server: the model server's output; studio: what the worker did */
  source: "server" | "studio";
  line: string;
  at: string;
}
