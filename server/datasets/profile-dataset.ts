import "server-only";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isUtf8 } from "node:buffer";
import { CsvError, parse as parseCsv } from "csv-parse";
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type FileMetaData, type SchemaTree } from "hyparquet";
// Snappy is built into hyparquet; these add gzip, zstd and brotli (what pandas/pyarrow/Spark write).
// pyarrow's LZ4 pages fail to decode with hyparquet-compressors 1.1.2 ("lz4 offset out of range").
import { compressors } from "hyparquet-compressors";
import yauzl from "yauzl";
import {
  DISTINCT_CAP,
  HISTOGRAM_BINS,
  SAMPLE_FILES,
  SAMPLE_ROWS,
  TOP_VALUES,
  type ColumnProfile,
  type ColumnType,
  type DatasetFormat,
  type DatasetProfile,
  type FilesProfile,
  type HistogramBin,
  type TableProfile,
} from "@/server/datasets/dataset-profile";

// Validates and profiles an uploaded dataset file in one streaming pass, in bounded memory: a
// 1 GB file is never read into memory. Runs in the worker process, not in request handlers.
//
// Decisions a data scientist will want to know (also in dataset-profile.ts):
// - Missing values. CSV: exactly pandas' `read_csv` default `na_values` (below, NA_STRINGS), so
//   "", "NA", "N/A", "null", "None", "NaN", "nan", "-NaN" … are missing and a column's counts agree
//   with `df.isna().sum()`. Matching is on the trimmed cell. "inf"/"Infinity" are not missing: they
//   are floats. JSON Lines: null or an absent key ("" is a string). Parquet: null, and NaN in
//   floating-point columns (pandas' isna() view).
// - Types are inferred over every value; see ColumnType. CSV cells are trimmed before they are
//   read as numbers, booleans, datetimes (ISO 8601 extended format only: "2024-01-31",
//   "2024-01-31 12:00", "2024-01-31T12:00:00.123+02:00"; naive times are taken as UTC to compare
//   them). JSON values keep their JSON type (a JSON string "12" is a string, 1.0 reads as the
//   integer 1); JSON strings in ISO 8601 are datetimes. Parquet types come from the schema
//   (FLOAT/DOUBLE/DECIMAL columns are floats even when every value is whole); nested values
//   (lists, structs, JSON) are profiled as the text of their JSON.
// - Numbers: min, max and mean are exact (compensated summation) over the finite values;
//   ±inf is counted and binned into the edge bins but not reported as min/max/mean, because JSON
//   cannot carry it.
// - Histogram: one pass only. Each numeric column keeps a uniform reservoir sample (Algorithm R
//   with a seeded generator, so the same file gives the same profile) of up to 20,000 values;
//   once min/max are known the sample is binned into 20 equal-width bins and scaled to the
//   column's non-missing count with largest-remainder rounding, so the counts sum exactly to it.
//   With ≤ 20,000 values the histogram is exact. A second pass would double the time on big files
//   for a chart that is drawn at 20-bin resolution anyway.
// - Distinct values: counted exactly until a column has DISTINCT_CAP (100,000) of them, then
//   `distinctCapped`. To keep memory bounded on wide tables the cap is shared: 2,000,000 tracked
//   values across all columns (tables with ≤ 20 columns get the full 100,000 each, 100 columns get
//   20,000 each). Values longer than 64 characters are tracked by a 53-bit hash and shown
//   truncated in `topValues`. Once a column is capped, values first seen after the cap are no
//   longer counted, so its `topValues` counts are lower bounds.
// - Memory: per column a bounded distinct map and reservoir; per file a 256 KiB read buffer, one
//   CSV record or JSON line (at most 64 MiB), one Parquet column chunk (a row group's column,
//   compressed and decoded: hyparquet reads chunks whole), or one zip directory entry.

/** A problem with the file itself, worded for the person who uploaded it. */
export class DatasetFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetFormatError";
  }
}

/** pandas' default `na_values` for `read_csv` (pandas._libs.parsers.STR_NA_VALUES, pandas 2.x/3.x). */
const NA_STRINGS = new Set([
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
]);

const SNIFF_BYTES = 8192;
const READ_CHUNK_BYTES = 256 * 1024;
/** The longest CSV record or JSON line accepted (characters). */
const MAX_RECORD_CHARS = 64 * 1024 * 1024;
/** More columns than this is almost always a mistake (a JSON map keyed by id, a transposed table). */
const MAX_COLUMNS = 10_000;
const TRACKED_VALUES_BUDGET = 2_000_000;
const RESERVOIR_SIZE = 20_000;
const RESERVOIR_BUDGET = 2_000_000;
const MIN_RESERVOIR_SIZE = 500;
const MIN_DISTINCT_CAP = 100;
/** Values longer than this are tracked by hash for distinct counts and shown truncated. */
const MAX_KEY_CHARS = 64;
const CSV_DELIMITERS = [",", "\t", ";", "|"] as const;

// ---------------------------------------------------------------------------------------------
// Format sniffing

/** From the first bytes (≥ 8 KiB when the file is that long) and the file name: which format, or DatasetFormatError. */
export function sniffFormat(head: Buffer, filename: string): DatasetFormat {
  const name = path.posix.basename(filename.replace(/\\/g, "/"));
  const extension = extensionOf(name);
  if (head.length === 0) throw new DatasetFormatError(`"${name}" is empty.`);

  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    if (isOfficeDocument(head) || ["xlsx", "xlsm", "docx", "pptx", "ods"].includes(extension)) {
      throw new DatasetFormatError(
        `"${name}" is an Excel workbook (or another Office document), not a dataset file. Export the sheet as CSV (UTF-8) and upload that.`,
      );
    }
    return "zip";
  }
  if (startsWith(head, [0x50, 0x41, 0x52, 0x31])) return "parquet";
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    throw new DatasetFormatError(`"${name}" is an old-style Excel workbook (.xls), not a dataset file. Export the sheet as CSV (UTF-8) and upload that.`);
  }
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    throw new DatasetFormatError(`"${name}" is UTF-16 text. Save it as UTF-8 (in Excel: "CSV UTF-8") and upload it again.`);
  }
  if (startsWith(head, [0x1f, 0x8b])) {
    throw new DatasetFormatError(`"${name}" is gzip-compressed. Upload the uncompressed CSV, JSON Lines or Parquet file, or a zip archive.`);
  }

  let text: string;
  try {
    // stream: true, because the head may end in the middle of a character.
    text = new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
  } catch {
    if (looksBinary(head)) throw notADataset(name, extension);
    const offset = firstInvalidUtf8Byte(head);
    throw new DatasetFormatError(
      `"${name}" is not UTF-8 text (byte ${offset.toLocaleString("en-US")} is not valid UTF-8). If it is a CSV or JSON Lines file in another encoding (Windows-1252, Latin-1…), save it as UTF-8 and upload it again.`,
    );
  }
  if (text.includes("\0") || looksBinary(head)) throw notADataset(name, extension);

  const wholeFile = head.length < SNIFF_BYTES;
  const first = firstNonEmptyLine(text, wholeFile);
  if (!first) throw new DatasetFormatError(`"${name}" holds no data (only blank lines).`);
  const jsonNamed = ["jsonl", "ndjson", "json"].includes(extension);
  const trimmed = first.line.trim();
  if (trimmed.startsWith("{")) {
    if (!first.complete) return "jsonl"; // a first line longer than the head: no CSV header looks like this
    const parsed = parseJsonLine(trimmed);
    if (parsed.ok && isPlainObject(parsed.value)) return "jsonl";
    if (jsonNamed) {
      throw new DatasetFormatError(
        `"${name}" is not JSON Lines: line ${first.lineNumber} is not a complete JSON object${parsed.ok ? "" : ` (${parsed.error})`}. JSON Lines holds one object per line, e.g. pandas' df.to_json(path, orient="records", lines=True); pretty-printed JSON is not supported.`,
      );
    }
    return "csv";
  }
  if (jsonNamed && trimmed.startsWith("[")) {
    throw new DatasetFormatError(
      `"${name}" is a JSON array, not JSON Lines. Write one JSON object per line instead, e.g. pandas' df.to_json(path, orient="records", lines=True).`,
    );
  }
  return "csv";
}

function notADataset(name: string, extension: string): DatasetFormatError {
  const claimed: Record<string, string> = { parquet: "Parquet", zip: "zip", csv: "CSV", tsv: "CSV", jsonl: "JSON Lines", ndjson: "JSON Lines" };
  const hint = claimed[extension] ? ` It is named .${extension} but does not look like a ${claimed[extension]} file.` : "";
  return new DatasetFormatError(`"${name}" is not a CSV, JSON Lines, Parquet or zip file: it holds binary data.${hint}`);
}

function startsWith(buffer: Buffer, bytes: number[]): boolean {
  return buffer.length >= bytes.length && bytes.every((byte, i) => buffer[i] === byte);
}

/** Office Open XML files are zips whose first entry is "[Content_Types].xml". */
function isOfficeDocument(head: Buffer): boolean {
  if (head.length < 30 || !startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return false;
  const nameLength = head.readUInt16LE(26);
  return head.subarray(30, 30 + nameLength).toString("latin1") === "[Content_Types].xml";
}

/** NUL bytes or more than 1% control characters (other than tab, line breaks, form feed). */
function looksBinary(head: Buffer): boolean {
  let control = 0;
  for (const byte of head) {
    if (byte === 0) return true;
    if (byte < 32 && byte !== 9 && byte !== 10 && byte !== 12 && byte !== 13) control++;
  }
  return control > head.length / 100;
}

function firstNonEmptyLine(text: string, wholeFile: boolean): { line: string; lineNumber: number; complete: boolean } | null {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let lineNumber = 1;
  while (start < text.length) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end);
    if (line.trim() !== "") return { line, lineNumber, complete: newline !== -1 || wholeFile };
    if (newline === -1) break;
    start = newline + 1;
    lineNumber++;
  }
  return null;
}

/** The offset of the first byte that makes `buffer` invalid UTF-8 (a sequence cut at the end is not invalid). */
function firstInvalidUtf8Byte(buffer: Buffer): number {
  let low = 0;
  let high = buffer.length; // invariant: the prefix of length `low` is valid, of length `high` invalid
  const validPrefix = (length: number) => {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(buffer.subarray(0, length), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  if (validPrefix(high)) return high;
  while (high - low > 1) {
    const middle = (low + high) >>> 1;
    if (validPrefix(middle)) low = middle;
    else high = middle;
  }
  // The longest valid prefix may end with the lead bytes of the sequence that turned out invalid.
  return low - incompleteUtf8Tail(buffer.subarray(0, low));
}

function extensionOf(fileName: string): string {
  const base = path.posix.basename(fileName.replace(/\\/g, "/")).toLowerCase();
  const compound = /\.(tar\.(?:gz|bz2|xz|zst))$/.exec(base);
  if (compound) return compound[1];
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1) : "";
}

// ---------------------------------------------------------------------------------------------
// Entry point

/** Validates the whole file and profiles it, streaming. Throws DatasetFormatError for bad files. */
export async function profileDataset(filePath: string, format: DatasetFormat): Promise<DatasetProfile> {
  const info = await stat(filePath);
  if (!info.isFile()) throw new Error(`${filePath} is not a regular file`);
  switch (format) {
    case "csv":
      return profileCsv(filePath);
    case "jsonl":
      return profileJsonl(filePath);
    case "parquet":
      return profileParquet(filePath, info.size);
    case "zip":
      return profileZip(filePath);
  }
}

// ---------------------------------------------------------------------------------------------
// Column statistics

/** Shares the memory budget for distinct values and reservoirs among a table's columns. */
class ColumnBudget {
  columns = 0;
  distinctCap = DISTINCT_CAP;
  reservoirSize = RESERVOIR_SIZE;

  addColumn(format: string): void {
    this.columns++;
    if (this.columns > MAX_COLUMNS) {
      throw new DatasetFormatError(
        `The ${format} file has more than ${MAX_COLUMNS.toLocaleString("en-US")} columns. The studio profiles tables up to that width; a JSON object keyed by ids belongs inside one column (e.g. {"scores": {...}}).`,
      );
    }
    this.distinctCap = Math.min(DISTINCT_CAP, Math.max(MIN_DISTINCT_CAP, Math.floor(TRACKED_VALUES_BUDGET / this.columns)));
    this.reservoirSize = Math.min(RESERVOIR_SIZE, Math.max(MIN_RESERVOIR_SIZE, Math.floor(RESERVOIR_BUDGET / this.columns)));
  }
}

/** mulberry32: a small seeded generator, so the sample (and the histogram) is reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** cyrb53: a fast 53-bit string hash (collisions among 100,000 values: about 1 in a million). */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Long strings are keyed "\0<hash>\0<prefix>"; short ones by themselves. */
function stringKey(text: string): string {
  if (text.length <= MAX_KEY_CHARS) return text;
  return `\0${hash53(text).toString(36)}\0${text.slice(0, MAX_KEY_CHARS - 1)}`;
}

function stringKeyLabel(key: string): string {
  if (key.charCodeAt(0) !== 0) return key;
  return `${key.slice(key.indexOf("\0", 1) + 1)}…`;
}

class ColumnStats {
  /** Non-missing values seen; missing = rows - present (so absent JSON keys count as missing). */
  present = 0;
  private integers = 0;
  private floats = 0;
  private booleans = 0;
  private datetimes = 0;
  private strings = 0;

  // Numbers (finite ones for min/max/mean).
  private finite = 0;
  private min = Infinity;
  private max = -Infinity;
  private sum = 0;
  private compensation = 0;
  private numbersSeen = 0;
  private readonly reservoir: number[] = [];
  private readonly reservoirSize: number;
  private readonly random: () => number;

  // Datetimes: instants to compare, texts to report.
  private earliest = Infinity;
  private earliestText = "";
  private latest = -Infinity;
  private latestText = "";

  // Distinct values, one map per kind so 1, "1" and true never collide.
  private readonly numberKeys = new Map<number, number>();
  private readonly stringKeys = new Map<string, number>();
  private readonly datetimeKeys = new Map<number, number>();
  private readonly booleanCounts = [0, 0];
  private tracked = 0;
  private capped = false;

  constructor(
    readonly name: string,
    index: number,
    private readonly budget: ColumnBudget,
  ) {
    this.reservoirSize = budget.reservoirSize;
    this.random = seededRandom(0x9e3779b9 ^ (index + 1));
  }

  addNumber(number: number, integer: boolean): void {
    const value = number === 0 ? 0 : number; // -0 is 0 (and JSON cannot tell them apart)
    this.present++;
    if (integer) this.integers++;
    else this.floats++;
    if (value !== Infinity && value !== -Infinity) {
      this.finite++;
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
      // Neumaier's compensated summation: the mean stays exact to the last bits over millions of values.
      const total = this.sum + value;
      if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - total + value;
      else this.compensation += value - total + this.sum;
      this.sum = total;
    }
    // Algorithm R.
    const seen = this.numbersSeen++;
    if (seen < this.reservoirSize) this.reservoir.push(value);
    else {
      const slot = Math.floor(this.random() * (seen + 1));
      if (slot < this.reservoirSize) this.reservoir[slot] = value;
    }
    this.countNumber(value);
  }

  addBoolean(value: boolean): void {
    this.present++;
    this.booleans++;
    this.booleanCounts[value ? 1 : 0]++;
  }

  /** `instant`: milliseconds since the epoch; `text`: how to report it as min/max. */
  addDatetime(instant: number, text: string): void {
    this.present++;
    this.datetimes++;
    if (instant < this.earliest) {
      this.earliest = instant;
      this.earliestText = text;
    }
    if (instant > this.latest) {
      this.latest = instant;
      this.latestText = text;
    }
    this.countDatetime(instant);
  }

  addString(value: string): void {
    this.present++;
    this.strings++;
    this.countString(stringKey(value));
  }

  // One method per key type keeps each Map call site monomorphic (this is the hot path).
  private countNumber(key: number): void {
    const seen = this.numberKeys.get(key);
    if (seen !== undefined) this.numberKeys.set(key, seen + 1);
    else if (this.tracked < this.budget.distinctCap) {
      this.numberKeys.set(key, 1);
      this.tracked++;
    } else this.capped = true;
  }

  private countDatetime(key: number): void {
    const seen = this.datetimeKeys.get(key);
    if (seen !== undefined) this.datetimeKeys.set(key, seen + 1);
    else if (this.tracked < this.budget.distinctCap) {
      this.datetimeKeys.set(key, 1);
      this.tracked++;
    } else this.capped = true;
  }

  private countString(key: string): void {
    const seen = this.stringKeys.get(key);
    if (seen !== undefined) this.stringKeys.set(key, seen + 1);
    else if (this.tracked < this.budget.distinctCap) {
      this.stringKeys.set(key, 1);
      this.tracked++;
    } else this.capped = true;
  }

  private type(): ColumnType {
    const kinds =
      (this.integers + this.floats > 0 ? 1 : 0) + (this.booleans > 0 ? 1 : 0) + (this.datetimes > 0 ? 1 : 0) + (this.strings > 0 ? 1 : 0);
    if (kinds === 0) return "empty";
    if (kinds > 1) return "mixed";
    if (this.floats > 0) return "float";
    if (this.integers > 0) return "integer";
    if (this.booleans > 0) return "boolean";
    if (this.datetimes > 0) return "datetime";
    return "string";
  }

  profile(rowCount: number): ColumnProfile {
    const type = this.type();
    const numeric = type === "integer" || type === "float";
    const hasFinite = numeric && this.finite > 0;
    const distinct = this.tracked + (this.booleanCounts[0] > 0 ? 1 : 0) + (this.booleanCounts[1] > 0 ? 1 : 0);
    return {
      name: this.name,
      type,
      missing: rowCount - this.present,
      distinct,
      distinctCapped: this.capped,
      min: hasFinite ? this.min : type === "datetime" ? this.earliestText : null,
      max: hasFinite ? this.max : type === "datetime" ? this.latestText : null,
      mean: hasFinite ? (this.sum + this.compensation) / this.finite : null,
      histogram: hasFinite ? histogram(this.reservoir, this.min, this.max, this.numbersSeen) : null,
      topValues: type === "string" || type === "boolean" || type === "mixed" ? this.topValues() : null,
    };
  }

  private topValues(): { value: string; count: number }[] {
    const entries: { value: string; count: number }[] = [];
    if (this.booleanCounts[1] > 0) entries.push({ value: "true", count: this.booleanCounts[1] });
    if (this.booleanCounts[0] > 0) entries.push({ value: "false", count: this.booleanCounts[0] });
    for (const [key, count] of this.stringKeys) entries.push({ value: stringKeyLabel(key), count });
    for (const [key, count] of this.numberKeys) entries.push({ value: String(key), count });
    for (const [key, count] of this.datetimeKeys) entries.push({ value: new Date(key).toISOString(), count });
    entries.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    return entries.slice(0, TOP_VALUES);
  }
}

/**
 * HISTOGRAM_BINS equal-width bins over [min, max] (numpy's convention: half-open bins, the last
 * one closed; [min-0.5, max+0.5] when min = max). ±inf go to the edge bins. When the sample
 * holds fewer values than the column, counts are scaled to `total` by largest remainder.
 */
function histogram(sample: number[], min: number, max: number, total: number): HistogramBin[] {
  const low = min === max ? min - 0.5 : min;
  const high = min === max ? max + 0.5 : max;
  const range = high - low;
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => (i === HISTOGRAM_BINS ? high : low + (range * i) / HISTOGRAM_BINS));
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const value of sample) {
    let bin = Math.floor(((value - low) * HISTOGRAM_BINS) / range);
    if (!(bin >= 0)) bin = 0; // also -inf
    else if (bin >= HISTOGRAM_BINS) bin = HISTOGRAM_BINS - 1; // max itself, and +inf
    // Rounding can put a value that sits on an edge one bin off; the edges decide (as numpy does).
    else if (value < edges[bin]) bin--;
    else if (bin < HISTOGRAM_BINS - 1 && value >= edges[bin + 1]) bin++;
    counts[bin]++;
  }
  const scaled = sample.length === total ? counts : scaleCounts(counts, total);
  return scaled.map((count, i) => ({ start: edges[i], end: edges[i + 1], count }));
}

function scaleCounts(counts: number[], total: number): number[] {
  const sampled = counts.reduce((a, b) => a + b, 0);
  const exact = counts.map((count) => (count * total) / sampled);
  const result = exact.map(Math.floor);
  let remaining = total - result.reduce((a, b) => a + b, 0);
  const order = exact.map((value, i) => ({ i, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of order) {
    if (remaining <= 0) break;
    if (counts[i] === 0) continue; // never invent values in an empty bin
    result[i]++;
    remaining--;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Reading text cells (CSV) and JSON values

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;
/** The value of the two ASCII digits at `at`, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Milliseconds since the epoch of an ISO 8601 (extended format) date or date-time, or null:
 * YYYY-MM-DD, then optionally T or a space, hh:mm, :ss, .fraction (or ,fraction), and Z, ±hh,
 * ±hhmm or ±hh:mm. Naive date-times are taken as UTC, to compare them. Hand-written (no regex, no
 * Date): it runs for every candidate cell of every file.
 */
function parseIsoDatetime(text: string): number | null {
  const length = text.length;
  if (length < 10 || length > 40 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null;
  const century = twoDigits(text, 0);
  const yy = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1) return null;
  const year = century * 100 + yy;
  if (day > daysInMonth(year, month)) return null;
  let millis = daysFromCivil(year, month, day) * 86_400_000;
  if (length === 10) return millis;
  const separator = text.charCodeAt(10);
  if (separator !== 84 && separator !== 116 && separator !== 32) return null; // T, t, space
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  if (length < 16 || text.charCodeAt(13) !== 58 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;
  millis += hour * 3_600_000 + minute * 60_000;
  let at = 16;
  if (at < length && text.charCodeAt(at) === 58) {
    const second = twoDigits(text, at + 1);
    if (second < 0 || second > 59) return null;
    millis += second * 1000;
    at += 3;
    const mark = text.charCodeAt(at);
    if (at < length && (mark === 46 || mark === 44)) {
      // Fraction: 1 to 9 digits, kept to the millisecond.
      let digits = 0;
      let fraction = 0;
      for (at++; at < length; at++, digits++) {
        const digit = text.charCodeAt(at) - 48;
        if (digit < 0 || digit > 9) break;
        if (digits < 3) fraction = fraction * 10 + digit;
      }
      if (digits === 0 || digits > 9) return null;
      millis += digits >= 3 ? fraction : fraction * (digits === 1 ? 100 : 10);
    }
  }
  if (at === length) return millis;
  const zone = text.charCodeAt(at);
  if ((zone === 90 || zone === 122) && at + 1 === length) return millis; // Z, z
  if (zone !== 43 && zone !== 45) return null; // +, -
  const offsetHours = twoDigits(text, at + 1);
  if (offsetHours < 0 || offsetHours > 23) return null;
  let offsetMinutes = 0;
  const rest = length - (at + 3);
  if (rest === 2) offsetMinutes = twoDigits(text, at + 3);
  else if (rest === 3 && text.charCodeAt(at + 3) === 58) offsetMinutes = twoDigits(text, at + 4);
  else if (rest !== 0) return null;
  if (offsetMinutes < 0 || offsetMinutes > 59) return null;
  return millis - (zone === 45 ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0xfeff;
}

/** One CSV cell: missing, a number, a boolean, a datetime or a string. */
function addCsvCell(column: ColumnStats, raw: string): void {
  const text = raw.length > 0 && (isSpace(raw.charCodeAt(0)) || isSpace(raw.charCodeAt(raw.length - 1))) ? raw.trim() : raw;
  if (text.length < 9 && NA_STRINGS.has(text)) return;
  const first = text.charCodeAt(0);
  // Digits, sign or dot: maybe a number or a date.
  if ((first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46) {
    if (INTEGER.test(text)) return column.addNumber(Number(text), true);
    if (FLOAT.test(text)) return column.addNumber(Number(text), false);
    const instant = parseIsoDatetime(text);
    if (instant !== null) return column.addDatetime(instant, text);
  }
  if (text.length === 4 || text.length === 5) {
    const lower = text.toLowerCase();
    if (lower === "true") return column.addBoolean(true);
    if (lower === "false") return column.addBoolean(false);
  }
  if (text.length <= 9) {
    const infinity = INFINITY.exec(text);
    if (infinity) return column.addNumber(infinity[1] === "-" ? -Infinity : Infinity, false);
  }
  column.addString(raw);
}

function addJsonValue(column: ColumnStats, value: unknown): void {
  switch (typeof value) {
    case "number":
      if (Number.isNaN(value)) return; // only from Python-style NaN: missing
      return column.addNumber(value, Number.isInteger(value));
    case "boolean":
      return column.addBoolean(value);
    case "string": {
      const instant = value.length >= 10 && value.charCodeAt(0) <= 57 ? parseIsoDatetime(value) : null;
      return instant === null ? column.addString(value) : column.addDatetime(instant, value);
    }
    case "object":
      if (value === null) return;
      return column.addString(jsonText(value));
    default:
      return; // undefined: absent
  }
}

/** JSON text of a nested value; bigint, bytes and dates (from Parquet) made JSON-safe. */
function jsonText(value: unknown): string {
  return JSON.stringify(jsonSafe(value, false));
}

/** A sample value the UI can receive as JSON. */
function jsonSafe(value: unknown, dateOnly: boolean): unknown {
  if (value === undefined || value === null) return null;
  switch (typeof value) {
    case "bigint":
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case "number":
      return Number.isFinite(value) ? value : String(value); // NaN, Infinity, -Infinity as text
    case "object":
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : dateOnly ? value.toISOString().slice(0, 10) : value.toISOString();
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
      if (Array.isArray(value)) return value.map((item: unknown) => jsonSafe(item, false));
      return Object.fromEntries(Object.entries(value).map(([key, item]: [string, unknown]) => [key, jsonSafe(item, false)]));
    default:
      return value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type JsonParse = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * JSON.parse, and if that fails, once more with Python's json.dumps extensions (NaN → null,
 * Infinity → 1e999, which JSON.parse reads as Infinity) replaced outside strings.
 */
function parseJsonLine(line: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(line) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!line.includes("NaN") && !line.includes("Infinity")) return { ok: false, error: message };
    try {
      return { ok: true, value: JSON.parse(replacePythonLiterals(line)) };
    } catch {
      return { ok: false, error: message };
    }
  }
}

function replacePythonLiterals(line: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inString) {
      out += ch;
      if (ch === "\\") out += line[++i] ?? "";
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (line.startsWith("NaN", i)) {
      out += "null";
      i += 2;
    } else if (line.startsWith("Infinity", i)) {
      out += "1e999";
      i += 7;
    } else out += ch;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// UTF-8 streaming (CSV, JSON Lines)

/**
 * The file's bytes, checked to be UTF-8 as they stream (simdutf through `buffer.isUtf8`, ~4 GB/s),
 * in chunks that never split a character. Invalid UTF-8 → DatasetFormatError naming the byte and line.
 */
async function* utf8Chunks(filePath: string, what: string): AsyncGenerator<Buffer> {
  let offset = 0; // of `carry`'s first byte in the file
  let lines = 1; // line number at `offset`
  let carry: Buffer | null = null;
  const stream = createReadStream(filePath, { highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const body: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      const cut = body.length - incompleteUtf8Tail(body);
      const complete = body.subarray(0, cut);
      if (!isUtf8(complete)) {
        const at = firstInvalidUtf8Byte(complete);
        throw new DatasetFormatError(
          `The ${what} file is not valid UTF-8: byte ${(offset + at).toLocaleString("en-US")} (line ${(lines + countNewlines(complete, at)).toLocaleString("en-US")}) is not UTF-8. Save the file as UTF-8 (in Excel: "CSV UTF-8") and upload it again.`,
        );
      }
      offset += cut;
      lines += countNewlines(complete, cut);
      carry = cut < body.length ? Buffer.from(body.subarray(cut)) : null;
      if (cut > 0) yield complete;
    }
    if (carry) {
      throw new DatasetFormatError(`The ${what} file ends in the middle of a UTF-8 character: it is probably cut short. Upload it again.`);
    }
  } finally {
    stream.destroy();
  }
}

/** How many bytes at the end of `buffer` start a multi-byte character that continues in the next chunk. */
function incompleteUtf8Tail(buffer: Buffer): number {
  for (let back = 1; back <= Math.min(3, buffer.length); back++) {
    const byte = buffer[buffer.length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: look further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/** The same chunks as text (a leading BOM dropped). */
async function* utf8Text(filePath: string, what: string): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  for await (const chunk of utf8Chunks(filePath, what)) yield decoder.decode(chunk, { stream: true });
}

function countNewlines(chunk: Buffer, end: number): number {
  let count = 0;
  let at = chunk.indexOf(10);
  while (at !== -1 && at < end) {
    count++;
    at = chunk.indexOf(10, at + 1);
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// CSV

/** The first record of `text` if its line break (outside quotes) has arrived, else null. */
function headerRecordText(text: string, final: boolean): string | null {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < text.length && (text[start] === "\n" || text[start] === "\r")) start++;
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) return text.slice(start, i);
  }
  return final || text.length > MAX_RECORD_CHARS ? text.slice(start) : null;
}

/** The candidate delimiter found most often outside quotes in the header; ties go to the earlier of , \t ; |. */
function detectDelimiter(header: string): (typeof CSV_DELIMITERS)[number] {
  const counts = new Map<string, number>(CSV_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: (typeof CSV_DELIMITERS)[number] = ",";
  for (const delimiter of CSV_DELIMITERS) if ((counts.get(delimiter) ?? 0) > (counts.get(best) ?? 0)) best = delimiter;
  return best;
}

function delimiterName(delimiter: string): string {
  return delimiter === "\t" ? "tabs" : delimiter === "," ? "commas" : delimiter === ";" ? "semicolons" : "pipes (|)";
}

/** pandas' rules: an empty header cell becomes "Unnamed: i", a repeated name "name.1", "name.2"… */
function columnNames(header: string[]): string[] {
  const used = new Set<string>();
  return header.map((raw, i) => {
    const base = raw.trim() === "" ? `Unnamed: ${i}` : raw;
    let name = base;
    for (let n = 1; used.has(name); n++) name = `${base}.${n}`;
    used.add(name);
    return name;
  });
}

function csvParser(delimiter: string, info: boolean) {
  return parseCsv({
    delimiter,
    bom: true,
    info,
    // pandas reads a stray quote inside an unquoted field as a character (5'11", 12" pipe).
    relax_quotes: true,
    // Checked by the caller, to say which line and both counts.
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
  });
}

async function profileCsv(filePath: string): Promise<TableProfile> {
  const chunks = utf8Chunks(filePath, "CSV");
  // Read until the header record is complete, to pick the delimiter.
  const prefix: Buffer[] = [];
  const decoder = new TextDecoder("utf-8");
  let prefixText = "";
  let header: string | null = null;
  for (;;) {
    const next = await chunks.next();
    if (!next.done) {
      prefix.push(next.value);
      prefixText += decoder.decode(next.value, { stream: true });
    }
    header = headerRecordText(prefixText, next.done === true);
    if (header !== null || next.done) break;
  }
  prefixText = "";
  if (header === null || header.trim() === "") {
    await chunks.return(undefined);
    throw new DatasetFormatError("The CSV file is empty: it needs a header line naming the columns.");
  }
  const delimiter = detectDelimiter(header);

  const budget = new ColumnBudget();
  let columns: ColumnStats[] = [];
  let names: string[] = [];
  let records = 0; // including the header
  let rowCount = 0;
  const sampleRows: Record<string, unknown>[] = [];

  const addRecord = (record: string[]) => {
    records++;
    if (records === 1) {
      names = columnNames(record);
      names.forEach(() => budget.addColumn("CSV"));
      columns = names.map((name, i) => new ColumnStats(name, i, budget));
      return;
    }
    if (record.length !== columns.length) throw new CsvFieldCountError(records - 1, record.length, columns.length);
    for (let i = 0; i < record.length; i++) addCsvCell(columns[i], record[i]);
    if (rowCount < SAMPLE_ROWS) sampleRows.push(Object.fromEntries(names.map((name, i) => [name, record[i]])));
    rowCount++;
  };

  // No `info` on the fast path (it costs as much as parsing); errors locate their line in a second pass.
  try {
    await pipeline(
      async function* () {
        yield* prefix.splice(0);
        yield* chunks;
      },
      csvParser(delimiter, false),
      // A synchronous sink: no promise per record, and records never wait in a queue long enough
      // to survive a young-generation GC (which is what would make memory grow).
      new Writable({
        objectMode: true,
        highWaterMark: 64,
        write(record: string[], _encoding, done) {
          try {
            addRecord(record);
            done();
          } catch (error) {
            done(error as Error);
          }
        },
      }),
    );
  } catch (error) {
    if (error instanceof CsvFieldCountError) {
      const [headerAt, rowAt] = await locateCsvRecords(filePath, delimiter, [0, error.recordIndex]);
      const where = rowAt.end > rowAt.start ? `The row on lines ${rowAt.start}–${rowAt.end}` : `Line ${rowAt.start}`;
      throw new DatasetFormatError(
        `${where} of the CSV file has ${error.found} ${error.found === 1 ? "field" : "fields"}, but the header (line ${headerAt.start}) has ${error.expected}. Fields are separated by ${delimiterName(delimiter)}; a value that contains one must be in double quotes.`,
      );
    }
    if (error instanceof CsvError) throw await csvError(error, filePath, delimiter);
    throw error;
  }

  return { kind: "table", format: "csv", rowCount, columns: columns.map((column) => column.profile(rowCount)), sampleRows };
}

class CsvFieldCountError extends Error {
  constructor(
    readonly recordIndex: number,
    readonly found: number,
    readonly expected: number,
  ) {
    super(`record ${recordIndex}: ${found} fields, expected ${expected}`);
  }
}

interface LineSpan {
  start: number;
  end: number;
}

/**
 * Second pass, only after an error: the lines on which the given records (0 = header) start and
 * end, and where the record after the last complete one starts (for an unclosed quote).
 */
async function locateCsvRecords(filePath: string, delimiter: string, wanted: number[]): Promise<LineSpan[]> {
  const spans = new Map<number, LineSpan>();
  const last = Math.max(...wanted);
  let index = 0;
  let lastEnd = 0;
  let lastEmpty = 0;
  let found = false;
  const parser = csvParser(delimiter, true);
  try {
    await pipeline(
      async function* () {
        yield* utf8Chunks(filePath, "CSV");
      },
      parser,
      async (items: AsyncIterable<{ info: { lines: number; empty_lines: number } }>) => {
        for await (const { info } of items) {
          const start = lastEnd + 1 + (info.empty_lines - lastEmpty);
          lastEnd = info.lines;
          lastEmpty = info.empty_lines;
          spans.set(index, { start, end: info.lines });
          if (index++ >= last) {
            found = true;
            return; // stops reading the file (the pipeline reports an abort, ignored below)
          }
        }
      },
    );
  } catch (error) {
    if (found) return wanted.map((i) => spans.get(i) ?? { start: lastEnd + 1, end: lastEnd + 1 });
    if (!(error instanceof CsvError)) throw error;
    const details = error as CsvError & { empty_lines?: number; lines?: number };
    const start = lastEnd + 1 + Math.max(0, (details.empty_lines ?? lastEmpty) - lastEmpty);
    spans.set(index, { start, end: details.lines ?? start });
  }
  return wanted.map((i) => spans.get(i) ?? { start: lastEnd + 1, end: lastEnd + 1 });
}

async function csvError(error: CsvError, filePath: string, delimiter: string): Promise<DatasetFormatError> {
  const details = error as CsvError & { lines?: number; records?: number };
  // The record that failed is the one after the `records` complete ones (the header included).
  const [at] = await locateCsvRecords(filePath, delimiter, [details.records ?? 0]);
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return new DatasetFormatError(
        `The CSV file has a quoted field on line ${at.start} that is never closed: a closing double quote (") is missing, so the rest of the file was read as one value.`,
      );
    case "CSV_MAX_RECORD_SIZE":
      return new DatasetFormatError(
        `The row starting on line ${at.start} of the CSV file is longer than ${MAX_RECORD_CHARS / 1024 / 1024} MiB. Check for an unclosed double quote.`,
      );
    default:
      return new DatasetFormatError(`The CSV file could not be read at line ${details.lines ?? at.start}: ${error.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// JSON Lines

async function profileJsonl(filePath: string): Promise<TableProfile> {
  const budget = new ColumnBudget();
  const columns = new Map<string, ColumnStats>();
  const sampleRows: Record<string, unknown>[] = [];
  let rowCount = 0;
  let lineNumber = 0;

  const handleLine = (raw: string) => {
    lineNumber++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.length === 0 || (isSpace(line.charCodeAt(0)) && line.trim() === "")) return;
    const parsed = parseJsonLine(line);
    if (!parsed.ok) {
      throw new DatasetFormatError(`Line ${lineNumber} of the JSON Lines file is not valid JSON (${parsed.error}): ${snippet(line)}`);
    }
    const row = parsed.value;
    if (!isPlainObject(row)) {
      const kind = row === null ? "null" : Array.isArray(row) ? "an array" : `a ${typeof row}`;
      throw new DatasetFormatError(`Line ${lineNumber} of the JSON Lines file is ${kind}, not a JSON object: every line must be one object, like {"x": 1, "label": "cat"}.`);
    }
    for (const key of Object.keys(row)) {
      let column = columns.get(key);
      if (!column) {
        budget.addColumn("JSON Lines");
        column = new ColumnStats(key, columns.size, budget);
        columns.set(key, column);
      }
      addJsonValue(column, row[key]);
    }
    if (rowCount < SAMPLE_ROWS) sampleRows.push(jsonSafe(row, false) as Record<string, unknown>);
    rowCount++;
  };

  let pending = "";
  for await (const text of utf8Text(filePath, "JSON Lines")) {
    let start = 0;
    for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", start)) {
      handleLine(pending.length > 0 ? pending + text.slice(start, newline) : text.slice(start, newline));
      pending = "";
      start = newline + 1;
    }
    pending += text.slice(start);
    if (pending.length > MAX_RECORD_CHARS) {
      throw new DatasetFormatError(`Line ${lineNumber + 1} of the JSON Lines file is longer than ${MAX_RECORD_CHARS / 1024 / 1024} MiB.`);
    }
  }
  if (pending.length > 0) handleLine(pending);

  return { kind: "table", format: "jsonl", rowCount, columns: [...columns.values()].map((column) => column.profile(rowCount)), sampleRows };
}

function snippet(line: string): string {
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}

// ---------------------------------------------------------------------------------------------
// Parquet

interface ParquetColumn {
  name: string;
  stats: ColumnStats;
  /** FLOAT/DOUBLE/DECIMAL/FLOAT16: numbers are floats even when whole. */
  float: boolean;
  /** DATE: report "YYYY-MM-DD". */
  dateOnly: boolean;
  nested: boolean;
}

function parquetColumn(tree: SchemaTree, index: number, budget: ColumnBudget): ParquetColumn {
  const { element } = tree;
  const logical = element.logical_type?.type;
  return {
    name: element.name,
    stats: new ColumnStats(element.name, index, budget),
    float:
      element.type === "FLOAT" ||
      element.type === "DOUBLE" ||
      logical === "DECIMAL" ||
      logical === "FLOAT16" ||
      element.converted_type === "DECIMAL",
    dateOnly: logical === "DATE" || element.converted_type === "DATE",
    nested: tree.children.length > 0,
  };
}

function addParquetValue(column: ParquetColumn, value: unknown): void {
  const { stats } = column;
  if (value === null || value === undefined) return;
  if (column.nested) return stats.addString(jsonText(value));
  switch (typeof value) {
    case "number":
      if (Number.isNaN(value)) return;
      return stats.addNumber(value, !column.float && Number.isInteger(value));
    case "bigint":
      return stats.addNumber(Number(value), true);
    case "boolean":
      return stats.addBoolean(value);
    case "string":
      return stats.addString(value);
    case "object": {
      if (value instanceof Date) {
        const instant = value.getTime();
        if (Number.isNaN(instant)) return;
        return stats.addDatetime(instant, column.dateOnly ? value.toISOString().slice(0, 10) : value.toISOString());
      }
      const safe = jsonSafe(value, false);
      return stats.addString(typeof safe === "string" ? safe : jsonText(value));
    }
    default:
      return stats.addString(String(value));
  }
}

async function profileParquet(filePath: string, size: number): Promise<TableProfile> {
  const file = await asyncBufferFromFile(filePath);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw parquetError(error, size);
  }
  const budget = new ColumnBudget();
  let columns: ParquetColumn[];
  try {
    const children = parquetSchema(metadata).children;
    children.forEach(() => budget.addColumn("Parquet"));
    columns = children.map((child, i) => parquetColumn(child, i, budget));
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    throw parquetError(error, size);
  }
  const rowCount = Number(metadata.num_rows);
  const groupRows = metadata.row_groups.map((group) => Number(group.num_rows));
  if (groupRows.reduce((a, b) => a + b, 0) !== rowCount) {
    throw new DatasetFormatError(`The Parquet file is damaged: its footer says ${rowCount} rows but its row groups hold ${groupRows.reduce((a, b) => a + b, 0)}.`);
  }
  const sampleSize = Math.min(SAMPLE_ROWS, rowCount);
  const sampleRows: Record<string, unknown>[] = Array.from({ length: sampleSize }, () => ({}));

  // One column of one row group at a time: memory is bounded by the largest column chunk.
  let groupStart = 0;
  for (let g = 0; g < groupRows.length; g++) {
    const groupEnd = groupStart + groupRows[g];
    for (const column of columns) {
      let received = 0;
      let failure: unknown = null;
      try {
        await parquetRead({
          file,
          metadata,
          compressors,
          columns: [column.name],
          rowStart: groupStart,
          rowEnd: groupEnd,
          onChunk: (chunk) => {
            // Never throw from here: hyparquet calls it from a promise callback.
            try {
              const from = Math.max(chunk.rowStart, groupStart);
              const to = Math.min(chunk.rowEnd, groupEnd);
              for (let row = from; row < to; row++) {
                const value: unknown = chunk.columnData[row - chunk.rowStart];
                addParquetValue(column, value);
                if (row < sampleSize) sampleRows[row][column.name] = jsonSafe(value, column.dateOnly);
              }
              received += Math.max(0, to - from);
            } catch (error) {
              failure ??= error;
            }
          },
        });
      } catch (error) {
        throw parquetError(error, size);
      }
      if (failure) throw failure;
      if (received !== groupRows[g]) {
        throw new DatasetFormatError(
          `The Parquet file is damaged: column "${column.name}" has ${received} values in row group ${g + 1}, which should hold ${groupRows[g]} rows.`,
        );
      }
    }
    groupStart = groupEnd;
  }

  return { kind: "table", format: "parquet", rowCount, columns: columns.map((column) => column.stats.profile(rowCount)), sampleRows };
}

function parquetError(error: unknown, size: number): DatasetFormatError {
  const message = error instanceof Error ? error.message : String(error);
  const codec = /unsupported compression codec: (\w+)/.exec(message);
  if (codec) {
    return new DatasetFormatError(
      `The Parquet file is compressed with ${codec[1]}, which the studio cannot read. Write it with snappy, gzip or zstd compression (pandas: df.to_parquet(path, compression="snappy")) or none.`,
    );
  }
  if (/footer != PAR1|metadata length|exceeds available buffer|too short/i.test(message) || size < 12) {
    return new DatasetFormatError(`The Parquet file is incomplete or damaged: its footer is missing or unreadable (${message}). It was probably cut short; upload it again.`);
  }
  return new DatasetFormatError(`The Parquet file is damaged and could not be read: ${message}.`);
}

// ---------------------------------------------------------------------------------------------
// Zip

/** An entry path that would escape the folder it is extracted into, or null when it is safe. */
function unsafeEntryPath(fileName: string): string | null {
  if (fileName.includes("\0")) return "contains a NUL character";
  if (fileName.startsWith("/") || /^[a-zA-Z]:/.test(fileName)) return "is an absolute path";
  if (fileName.split(/[/\\]/).includes("..")) return 'goes up a folder with ".."';
  return null;
}

export async function profileZip(filePath: string): Promise<FilesProfile> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(filePath, { lazyEntries: true, autoClose: true, decodeStrings: true, validateEntrySizes: true }, (error, opened) => {
      if (error) reject(zipError(error, 0));
      else resolve(opened);
    });
  });

  return new Promise<FilesProfile>((resolve, reject) => {
    let entries = 0;
    let fileCount = 0;
    let totalBytes = 0;
    const byExtension = new Map<string, { extension: string; count: number; bytes: number }>();
    const sample: { path: string; bytes: number }[] = [];
    let settled = false;
    const fail = (error: DatasetFormatError) => {
      if (settled) return;
      settled = true;
      zip.close();
      reject(error);
    };

    zip.on("entry", (entry: yauzl.Entry) => {
      entries++;
      const unsafe = unsafeEntryPath(entry.fileName);
      if (unsafe) return fail(zipSlip(entry.fileName, entries, unsafe));
      if (!entry.fileName.endsWith("/")) {
        fileCount++;
        totalBytes += entry.uncompressedSize;
        const extension = extensionOf(entry.fileName);
        const bucket = byExtension.get(extension) ?? { extension, count: 0, bytes: 0 };
        bucket.count++;
        bucket.bytes += entry.uncompressedSize;
        byExtension.set(extension, bucket);
        if (sample.length < SAMPLE_FILES) sample.push({ path: entry.fileName, bytes: entry.uncompressedSize });
      }
      zip.readEntry();
    });
    zip.on("error", (error: Error) => fail(zipError(error, entries + 1)));
    zip.on("end", () => {
      if (settled) return;
      settled = true;
      resolve({
        kind: "files",
        format: "zip",
        fileCount,
        totalBytes,
        byExtension: [...byExtension.values()].sort((a, b) => b.count - a.count || b.bytes - a.bytes || a.extension.localeCompare(b.extension)),
        sample,
      });
    });
    zip.readEntry();
  });
}

function zipSlip(fileName: string, entry: number, problem: string): DatasetFormatError {
  return new DatasetFormatError(
    `The zip file is unsafe: entry ${entry} ("${fileName}") ${problem}. Every path in the archive must stay inside it (no absolute paths, no ".."); re-create the zip from the folder itself.`,
  );
}

function zipError(error: Error, entry: number): DatasetFormatError {
  const message = error.message;
  const unsafe = /^(absolute path|invalid relative path|invalid characters in fileName): (.*)$/s.exec(message);
  if (unsafe) {
    const problem = unsafe[1] === "absolute path" ? "is an absolute path" : unsafe[1] === "invalid relative path" ? 'goes up a folder with ".."' : "contains a backslash";
    return zipSlip(unsafe[2], entry, problem);
  }
  if (/end of central directory record signature not found/i.test(message)) {
    return new DatasetFormatError("The zip file is incomplete or damaged: its table of contents (at the end of the file) is missing. It was probably cut short; upload it again.");
  }
  return new DatasetFormatError(`The zip file is damaged${entry > 0 ? ` (at entry ${entry})` : ""}: ${message}.`);
}
