import "server-only";
import { z } from "zod";

export const jobStatuses = ["pending", "starting", "running", "completed", "failed", "stopped"] as const;
export type JobStatus = (typeof jobStatuses)[number];
export const terminalJobStatuses: readonly JobStatus[] = ["completed", "failed", "stopped"];

export const builtinAlgorithms = ["xgboost", "linear", "random_forest", "kmeans"] as const;

const hyperparameterName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, "must start with a letter or _ and use letters, digits, _ . -");

export const metricDefinitionSchema = z.object({
  Name: z.string().trim().min(1, "is required").max(250).regex(/^[A-Za-z0-9_\-. /:]+$/, "may contain only letters, digits, spaces and _ - . / :"),
  Regex: z.string().min(1, "is required").max(500),
});

export const createJobInput = z.object({
  name: z.string().trim().min(1, "is required").max(120, "is at most 120 characters"),
  /** The experiment the job's run goes into (created on first use); default: the job's name. */
  experiment: z.string().trim().min(1).max(200).optional(),
  sourceType: z.enum(["builtin", "script", "notebook"]),
  algorithm: z.enum(builtinAlgorithms).optional(),
  /** From POST /api/projects/:id/jobs/code (a .py file or a .zip of a folder). */
  codeUploadId: z.string().regex(/^[a-f0-9-]{36}\.(py|zip)$/, "is not an upload id").optional(),
  /** The uploaded file's own name (shown on the job; the upload id says whether it is .py or .zip). */
  codeFilename: z.string().trim().min(1).max(255).regex(/^[^/\\]+$/, "is a file name, not a path").optional(),
  entryPoint: z.string().trim().max(300).optional(),
  notebookId: z.string().min(1).max(64).optional(),
  hyperparameters: z.record(hyperparameterName, z.string().max(2_000, "is longer than 2,000 characters")).default({}),
  inputs: z
    .array(
      z.object({
        channel: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "must be lower-case letters, digits, _ or - (like train, validation)"),
        datasetVersionId: z.string().min(1).max(64),
      }),
    )
    .max(10, "at most 10 inputs")
    .default([]),
  hostId: z.string().min(1).max(64).optional(),
  kernelName: z.string().min(1).max(128).optional(),
  maxRuntimeSeconds: z.number().int().min(10, "must be at least 10 seconds").max(30 * 86_400, "must be at most 30 days").default(86_400),
  maxRetries: z.number().int().min(0).max(5, "must be at most 5").default(0),
  metricDefinitions: z.array(metricDefinitionSchema).max(40, "at most 40 metric definitions").default([]),
  clonedFromId: z.string().min(1).max(64).optional(),
});
export type CreateJobInput = z.infer<typeof createJobInput>;

export const uploadJobCodeQuery = z.object({ filename: z.string().trim().min(1, "is required").max(255) });

// ——— what the job runner inside the kernel sends ———

export const jobAttemptInput = z.object({ attempt: z.number().int().min(1) });

export const jobLogsInput = z.object({
  attempt: z.number().int().min(1),
  chunks: z
    .array(
      z.object({
        seq: z.number().int().min(0),
        stream: z.enum(["stdout", "stderr", "system"]),
        text: z.string().max(1024 * 1024),
      }),
    )
    .max(1_000, "at most 1,000 chunks per request"),
});
export type JobLogsInput = z.infer<typeof jobLogsInput>;

export const jobStatusInput = z.object({
  attempt: z.number().int().min(1),
  status: z.enum(["running", "completed", "failed", "stopped"]),
  exitCode: z.number().int().optional(),
  reason: z.string().max(4_000).optional(),
});

export const jobLogsQuery = z.object({
  /** Chunks after this cursor ("attempt:seq"); from the start when omitted. */
  after: z.string().regex(/^\d+:-?\d+$/, "is a cursor like 1:41").optional(),
  /** Only lines containing this text (case-insensitive). */
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(5_000).default(2_000),
});
