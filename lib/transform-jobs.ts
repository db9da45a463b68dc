// Batch transform's vocabulary and wire types (SageMaker's names): safe for browser and server.
// The JSONPath subset here is the one kernels/sdk/studio/batch_transform.py applies; the server
// refuses anything else before a job is stored, the dialog says why as the user types.
import { z } from "zod";

/** SageMaker's TransformJobStatus values. */
export const transformStatuses = ["InProgress", "Completed", "Failed", "Stopping", "Stopped"] as const;
export type TransformStatus = (typeof transformStatuses)[number];
export const terminalTransformStatuses: readonly TransformStatus[] = ["Completed", "Failed", "Stopped"];

export const transformContentTypes = ["text/csv", "application/jsonlines"] as const;
export type TransformContentType = (typeof transformContentTypes)[number];
export const contentTypeLabels: Record<TransformContentType, string> = { "text/csv": "CSV (text/csv)", "application/jsonlines": "JSON Lines (application/jsonlines)" };
/** The dataset formats a transform reads, and how. */
export const contentTypeOfFormat: Partial<Record<string, TransformContentType>> = { csv: "text/csv", jsonl: "application/jsonlines" };

export const splitTypes = ["None", "Line"] as const;
export const batchStrategies = ["SingleRecord", "MultiRecord"] as const;
export const assembleWiths = ["None", "Line"] as const;
export const joinSources = ["None", "Input"] as const;
export const DEFAULT_MAX_PAYLOAD_MB = 6;
export const MAX_PAYLOAD_MB = 100;

/** SageMaker's TransformJobName rule. */
export const transformJobName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(63, "is at most 63 characters")
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, "has only letters, digits and hyphens, and starts and ends with a letter or digit");

export const SUPPORTED_FILTERS = "$, $[i,j], $[a:b] (positions, end excluded, negative from the end), $.field and $['a','b']";

export type ParsedFilter =
  | { kind: "root" }
  | { kind: "positions"; items: ({ index: number } | { start: number | null; end: number | null })[] }
  | { kind: "field"; name: string }
  | { kind: "fields"; names: string[] };

const NAME = `'[^'\\\\]*'|"[^"\\\\]*"`;
const NAMES = new RegExp(`^\\s*(?:${NAME})\\s*(?:,\\s*(?:${NAME})\\s*)*$`);
const INDEX = /^\s*(-?\d+)\s*$/;
const SLICE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*$/;

/** The filter, or null when it is not in the supported subset (same grammar as studio.batch_transform). */
export function parseFilter(text: string): ParsedFilter | null {
  const body = text.trim() || "$";
  if (body === "$") return { kind: "root" };
  const dotted = /^\$\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
  if (dotted) return { kind: "field", name: dotted[1] };
  const bracket = /^\$\[([\s\S]*)\]$/.exec(body);
  if (!bracket) return null;
  const inner = bracket[1];
  if (NAMES.test(inner)) {
    const names = [...inner.matchAll(new RegExp(NAME, "g"))].map((m) => m[0].slice(1, -1));
    return names.length === 1 ? { kind: "field", name: names[0] } : { kind: "fields", names };
  }
  const items: ({ index: number } | { start: number | null; end: number | null })[] = [];
  for (const part of inner.split(",")) {
    const index = INDEX.exec(part);
    const span = SLICE.exec(part);
    if (index) items.push({ index: Number(index[1]) });
    else if (span) items.push({ start: span[1] === undefined ? null : Number(span[1]), end: span[2] === undefined ? null : Number(span[2]) });
    else return null;
  }
  return { kind: "positions", items };
}

export const selectsPositions = (filter: ParsedFilter) => filter.kind === "root" || filter.kind === "positions";

export interface TransformConfig {
  contentType: TransformContentType;
  splitType: (typeof splitTypes)[number];
  batchStrategy: (typeof batchStrategies)[number];
  maxPayloadInMB: number;
  assembleWith: (typeof assembleWiths)[number];
  accept: TransformContentType;
  joinSource: (typeof joinSources)[number];
  inputFilter: string;
  outputFilter: string;
}

/**
 * What is wrong with a combination of settings, by field (empty when it can run). The same rules
 * studio.batch_transform enforces, checked before the job is stored.
 */
export function configProblems(config: Pick<TransformConfig, "contentType" | "accept" | "joinSource" | "inputFilter" | "outputFilter">): { path: "inputFilter" | "outputFilter" | "accept"; message: string }[] {
  const problems: { path: "inputFilter" | "outputFilter" | "accept"; message: string }[] = [];
  const input = parseFilter(config.inputFilter);
  const output = parseFilter(config.outputFilter);
  if (!input) problems.push({ path: "inputFilter", message: `${config.inputFilter.trim()} is not supported: use ${SUPPORTED_FILTERS}` });
  else if (config.contentType === "text/csv" && !selectsPositions(input)) {
    problems.push({ path: "inputFilter", message: "CSV records are rows of values: select columns by position, e.g. $[1:] or $[0,2]" });
  }
  if (!output) problems.push({ path: "outputFilter", message: `${config.outputFilter.trim()} is not supported: use ${SUPPORTED_FILTERS}` });
  else if (config.accept === "text/csv" && !selectsPositions(output)) {
    problems.push({ path: "outputFilter", message: "CSV output rows are lists of values: select columns by position, e.g. $[0,-1]" });
  }
  if (config.joinSource === "Input" && config.accept !== config.contentType) {
    problems.push({ path: "accept", message: `JoinSource Input writes each input record with its prediction, so the output is ${config.contentType} like the input` });
  }
  return problems;
}

/**
 * An InputFilter that hands the model its columns from a CSV header with more columns (an id, the
 * target): the positions of the model's input columns, when all are there in order. Null when the
 * header already is the model's columns, or when they are not all there.
 */
export function suggestInputFilter(header: string[], modelColumns: string[]): string | null {
  if (modelColumns.length === 0 || (header.length === modelColumns.length && header.every((h, i) => h === modelColumns[i]))) return null;
  const positions = modelColumns.map((c) => header.indexOf(c));
  if (positions.some((p) => p < 0) || positions.some((p, i) => i > 0 && p <= positions[i - 1])) return null;
  const contiguous = positions.every((p, i) => i === 0 || p === positions[i - 1] + 1);
  if (contiguous) {
    const start = positions[0];
    const end = positions[positions.length - 1] + 1;
    return end === header.length ? `$[${start}:]` : `$[${start}:${end}]`;
  }
  return `$[${positions.join(",")}]`;
}

export interface TransformJobView {
  id: string;
  projectId: string;
  projectName: string;
  name: string;
  status: TransformStatus;
  failureReason: string | null;
  modelVersion: { id: string; modelId: string; modelName: string; version: number };
  input: { datasetId: string; datasetName: string; version: number; filename: string; format: string };
  config: TransformConfig;
  outputDatasetName: string;
  /** input filename + ".out" (SageMaker's output object name) */
  outputFilename: string;
  output: { datasetId: string; datasetName: string; version: number; status: string; statusReason: string | null } | null;
  recordsDone: number;
  recordsTotal: number | null;
  bytesDone: number;
  bytesTotal: number;
  attempts: number;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  updatedAt: string;
}

export interface TransformJobDetail extends TransformJobView {
  /** The first lines of the output (Completed jobs), as text. */
  preview: string[] | null;
}

/** Share of the input read, 0..1. */
export function transformProgress(job: Pick<TransformJobView, "status" | "bytesDone" | "bytesTotal">): number {
  if (job.status === "Completed") return 1;
  return job.bytesTotal > 0 ? Math.min(1, job.bytesDone / job.bytesTotal) : 0;
}
