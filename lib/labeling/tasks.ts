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
  "named-entity-recognition": "groundtruth/text-span",
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
    /** Consolidated items below this confidence (or whose workers disagreed) go to review (default 0.7; 0: disagreements only). */
    reviewThreshold: z.number({ error: "must be a number" }).min(0, "must be 0–1").max(1, "must be 0–1").optional(),
    /** Automated labeling (lib/labeling/auto-labeling.ts). */
    autoLabeling: autoLabelingInput.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.autoLabeling?.enabled && !autoLabelTaskTypes.includes(input.taskType)) {
      ctx.addIssue({ code: "custom", path: ["autoLabeling", "enabled"], message: `automated labeling works for ${autoLabelTaskTypes.map((t) => taskTypeLabels[t].toLowerCase()).join(", ")} so far` });
    }
    const names = new Set(input.labels.map((l) => l.name));
    for (const kind of ["good", "bad"] as const) {
      input.examples[kind].forEach((e, i) => {
        if (!e.text.trim()) ctx.addIssue({ code: "custom", path: ["examples", kind, i, "text"], message: "is empty: write the example or remove it" });
        if (!names.has(e.label)) ctx.addIssue({ code: "custom", path: ["examples", kind, i, "label"], message: `is not one of the job's labels (${[...names].join(", ")})` });
      });
    }
    if (isTextTask(input.taskType) && !input.textField) ctx.addIssue({ code: "custom", path: ["textField"], message: "is required for a text task: the column or field with the text" });
  });
export type CreateLabelingJobInput = z.infer<typeof createLabelingJobInput>;

/** A worker's answer to one item. */
export const classificationAnswer = z.object({ label: z.number().int().min(0).max(MAX_LABELS - 1) });
export const multiLabelAnswer = z.object({ labels: z.array(z.number().int().min(0).max(MAX_LABELS - 1)).max(MAX_LABELS) });
/** Boxes in image pixels, top-left origin (as in SageMaker's manifest and COCO); none means "no objects here". */
export const MAX_OBJECTS = 500;
const pixels = z.number().finite();
export const boxAnswerItem = z.object({ classId: z.number().int().min(0).max(MAX_LABELS - 1), left: pixels, top: pixels, width: pixels, height: pixels });
export const boxesAnswer = z.object({ boxes: z.array(boxAnswerItem).max(MAX_OBJECTS) });
export type BoxAnswerItem = z.infer<typeof boxAnswerItem>;
/** Entities as character offsets into the text, end exclusive (SageMaker's startOffset/endOffset). */
export const spanAnswerItem = z.object({ start: z.number().int().min(0), end: z.number().int().min(1), label: z.number().int().min(0).max(MAX_LABELS - 1) });
export const spansAnswer = z.object({ spans: z.array(spanAnswerItem).max(MAX_OBJECTS) });
export type SpanAnswerItem = z.infer<typeof spanAnswerItem>;
export const answerSchema = z.union([classificationAnswer, multiLabelAnswer, boxesAnswer, spansAnswer]);
export type Answer = z.infer<typeof answerSchema>;

/** The answer's shape each task takes (for messages and for the queue page). */
export type AnswerKind = "label" | "labels" | "boxes" | "spans";
export const answerKind = (t: TaskType): AnswerKind => (t === "bounding-box" ? "boxes" : t === "named-entity-recognition" ? "spans" : isMultiLabel(t) ? "labels" : "label");

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
  /** The review queue: its threshold, backlog and decided items (counters). */
  review: { threshold: number; pending: number; reviewed: number };
  /** Set for jobs made by importing labels: the format of the file read. */
  importFormat: "groundtruth-manifest" | "csv" | "jsonl" | null;
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
  /** Images: where the browser loads it, and its size in pixels. */
  imageUrl: string | null;
  width: number | null;
  height: number | null;
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
  review: "pending" | "accepted" | "corrected" | null;
}

/** A job's agreement and its labelers' throughput (GET /api/labeling/jobs/:id/quality). */
export interface JobQuality {
  /** Null for boxes and entities and before any answer (agreementReason says why); multi-label jobs rate each item and label yes/no. */
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

/** The managers' labeling dashboard (GET /api/labeling/dashboard). */
export interface LabelingDashboard {
  /** The window the answers are counted over. */
  hours: number;
  /** Items waiting for a reviewer, over all the jobs. */
  reviewBacklog: number;
  jobs: {
    id: string;
    name: string;
    projectName: string;
    taskType: TaskType;
    status: LabelingJobStatus;
    /** Readable items. */
    items: number;
    labeled: number;
    consolidated: number;
    responses: number;
    responsesNeeded: number;
    reviewBacklog: number;
    reviewed: number;
    /** As of the job's last consolidation; null for boxes and entities. */
    fleissKappa: number | null;
    krippendorffAlpha: number | null;
  }[];
  totals: { answers: number; skips: number; labelers: number; meanSecondsPerItem: number | null };
  /** The chart's series: the busiest labelers' names, then "Others". */
  series: string[];
  perHour: { hour: string; answers: number; byLabeler: Record<string, number> }[];
  labelers: { id: string; name: string; answers: number; skips: number; jobs: number; meanSecondsPerItem: number | null; itemsPerHour: number | null }[];
}
