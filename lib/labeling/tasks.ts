// Labeling's vocabulary and wire types: task types, job settings (SageMaker Ground Truth's names
// and bounds), workers' answers. Safe for browser and server.
import { z } from "zod";
import { autoLabelingInput, autoLabelTaskTypes } from "@/lib/labeling/auto-labeling";

export const taskTypes = [
  "image-classification",
  "image-classification-multilabel",
  "bounding-box",
  "text-classification",
  "text-classification-multilabel",
  "named-entity-recognition",
] as const;
export type TaskType = (typeof taskTypes)[number];

export const taskTypeLabels: Record<TaskType, string> = {
  "image-classification": "Image classification (one label)",
  "image-classification-multilabel": "Image classification (multi-label)",
  "bounding-box": "Bounding boxes",
  "text-classification": "Text classification (one label)",
  "text-classification-multilabel": "Text classification (multi-label)",
  "named-entity-recognition": "Named entities (text spans)",
};

export const isTextTask = (t: TaskType): boolean => t.startsWith("text-") || t === "named-entity-recognition";
export const isMultiLabel = (t: TaskType): boolean => t.endsWith("-multilabel");
/** SageMaker console defaults: classification 3 workers per item, boxes 5, NER 3. */
export const defaultWorkersPerItem = (t: TaskType): number => (t === "bounding-box" ? 5 : 3);
/** SageMaker console defaults: 5 minutes for classification, 60 for other tasks. */
export const defaultTaskTimeLimitSeconds = (t: TaskType): number => (t.includes("classification") ? 300 : 3_600);

/** The output manifest's `type` per task (metadata of every label). */
export const manifestType: Record<TaskType, string> = {
  "image-classification": "groundtruth/image-classification",
  "image-classification-multilabel": "groundtruth/image-classification-multilabel",
  "bounding-box": "groundtruth/object-detection",
  "text-classification": "groundtruth/text-classification",
  "text-classification-multilabel": "groundtruth/text-classification-multilabel",
  "named-entity-recognition": "groundtruth/named-entity-recognition",
};

export const MAX_LABELS = 50;

export const labelSchema = z.object({
  name: z.string().trim().min(1, "is required").max(100, "is at most 100 characters"),
  description: z.string().trim().max(500).default(""),
});
export type LabelDef = z.infer<typeof labelSchema>;

const example = z.object({ text: z.string().max(2_000), label: z.string().max(100), why: z.string().max(1_000).default("") });
export const examplesSchema = z.object({ good: z.array(example).max(10).default([]), bad: z.array(example).max(10).default([]) });
export type Examples = z.infer<typeof examplesSchema>;

/** SageMaker's LabelAttributeName rule: it becomes a key of the output manifest. */
export const labelAttributeName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(127, "is at most 127 characters")
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, "has only letters, digits and hyphens")
  .refine((s) => !s.endsWith("-metadata") && !s.endsWith("-ref"), "must not end with -metadata or -ref");

export const createLabelingJobInput = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "is required")
      .max(63, "is at most 63 characters")
      .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, "has only letters, digits and hyphens"),
    taskType: z.enum(taskTypes, { error: `must be one of ${taskTypes.join(", ")}` }),
    datasetVersionId: z.string().min(1, "is required").max(64),
    textField: z.string().trim().min(1).max(200).optional(),
    labelAttributeName: labelAttributeName.optional(),
    labels: z
      .array(labelSchema)
      .min(1, "name at least one label")
      .max(MAX_LABELS, `at most ${MAX_LABELS} labels`)
      .refine((ls) => new Set(ls.map((l) => l.name.toLowerCase())).size === ls.length, "label names must differ"),
    instructions: z.string().max(20_000).default(""),
    examples: examplesSchema.default({ good: [], bad: [] }),
    /** SageMaker's NumberOfHumanWorkersPerDataObject. */
    workersPerItem: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be 1–9").max(9, "must be 1–9").optional(),
    /** SageMaker's TaskTimeLimitInSeconds. */
    taskTimeLimitSeconds: z.number({ error: "must be a number" }).int("must be a whole number").min(30, "must be at least 30").max(28_800, "must be at most 28800").optional(),
    /** The labelers who work on it (users of the project). */
    workerIds: z.array(z.string().min(1).max(64)).min(1, "pick at least one labeler").max(500),
    /** Automated labeling (lib/labeling/auto-labeling.ts). */
    autoLabeling: autoLabelingInput.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.autoLabeling?.enabled && !autoLabelTaskTypes.includes(input.taskType)) {
      ctx.addIssue({ code: "custom", path: ["autoLabeling", "enabled"], message: `automated labeling works for ${autoLabelTaskTypes.map((t) => taskTypeLabels[t].toLowerCase()).join(", ")} so far` });
    }
    if (isTextTask(input.taskType) && !input.textField) ctx.addIssue({ code: "custom", path: ["textField"], message: "is required for a text task: the column or field with the text" });
    if (input.taskType !== "text-classification" && input.taskType !== "image-classification" && input.taskType !== "text-classification-multilabel" && input.taskType !== "image-classification-multilabel") {
      ctx.addIssue({ code: "custom", path: ["taskType"], message: "bounding boxes and named entities are not open for labeling yet" });
    }
  });
export type CreateLabelingJobInput = z.infer<typeof createLabelingJobInput>;

/** A worker's answer to one item. */
export const classificationAnswer = z.object({ label: z.number().int().min(0).max(MAX_LABELS - 1) });
export const multiLabelAnswer = z.object({ labels: z.array(z.number().int().min(0).max(MAX_LABELS - 1)).max(MAX_LABELS) });
export const answerSchema = z.union([classificationAnswer, multiLabelAnswer]);
export type Answer = z.infer<typeof answerSchema>;

export const labelingJobStatuses = ["preparing", "in_progress", "completed", "failed", "stopped"] as const;
export type LabelingJobStatus = (typeof labelingJobStatuses)[number];

export interface LabelingJobView {
  id: string;
  projectId: string;
  projectName: string;
  name: string;
  taskType: TaskType;
  datasetVersion: { id: string; datasetId: string; datasetName: string; version: number };
  textField: string | null;
  labelAttributeName: string;
  labels: LabelDef[];
  instructions: string;
  examples: Examples;
  workersPerItem: number;
  taskTimeLimitSeconds: number;
  status: LabelingJobStatus;
  statusReason: string | null;
  counts: { items: number; unreadable: number; labeled: number; consolidated: number; responses: number; responsesNeeded: number };
  workers: { id: string; name: string; email: string }[];
  createdBy: string | null;
  createdAt: string;
}

/** The item a labeler works on now. */
export interface ClaimedItem {
  assignmentId: string;
  itemId: string;
  seq: number;
  /** Texts: the text (shown as text, never as markup). */
  text: string | null;
  /** Images: where the browser loads it. */
  imageUrl: string | null;
  leaseExpiresAt: string;
  deadlineAt: string;
  acceptedAt: string;
}

export interface QueueState {
  job: Pick<LabelingJobView, "id" | "name" | "taskType" | "labels" | "instructions" | "examples" | "taskTimeLimitSeconds" | "status">;
  item: ClaimedItem | null;
  /** Why there is no item (all done, waiting for others' leases…). */
  reason: string | null;
  mine: { submitted: number; skipped: number };
}

export interface LabelingItemView {
  id: string;
  seq: number;
  text: string | null;
  sourceRef: string | null;
  status: string;
  submitted: number;
  /** Consolidated: the label names, the majority vote's, and the confidence. */
  labels: string[] | null;
  majority: string[] | null;
  confidence: number | null;
  /** False for a label automated labeling's model made. */
  humanAnnotated: boolean;
  unreadableReason: string | null;
}

/** A job's agreement and its labelers' throughput (GET /api/labeling/jobs/:id/quality). */
export interface JobQuality {
  /** Null for multi-label jobs and before any answer (agreementReason says why). */
  agreement: { fleissKappa: number | null; fleissReason: string | null; krippendorffAlpha: number | null; krippendorffReason: string | null; pairwiseAgreement: number | null } | null;
  agreementReason: string | null;
  labelers: {
    id: string;
    name: string;
    submitted: number;
    skipped: number;
    meanSecondsPerItem: number | null;
    /** Items per hour of time on task. */
    itemsPerHour: number | null;
    /** Cohen's kappa against the other labelers' majority on the same items. */
    kappaVsOthers: number | null;
    pairwiseAgreement: number | null;
  }[];
}
