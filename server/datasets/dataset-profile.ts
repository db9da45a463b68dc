// What the studio knows about an uploaded dataset file after profiling it
// (server/datasets/profile-dataset.ts computes it in the worker). Pure types, constants and a zod
// schema, safe to import from the browser: the UI renders these, and whoever stores a profile as
// JSON parses it back with `datasetProfileSchema`.
//
// Every value is JSON-safe: numbers are finite (see `ColumnProfile.min`), sample values of
// Parquet files are converted (bigint → number or string, dates → ISO strings, bytes → base64).
import { z } from "zod";

export const DATASET_FORMATS = ["csv", "jsonl", "parquet", "zip"] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export const COLUMN_TYPES = ["integer", "float", "boolean", "datetime", "string", "mixed", "empty"] as const;
/**
 * Inferred over every value of a column (not a sample):
 * - integer, float: all non-missing values are numbers (integers and floats together → float;
 *   "inf"/"Infinity" are floats);
 * - boolean: true/false (any case in CSV); 0/1 stay integers;
 * - datetime: ISO 8601 dates or date-times ("2024-01-31", "2024-01-31T12:00:00Z"), or Parquet
 *   DATE/TIMESTAMP columns;
 * - string: text (and nested JSON values, profiled as their JSON text);
 * - mixed: incompatible kinds in one column (e.g. numbers and words);
 * - empty: no non-missing value at all.
 */
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** Numeric columns get this many equal-width bins over [min, max] (numpy's rule: [min-0.5, max+0.5] when min = max). */
export const HISTOGRAM_BINS = 20;
/** String, boolean and mixed columns list up to this many most frequent values. */
export const TOP_VALUES = 10;
/** Rows kept verbatim in `TableProfile.sampleRows` (the first ones of the file). */
export const SAMPLE_ROWS = 50;
/** Files listed in `FilesProfile.sample` (the first ones of the archive). */
export const SAMPLE_FILES = 50;
/** Distinct values are counted exactly up to this many per column (fewer for very wide tables, see profile-dataset.ts). */
export const DISTINCT_CAP = 100_000;

export interface HistogramBin {
  start: number;
  end: number;
  count: number;
}

export interface ColumnProfile {
  name: string;
  type: ColumnType;
  /** CSV: pandas' default NA strings ("", "NA", "N/A", "null", "NaN", …); JSON: null or an absent key; Parquet: null or NaN. */
  missing: number;
  /** Distinct non-missing values; a lower bound when `distinctCapped`. */
  distinct: number;
  distinctCapped: boolean;
  /**
   * integer/float: the smallest and largest finite value (±inf values are counted, and binned
   * into the first/last histogram bin, but never reported here: JSON cannot carry them).
   * datetime: ISO 8601 strings. Otherwise null.
   */
  min: number | string | null;
  max: number | string | null;
  /** integer/float: exact mean of the finite values. Otherwise null. */
  mean: number | null;
  /**
   * integer/float: HISTOGRAM_BINS equal-width bins over [min, max]; counts sum to the number of
   * non-missing values. Exact up to 20,000 values, above that estimated from a uniform sample and
   * scaled (see profile-dataset.ts). Null otherwise, or when a column holds only ±inf.
   */
  histogram: HistogramBin[] | null;
  /** string/boolean/mixed: up to TOP_VALUES most frequent values, most frequent first. Otherwise null. */
  topValues: { value: string; count: number }[] | null;
}

export interface TableProfile {
  kind: "table";
  format: "csv" | "jsonl" | "parquet";
  rowCount: number;
  columns: ColumnProfile[];
  /** The first SAMPLE_ROWS rows, values as parsed: CSV cells as their text, JSON values as read, Parquet values made JSON-safe. */
  sampleRows: Record<string, unknown>[];
}

export interface FilesProfile {
  kind: "files";
  format: "zip";
  /** Files (directories are not counted). */
  fileCount: number;
  /** Sum of the files' uncompressed sizes. */
  totalBytes: number;
  /** Lower-case extension without its dot ("" for none, "tar.gz" for compressed tarballs); most files first. */
  byExtension: { extension: string; count: number; bytes: number }[];
  /** The first SAMPLE_FILES files in archive order. */
  sample: { path: string; bytes: number }[];
}

export type DatasetProfile = TableProfile | FilesProfile;

/** A person's name for a format, for messages and the UI. */
export function formatLabel(format: DatasetFormat): string {
  switch (format) {
    case "csv":
      return "CSV";
    case "jsonl":
      return "JSON Lines";
    case "parquet":
      return "Parquet";
    case "zip":
      return "zip";
  }
}

export function isNumericColumnType(type: ColumnType): type is "integer" | "float" {
  return type === "integer" || type === "float";
}

const count = z.number().int().nonnegative();

const histogramBinSchema = z.object({ start: z.number(), end: z.number(), count });

const columnProfileSchema = z.object({
  name: z.string(),
  type: z.enum(COLUMN_TYPES),
  missing: count,
  distinct: count,
  distinctCapped: z.boolean(),
  min: z.union([z.number(), z.string()]).nullable(),
  max: z.union([z.number(), z.string()]).nullable(),
  mean: z.number().nullable(),
  histogram: z.array(histogramBinSchema).nullable(),
  topValues: z.array(z.object({ value: z.string(), count })).nullable(),
});

const tableProfileSchema = z.object({
  kind: z.literal("table"),
  format: z.enum(["csv", "jsonl", "parquet"]),
  rowCount: count,
  columns: z.array(columnProfileSchema),
  sampleRows: z.array(z.record(z.string(), z.unknown())),
});

const filesProfileSchema = z.object({
  kind: z.literal("files"),
  format: z.literal("zip"),
  fileCount: count,
  totalBytes: count,
  byExtension: z.array(z.object({ extension: z.string(), count, bytes: count })),
  sample: z.array(z.object({ path: z.string(), bytes: count })),
});

/** Parses a stored profile (e.g. a JSON column) back into a `DatasetProfile`. */
export const datasetProfileSchema: z.ZodType<DatasetProfile> = z.discriminatedUnion("kind", [tableProfileSchema, filesProfileSchema]);
