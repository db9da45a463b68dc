import { z } from "zod";
import { datasetName } from "@/server/datasets/dataset-schemas";
import { createLabelingJobInput, labelAttributeName } from "@/lib/labeling/tasks";
import { exportFormats } from "@/lib/labeling/exchange";

// Request bodies of exports, imports and reviews (lib/labeling/exchange.ts has their wire types).

/** POST /api/labeling/jobs/:id/exports: save an export as the next version of a dataset. */
export const saveExportInput = z.object({
  format: z.enum(exportFormats, { error: `must be one of ${exportFormats.join(", ")}` }),
  /** Default: `<job>-labels`. */
  datasetName: datasetName.optional(),
});
export type SaveExportInput = z.infer<typeof saveExportInput>;

/** POST /api/projects/:id/labeling-imports: a job whose items carry the labels of a dataset version. */
export const importLabelsInput = z.object({
  name: createLabelingJobInput.shape.name,
  /** A CSV or JSON Lines version of the project: a Ground Truth output manifest, or this studio's CSV / JSON Lines export. */
  datasetVersionId: z.string().min(1, "is required").max(64),
  /** Manifests: which label attribute to read when lines carry several (chained jobs). CSV / JSON Lines: the attribute later manifests use (default: the job's name). */
  labelAttributeName: labelAttributeName.optional(),
  /** The label set in class-id order; by default the names found in the file (manifests: by their class ids; CSV / JSON Lines: in order of appearance). */
  labels: z.array(z.string().trim().min(1).max(100)).min(1).max(50).optional(),
  reviewThreshold: z.number({ error: "must be a number" }).min(0, "must be 0–1").max(1, "must be 0–1").optional(),
});
export type ImportLabelsInput = z.infer<typeof importLabelsInput>;

/** A reviewer's decision on one item. */
export const reviewDecisionInput = z.discriminatedUnion("decision", [
  z.object({ decision: z.literal("accept") }),
  /** The corrected answer, as a labeler's ({ label } or { labels }). */
  z.object({ decision: z.literal("correct"), answer: z.unknown() }),
]);
export type ReviewDecisionInput = z.infer<typeof reviewDecisionInput>;

