import "server-only";
import { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { exportedJob, manifestStream } from "@/server/labeling/export-manifest";
import { itemLines, type ExportItem } from "@/server/labeling/export-items";
import { reviewStatuses, type ExportColumn, type ExportFormat, type ReviewStatus } from "@/lib/labeling/exchange";
import { isMultiLabel, isTextTask, type LabelDef, type TaskType } from "@/lib/labeling/tasks";

// The CSV and JSON Lines exports: one row per consolidated item with the columns of
// lib/labeling/exchange.ts `exportColumns`, and the reading of such a row back (import-labels.ts),
// kept side by side so the two never drift apart. CSV writes null as an empty cell, lists and maps
// as JSON text and booleans as yes/no; JSON Lines keeps JSON's own types.

type Row = Partial<Record<ExportColumn, unknown>>;

/** The columns a job's rows have, in order. */
export function tableColumns(taskType: TaskType): ExportColumn[] {
  if (taskType === "named-entity-recognition") return ["text", "entities", "confidence", "human_annotated", "workers", "review", "reviewed_by", "reviewed_at"];
  const multi = isMultiLabel(taskType);
  return [
    isTextTask(taskType) ? "text" : "source_ref",
    multi ? "labels" : "label",
    "confidence",
    ...(multi ? (["confidence_map"] as const) : []),
    "human_annotated",
    "majority_vote",
    ...(multi ? [] : (["vote_share", "tied"] as const)),
    "workers",
    "review",
    "reviewed_by",
    "reviewed_at",
  ];
}

/** One item as a row (JSON values). */
export function tableRow(job: { taskType: TaskType; labels: LabelDef[]; datasetRef: string }, item: ExportItem): Row {
  const name = (c: number) => job.labels[c]?.name ?? String(c);
  const label = item.label;
  const common = {
    human_annotated: item.humanAnnotated ? "yes" : "no",
    workers: label.workers,
    review: item.review,
    reviewed_by: item.review === "pending" ? null : item.reviewerEmail,
    reviewed_at: item.review === "pending" ? null : (item.reviewedAt?.toISOString() ?? null),
  };
  const source = isTextTask(job.taskType) ? { text: item.text ?? "" } : { source_ref: `${job.datasetRef}/${item.sourceRef}` };
  if ("spans" in label) {
    const text = item.text ?? "";
    return { ...source, entities: label.spans.map((s) => ({ start: s.start, end: s.end, label: name(s.label), text: text.slice(s.start, s.end), confidence: s.confidence })), confidence: item.confidence, ...common };
  }
  if ("boxes" in label) throw new AppError("validation_failed", "Boxes export as the Ground Truth manifest or COCO.");
  if ("labels" in label) {
    return {
      ...source,
      labels: label.labels.map(name),
      confidence: item.confidence,
      confidence_map: Object.fromEntries(label.labels.map((c) => [name(c), label.confidenceMap[String(c)] ?? 0])),
      majority_vote: label.majority ? label.majority.labels.map(name) : null,
      ...common,
    };
  }
  return {
    ...source,
    label: name(label.label),
    confidence: item.confidence,
    majority_vote: label.majority ? name(label.majority.label) : null,
    vote_share: label.majority?.voteShare ?? null,
    tied: label.majority?.tied ?? null,
    ...common,
  };
}

/** A CSV cell (RFC 4180 quoting). */
function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? "" : typeof value === "boolean" ? (value ? "yes" : "no") : typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The job's CSV or JSON Lines export, streamed. */
export async function tableStream(db: Db, jobId: string, principal: Principal, format: "csv" | "jsonl", onItems?: (count: number) => void): Promise<{ filename: string; stream: ReadableStream<Uint8Array> }> {
  const { view, job } = await exportedJob(db, jobId, principal);
  if (view.taskType === "bounding-box") throw new AppError("validation_failed", `CSV and JSON Lines hold classes and entities; ${view.name} is a bounding-box job: export it as the Ground Truth manifest or COCO.`);
  const columns = tableColumns(view.taskType);
  const ordered = (item: ExportItem) => {
    const row = tableRow(job, item);
    return columns.map((c) => [c, row[c] ?? null] as const);
  };
  const stream =
    format === "csv"
      ? itemLines(db, jobId, (items) => items.map((item) => ordered(item).map(([, v]) => csvCell(v)).join(",")), { head: columns.join(","), onItems })
      : itemLines(db, jobId, (items) => items.map((item) => JSON.stringify(Object.fromEntries(ordered(item)))), { onItems });
  return { filename: `${view.name}-labels.${format}`, stream };
}

/** Any export of a job, streamed. */
export function exportStream(db: Db, jobId: string, principal: Principal, format: ExportFormat, onItems?: (count: number) => void): Promise<{ filename: string; stream: ReadableStream<Uint8Array> }> {
  return format === "groundtruth-manifest" ? manifestStream(db, jobId, principal, onItems) : tableStream(db, jobId, principal, format, onItems);
}

/** One entity of a named-entity row: character offsets (end exclusive), its label's name, the text it covers, its confidence. */
export const exportedEntity = z.object({ start: z.number().int().min(0), end: z.number().int().min(1), label: z.string().min(1), text: z.string(), confidence: z.number().min(0).max(1) }).strict();
export type ExportedEntity = z.infer<typeof exportedEntity>;

/** A row of a CSV or JSON Lines export, read back. */
export interface ParsedRow {
  text: string;
  /** Classification: the label names. Named entities: none (see entities). */
  labels: string[];
  /** Named entities: the entities as exported (names, not class ids). */
  entities: ExportedEntity[];
  confidence: number | null;
  confidenceMap: Record<string, number> | null;
  humanAnnotated: boolean;
  majority: string[] | null;
  voteShare: number | null;
  tied: boolean | null;
  workers: number | null;
  review: ReviewStatus | null;
  reviewedBy: string | null;
  reviewedAt: Date | null;
}

const rowError = (line: number, column: string, message: string) => new AppError("validation_failed", `row ${line}: ${column} ${message}`, { issues: [{ path: `row ${line}.${column}`, message }] });

/**
 * Reads one exported row back (CSV: every value is text; JSON Lines: JSON types). `multi` says
 * whether the file has `labels` (multi-label) or `label`. Errors name the row and column.
 */
export function parseTableRow(raw: Record<string, unknown>, line: number, options: { csv: boolean; multi: boolean; entities?: boolean }): ParsedRow {
  const value = (column: ExportColumn): unknown => {
    const v = raw[column];
    return options.csv && v === "" ? null : (v ?? null);
  };
  const text = (column: ExportColumn, required = false): string | null => {
    const v = value(column);
    if (v === null) {
      if (required) throw rowError(line, column, "is missing");
      return null;
    }
    if (typeof v !== "string") throw rowError(line, column, "is not text");
    return v;
  };
  const number = (column: ExportColumn, min: number, max: number): number | null => {
    const v = value(column);
    if (v === null) return null;
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
    if (!Number.isFinite(n) || n < min || n > max) throw rowError(line, column, `is not a number from ${min} to ${max}`);
    return n;
  };
  const yesNo = (column: ExportColumn): boolean | null => {
    const v = value(column);
    if (v === null) return null;
    if (v === true || v === "yes") return true;
    if (v === false || v === "no") return false;
    throw rowError(line, column, `is ${JSON.stringify(v)}, not yes or no`);
  };
  const json = (column: ExportColumn): unknown => {
    const v = value(column);
    if (!options.csv || v === null) return v;
    try {
      return JSON.parse(String(v));
    } catch {
      throw rowError(line, column, "is not JSON");
    }
  };
  const names = (column: ExportColumn, required: boolean): string[] | null => {
    const v = options.multi ? json(column) : text(column, required);
    if (v === null) {
      if (required) throw rowError(line, column, "is missing");
      return null;
    }
    if (!options.multi) return [v as string];
    if (!Array.isArray(v) || !v.every((n) => typeof n === "string" && n.length > 0)) throw rowError(line, column, "is not a list of label names");
    return v as string[];
  };
  const map = json("confidence_map");
  if (map !== null && (typeof map !== "object" || Array.isArray(map) || !Object.values(map as object).every((c) => typeof c === "number" && c >= 0 && c <= 1))) {
    throw rowError(line, "confidence_map", "is not a map of label names to confidences in [0, 1]");
  }
  const review = text("review");
  if (review !== null && !(reviewStatuses as readonly string[]).includes(review)) throw rowError(line, "review", `is ${JSON.stringify(review)}: one of ${reviewStatuses.join(", ")}, or empty`);
  const reviewedAt = text("reviewed_at");
  if (reviewedAt !== null && Number.isNaN(Date.parse(reviewedAt))) throw rowError(line, "reviewed_at", "is not a date");
  const workers = number("workers", 0, 1_000);
  if (workers !== null && !Number.isInteger(workers)) throw rowError(line, "workers", "is not a whole number");
  let entities: ExportedEntity[] = [];
  if (options.entities) {
    const parsed = z.array(exportedEntity).safeParse(json("entities"));
    if (!parsed.success) throw rowError(line, "entities", "is not a list of { start, end, label, text, confidence }");
    entities = parsed.data;
  }
  return {
    text: text("text", true)!,
    labels: options.entities ? [] : names(options.multi ? "labels" : "label", true)!,
    entities,
    confidence: number("confidence", 0, 1),
    confidenceMap: map as Record<string, number> | null,
    humanAnnotated: yesNo("human_annotated") ?? true,
    majority: names("majority_vote", false),
    voteShare: number("vote_share", 0, 1),
    tied: yesNo("tied"),
    workers,
    review: review as ReviewStatus | null,
    reviewedBy: text("reviewed_by"),
    reviewedAt: reviewedAt === null ? null : new Date(reviewedAt),
  };
}

/** Whether a header (CSV) or first object's keys (JSON Lines) are labeled texts (this studio's export, or any file with text and label(s) columns); which task then. Other columns are ignored. */
export function exportedTableTask(keys: string[]): TaskType | null {
  if (!keys.includes("text")) return null;
  if (keys.includes("entities")) return "named-entity-recognition";
  if (keys.includes("labels")) return "text-classification-multilabel";
  if (keys.includes("label")) return "text-classification";
  return null;
}
