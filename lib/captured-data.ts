// What an endpoint's captured data and shadow comparisons look like on the wire (the captured-data
// browser of the endpoint page): safe for browser and server.

/** capture: data capture (SageMaker's format); shadow: a shadow variant's comparisons. */
export const capturedKinds = ["capture", "shadow"] as const;
export type CapturedKind = (typeof capturedKinds)[number];

/** One JSON Lines file of captured data, e.g. capture/{endpoint}/{variant}/2026/05/03/14/07-21-{uuid}.jsonl. */
export interface CapturedFile {
  /** The file's key in the artifact store. */
  key: string;
  kind: CapturedKind;
  variant: string;
  /** The hour partition, yyyy/mm/dd/hh (UTC). */
  partition: string;
  /** When the file was written (from its name), ISO. */
  writtenAt: string;
  size: number;
  /** Records in the file; null when the file is too large to count while listing. */
  records: number | null;
}

export interface CapturedFileList {
  files: CapturedFile[];
  /** Variants that have files of this kind (including ones an update has since replaced). */
  variants: string[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next: string | null;
}

/** A captured body as the browser shows it (always as text). */
export interface ShownBody {
  contentType: string;
  /** How the file stores it: CSV or JSON (text as sent), BASE64 (anything else). */
  encoding: string;
  /** text: `data` is the body as text (BASE64 included when it is UTF-8); base64: binary, shown encoded. */
  shownAs: "text" | "base64";
  data: string;
  /** The body's size in bytes. */
  bytes: number;
  /** `data` is only the start of the body (download the file for all of it). */
  truncated: boolean;
  /** Something odd about the stored body (e.g. BASE64 that is not valid base64). */
  note?: string;
}

export interface ShownAnswer extends ShownBody {
  variant: string;
  status: number;
}

interface RecordBase {
  /** Line number in the file, from 1. */
  line: number;
}

export interface EventMetadata {
  eventId: string;
  inferenceId: string | null;
  inferenceTime: string;
}

export interface CaptureRecordView extends RecordBase, EventMetadata {
  type: "capture";
  input: ShownBody | null;
  output: ShownBody | null;
}

export interface ShadowRecordView extends RecordBase, EventMetadata {
  type: "shadow";
  input: ShownBody;
  production: ShownAnswer;
  shadow: ShownAnswer & { latencyMs: number };
  /** The two answers' bodies differ (JSON compared by value, so key order and spacing do not count). */
  differs: boolean;
}

/** A line that is not a record of the file's kind: shown with what is wrong, never a crash. */
export interface BadRecordView extends RecordBase {
  type: "error";
  error: string;
  /** The start of the line as stored. */
  raw: string;
}

export type CapturedRecordView = CaptureRecordView | ShadowRecordView | BadRecordView;

export interface CapturedRecordsPage {
  file: CapturedFile;
  offset: number;
  /** Records in the whole file. */
  total: number;
  records: CapturedRecordView[];
}
