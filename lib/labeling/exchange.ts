// Labels in and out of the studio: export formats (downloads, or saved as a dataset version),
// importing labels back as a job, and the review queue's wire types. Safe for browser and server.

export const exportFormats = ["groundtruth-manifest", "csv", "jsonl"] as const;
export type ExportFormat = (typeof exportFormats)[number];

export const exportFormatLabels: Record<ExportFormat, string> = {
  "groundtruth-manifest": "Ground Truth output manifest",
  csv: "CSV",
  jsonl: "JSON Lines",
};

/**
 * The columns of the CSV and JSON Lines exports, in order (one row per consolidated item, queue
 * order). CSV writes null as an empty cell, lists and maps as JSON text and booleans as yes/no;
 * JSON Lines keeps their JSON types. Single-label jobs have `label`, `vote_share` and `tied`;
 * multi-label jobs `labels` and `confidence_map` instead.
 */
export const exportColumns = {
  text: "the item's text (text jobs)",
  source_ref: "the image's place in the dataset, studio://datasets/<name>/v<n>/<path> (image jobs)",
  label: "the consolidated label's name (single-label jobs)",
  labels: "the consolidated labels' names, a list (multi-label jobs)",
  entities: "the consolidated entities, a list of { start, end, label, text, confidence } with character offsets, end exclusive (named-entity jobs)",
  confidence: "confidence in [0, 1] of the consolidated label (multi-label: of the least sure chosen label); 1 once a reviewer decided",
  confidence_map: "each chosen label's confidence, by name (multi-label jobs)",
  human_annotated: "yes, or no for machine-labeled items",
  majority_vote: "the plain majority vote's label (a list for multi-label jobs); empty when not known (imported from a manifest)",
  vote_share: "share of the workers' answers that went to the majority label (single-label jobs)",
  tied: "whether another label had as many votes as the majority label (single-label jobs)",
  workers: "how many workers' answers were consolidated; empty when not known",
  review: "pending (waits for a reviewer), accepted or corrected; empty when the item was not for review",
  reviewed_by: "the reviewer's email",
  reviewed_at: "when the reviewer decided (ISO 8601)",
} as const;
export type ExportColumn = keyof typeof exportColumns;

export const reviewStatuses = ["pending", "accepted", "corrected"] as const;
export type ReviewStatus = (typeof reviewStatuses)[number];

export interface LabelingExportView {
  id: string;
  format: ExportFormat;
  datasetName: string;
  status: "pending" | "running" | "completed" | "failed";
  statusReason: string | null;
  itemsDone: number;
  itemsTotal: number;
  /** The version written (its own status: processing while the worker validates and profiles it). */
  version: { id: string; datasetId: string; version: number; status: string } | null;
  createdAt: string;
  finishedAt: string | null;
}

export const importFormatLabels: Record<ExportFormat, string> = {
  "groundtruth-manifest": "a Ground Truth output manifest",
  csv: "a CSV export",
  jsonl: "a JSON Lines export",
};

/** The item a reviewer looks at, with what each worker answered. */
export interface ReviewItem {
  itemId: string;
  seq: number;
  text: string | null;
  imageUrl: string | null;
  /** The consolidated label's class ids (one for single-label jobs). */
  labels: number[];
  majority: number[] | null;
  confidence: number | null;
  humanAnnotated: boolean;
  /** Why it is here: low confidence and/or the workers disagreed. */
  reasons: string[];
  answers: { workerName: string; workerEmail: string | null; labels: number[]; submittedAt: string | null; timeSpentSeconds: number | null }[];
}

export interface ReviewState {
  job: { id: string; name: string; taskType: string; labels: { name: string; description: string }[]; reviewThreshold: number; status: string };
  item: ReviewItem | null;
  /** The backlog (the job's counter). */
  pending: number;
  reviewed: number;
}
