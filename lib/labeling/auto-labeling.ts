// Automated labeling (SageMaker Ground Truth's "automated data labeling"): settings, the wire types
// of a round, and when the next round is due. Safe for browser and server.
//
// The loop (server/labeling/auto-labeling-rounds.ts, run-auto-labeling.ts, kernels/sdk/studio/
// autolabel.py): people label a random sample → once `minHumanLabels` items carry a consolidated
// human label, a model is trained on a compute host on a train split of them → on the validation
// split (20% below 5,000 items, 10% above) the lowest confidence threshold whose items reach the
// target accuracy is picked → unlabeled items at or above it are machine-labeled
// ("human-annotated": "no"), the rest go to people least confident first → when the human labels
// have grown by `retrainGrowth`, the next round retrains.
//
// SageMaker's numbers: a job needs at least 1,250 items for automated labeling (5,000 recommended)
// and aims at 95% accuracy for classification. Here the first round waits for `minHumanLabels`
// human-labeled items (default 200, so a job of a few hundred items can use it too).
import { z } from "zod";
import type { TaskType } from "@/lib/labeling/tasks";

export const AUTO_LABEL_DEFAULTS = { targetAccuracy: 0.95, minHumanLabels: 200, retrainGrowth: 0.25 } as const;

/** Task types a model can label so far. */
export const autoLabelTaskTypes: readonly TaskType[] = ["text-classification"];

export const autoLabelingInput = z.object({
  enabled: z.boolean({ error: "must be true or false" }),
  /** The accuracy machine labels must reach on the validation split (0.5–0.999). */
  targetAccuracy: z.number({ error: "must be a number" }).min(0.5, "must be at least 0.5").max(0.999, "must be at most 0.999").optional(),
  /** Human-labeled items before the first round. */
  minHumanLabels: z.number({ error: "must be a number" }).int("must be a whole number").min(20, "must be at least 20").max(1_000_000, "must be at most 1000000").optional(),
  /** A new round once human labels grew by this share since the last round (0.25 = 25%). */
  retrainGrowth: z.number({ error: "must be a number" }).min(0.05, "must be at least 0.05").max(10, "must be at most 10").optional(),
  /** The compute host that trains the model (default: the local host). */
  hostId: z.string().min(1).max(64).optional(),
});
export type AutoLabelingInput = z.infer<typeof autoLabelingInput>;

/** Validation share of the human-labeled items (SageMaker: 20% below 5,000 items, 10% above). */
export const validationShare = (items: number): number => (items < 5_000 ? 0.2 : 0.1);

/** Human-labeled items the next round starts at: the minimum, then the last round's count grown by the share. */
export function nextRoundAt(settings: { minHumanLabels: number; retrainGrowth: number }, lastRoundHumanLabels: number | null): number {
  if (lastRoundHumanLabels === null) return settings.minHumanLabels;
  return Math.max(settings.minHumanLabels, lastRoundHumanLabels + Math.max(1, Math.ceil(lastRoundHumanLabels * settings.retrainGrowth)));
}

export const roundStatuses = ["waiting", "training", "completed", "failed"] as const;
export type RoundStatus = (typeof roundStatuses)[number];

export interface LabelingRoundView {
  number: number;
  status: RoundStatus;
  statusReason: string | null;
  humanLabels: number;
  hostName: string | null;
  trainSize: number | null;
  validationSize: number | null;
  validationAccuracy: number | null;
  threshold: number | null;
  thresholdAccuracy: number | null;
  thresholdSupport: number | null;
  scored: number;
  machineLabeled: number;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

/** GET /api/labeling/jobs/:id/auto-labeling: settings, machine- vs human-labeled, state, rounds. */
export interface AutoLabelingView {
  enabled: boolean;
  targetAccuracy: number;
  minHumanLabels: number;
  retrainGrowth: number;
  hostName: string | null;
  counts: { machineLabeled: number; humanLabeled: number; unlabeled: number };
  /** What happens now, in a sentence (waiting for N more human labels / training on host X / …). */
  state: { kind: "off" | "idle" | "waiting_for_labels" | "waiting_for_host" | "training" | "done"; message: string };
  /** Newest first. */
  rounds: LabelingRoundView[];
}

// ——— What the round's code on the compute host exchanges with the studio ———

export interface RoundSpec {
  id: string;
  number: number;
  jobName: string;
  taskType: TaskType;
  labels: string[];
  targetAccuracy: number;
  validationShare: number;
}

export interface RoundItemsPage {
  items: { id: string; seq: number; text: string; label?: number }[];
  /** The cursor of the next page (after this seq), null at the end. */
  next: number | null;
}

export const roundItemsQuery = z.object({
  set: z.enum(["training", "candidates"], { error: "must be training or candidates" }),
  after: z.coerce.number().int().min(-1).optional(),
  limit: z.coerce.number().int().min(1).max(5_000).default(2_000),
});

export const roundReportInput = z.object({
  trainSize: z.number().int().min(1),
  validationSize: z.number().int().min(1),
  validationAccuracy: z.number().min(0).max(1),
  threshold: z.number().min(0).max(1).nullable(),
  thresholdAccuracy: z.number().min(0).max(1).nullable(),
  thresholdSupport: z.number().int().min(0).nullable(),
});
export type RoundReport = z.infer<typeof roundReportInput>;

export const MAX_PREDICTIONS = 2_000;
export const roundPredictionsInput = z.object({
  predictions: z
    .array(z.object({ id: z.string().min(1).max(64), label: z.number().int().min(0).max(49), confidence: z.number().min(0).max(1) }))
    .min(1, "send at least one prediction")
    .max(MAX_PREDICTIONS, `at most ${MAX_PREDICTIONS} predictions a request`),
});
export type RoundPredictions = z.infer<typeof roundPredictionsInput>;

export const roundFinishInput = z.object({
  status: z.enum(["completed", "failed"]),
  reason: z.string().max(4_000).optional(),
});
