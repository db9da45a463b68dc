import "server-only";
import { z } from "zod";
import { wireNumberSchema } from "@/lib/metric-values";

// MLflow's rule (letters, digits, _ - . space /) plus ':' for SageMaker-style names (validation:auc).
export const trackingKey = z
  .string()
  .min(1, "is empty")
  .max(250, "is longer than 250 characters")
  .regex(/^[A-Za-z0-9_\-. /:]+$/, "may contain only letters, digits, spaces and _ - . / :");

export const runStatuses = ["running", "completed", "failed", "stopped"] as const;
export type RunStatus = (typeof runStatuses)[number];

export const runBatchInput = z.object({
  /** The sending process (the SDK uses a uuid per process); with `seq` it makes a retry recognisable. */
  source: z.string().min(1).max(100),
  seq: z.number().int().min(0),
  metrics: z
    .array(
      z.object({
        key: trackingKey,
        value: wireNumberSchema,
        step: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).default(0),
        timestamp: z.number().int().min(0).max(8.64e15),
      }),
    )
    .max(10_000, "at most 10,000 metric points per batch")
    .default([]),
  params: z
    .array(z.object({ key: trackingKey, value: z.string().max(6_000, "is longer than 6,000 characters") }))
    .max(1_000, "at most 1,000 params per batch")
    .default([]),
  tags: z
    .array(z.object({ key: trackingKey, value: z.string().max(5_000, "is longer than 5,000 characters") }))
    .max(1_000, "at most 1,000 tags per batch")
    .default([]),
});
export type RunBatchInput = z.infer<typeof runBatchInput>;

export const createRunInput = z.object({
  experiment: z.string().trim().min(1, "is required").max(200),
  name: z.string().trim().min(1).max(200).optional(),
  source: z.enum(["notebook", "sdk"]).default("sdk"),
  notebookId: z.string().min(1).max(100).optional(),
  tags: z.record(trackingKey, z.string().max(5_000)).optional(),
});

export const endRunInput = z.object({ status: z.enum(["completed", "failed", "stopped"]) });
