import "server-only";
import { parse as parseCsv } from "csv-parse/sync";
import * as ort from "onnxruntime-node";
import { onnxReportSchema, type OnnxServing, type SignatureColumn, type Task } from "@/lib/model-registry";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { jsonValue } from "@/server/db-driver";

// In-process serving of exported models: onnxruntime-node in the web process, no hop to another
// process. What it accepts, how it checks it and what it answers are the Python model server's
// (kernels/sdk/studio/serving.py), rule for rule, and the inputs are fed as the export was checked
// (studio.onnx_export.feeds), so answers equal the model's own within 1e-5.

export class BadInput extends Error {}

/** A missing text value as the exported graph sees it (studio.onnx_export.MISSING_TEXT). */
export const MISSING_TEXT = "\u0000missing";

type Value = number | string | boolean | null;
export type Prediction = Record<string, number | string | null | number[]>;

export interface InProcessSpec {
  /** The model version's id (one loaded graph per version). */
  key: string;
  path: string;
  serving: OnnxServing;
  columns: SignatureColumn[];
  task: Task | null;
  name: string;
  framework: string;
}

/** A version's exported graph on this machine and how to feed it; null when it has none to serve. */
export function servedOnnx(version: { onnx: unknown; files: { path: string; storageKey: string }[] }, store: ArtifactStore): { path: string; serving: OnnxServing; converter: string | null } | null {
  const report = onnxReportSchema.safeParse(jsonValue(version.onnx, null));
  if (!report.success || report.data.status !== "converted" || !report.data.serving) return null;
  const file = version.files.find((f) => f.path === report.data.file);
  const path = file ? store.localPath(file.storageKey) : null;
  return path ? { path, serving: report.data.serving, converter: report.data.converter ?? null } : null;
}

const INFINITY = /^[+-]?inf(inity)?$/i;
const NAN = /^[+-]?nan$/i;

function parseNumber(text: string): number {
  const t = text.trim();
  if (INFINITY.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (NAN.test(t)) return NaN;
  // Python's float() syntax: decimal with optional exponent and underscores between digits.
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$/.test(t)) return Number.NaN;
  return Number(t.replace(/_/g, ""));
}

function pythonRepr(value: unknown): string {
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null) return "None";
  if (typeof value === "number") return pythonFloatText(value, false);
  return JSON.stringify(value);
}

/** A number as Python's str() writes it (1.0, 1e-07), so CSV answers read like the model server's. */
export function pythonFloatText(value: number, isFloat = true): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return isFloat ? `${value}.0` : String(value);
  const text = String(value);
  return text.replace(/e([+-])(\d)$/, "e$10$2");
}

export class InProcessModel {
  private constructor(
    readonly spec: InProcessSpec,
    private readonly session: ort.InferenceSession,
    readonly loadSeconds: number,
  ) {}

  static async load(spec: InProcessSpec): Promise<InProcessModel> {
    const started = performance.now();
    // One thread per request: the web process answers many requests at once on few cores.
    const session = await ort.InferenceSession.create(spec.path, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all" });
    return new InProcessModel(spec, session, (performance.now() - started) / 1000);
  }

  get columns(): SignatureColumn[] {
    return this.spec.columns;
  }

  schemaText(): string {
    return this.columns.map((c) => `${c.name} (${c.type})`).join(", ") || "(no input schema recorded)";
  }

  private convert(value: unknown, column: SignatureColumn, where: string): Value {
    const kind = column.type;
    const fail = (): never => {
      throw new BadInput(`${where}: ${pythonRepr(value)} is not a ${kind} (column ${column.name}). The model takes ${this.columns.length} columns: ${this.schemaText()}`);
    };
    if (value === null || value === undefined || (typeof value === "string" && value === "" && kind !== "string")) return null;
    if (kind === "float") {
      if (typeof value === "boolean") return fail();
      const n = typeof value === "number" ? value : typeof value === "string" ? parseNumber(value) : fail();
      if (Number.isNaN(n) && !(typeof value === "string" && NAN.test(value.trim()))) return fail();
      return n;
    }
    if (kind === "integer") {
      if (typeof value === "boolean") return fail();
      const n = typeof value === "number" ? value : typeof value === "string" ? parseNumber(value) : fail();
      if (!Number.isInteger(n)) return fail();
      return n;
    }
    if (kind === "boolean") {
      if (typeof value === "boolean") return value;
      const text = typeof value === "number" ? pythonFloatText(value, false) : String(value).trim().toLowerCase();
      if (text === "true" || text === "1") return true;
      if (text === "false" || text === "0") return false;
      return fail();
    }
    if (typeof value === "string") return value;
    if (typeof value === "object") return JSON.stringify(value);
    if (typeof value === "boolean") return value ? "True" : "False";
    return String(value);
  }

  /** Records (lists in schema order, or objects by column name) → checked values in schema order. */
  rows(records: unknown[]): Value[][] {
    const columns = this.columns;
    if (columns.length === 0) throw new BadInput("the model has no input schema, so requests cannot be checked; register it with one");
    const names = columns.map((c) => c.name);
    const out: Value[][] = [];
    records.forEach((record, i) => {
      const where = `record ${i + 1}`;
      let values: unknown[];
      if (Array.isArray(record)) {
        if (record.length !== names.length) throw new BadInput(`${where} has ${record.length} values; the model takes ${names.length} columns: ${this.schemaText()}`);
        values = record;
      } else if (record !== null && typeof record === "object") {
        const object = record as Record<string, unknown>;
        const missing = names.filter((n) => !(n in object));
        const extra = Object.keys(object).filter((k) => !names.includes(k));
        if (missing.length || extra.length) {
          const said = (missing.length ? `missing ${missing.join(", ")}` : "") + (missing.length && extra.length ? "; " : "") + (extra.length ? `unknown ${extra.join(", ")}` : "");
          throw new BadInput(`${where}: ${said}. The model takes ${names.length} columns: ${this.schemaText()}`);
        }
        values = names.map((n) => object[n]);
      } else {
        throw new BadInput(`${where} is neither a list of values nor an object of columns. The model takes ${names.length} columns: ${this.schemaText()}`);
      }
      out.push(values.map((v, j) => this.convert(v, columns[j], where)));
    });
    if (out.length === 0) throw new BadInput("the request has no records");
    return out;
  }

  private feeds(rows: Value[][]): Record<string, ort.Tensor> {
    const { serving } = this.spec;
    const n = rows.length;
    const numeric = (v: Value): number => (v === null ? NaN : typeof v === "boolean" ? Number(v) : (v as number));
    const text = (v: Value, kind: string): string => (v === null ? MISSING_TEXT : kind === "boolean" ? (v ? "true" : "false") : String(v));
    if (serving.layout === "matrix") {
      const input = serving.inputs[0];
      const width = this.columns.length;
      const data = input.type === "float" ? new Float32Array(n * width) : new Float64Array(n * width);
      for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) data[i * width + j] = numeric(rows[i][j]);
      return { [input.name]: new ort.Tensor(input.type === "float" ? "float32" : "float64", data, [n, width]) };
    }
    const index = new Map(this.columns.map((c, j) => [c.name, j]));
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of serving.inputs) {
      const j = index.get(input.column ?? input.name)!;
      if (input.type === "string") {
        feeds[input.name] = new ort.Tensor("string", rows.map((r) => text(r[j], this.columns[j].type)), [n, 1]);
      } else {
        const data = input.type === "float" ? new Float32Array(n) : new Float64Array(n);
        for (let i = 0; i < n; i++) data[i] = numeric(rows[i][j]);
        feeds[input.name] = new ort.Tensor(input.type === "float" ? "float32" : "float64", data, [n, 1]);
      }
    }
    return feeds;
  }

  async predict(rows: Value[][]): Promise<Prediction[]> {
    const outputs = await this.session.run(this.feeds(rows));
    const names = this.spec.serving.outputs;
    const n = rows.length;
    const plain = (v: unknown): number | string | null => (typeof v === "bigint" ? Number(v) : typeof v === "number" ? (Number.isFinite(v) ? v : null) : (v as string));
    if (names.label) {
      const labels = Array.from(outputs[names.label].data as ArrayLike<unknown>, plain);
      if (names.probabilities) {
        const p = outputs[names.probabilities].data as Float32Array | Float64Array;
        const width = p.length / n;
        return labels.map((label, i) => {
          const row = Array.from(p.subarray(i * width, (i + 1) * width));
          return { predicted_label: label, probability: Math.max(...row), probabilities: row };
        });
      }
      const key = this.spec.task === "clustering" ? "cluster" : "predicted_label";
      return labels.map((label) => ({ [key]: label }));
    }
    const values = outputs[names.prediction!].data as Float32Array | Float64Array;
    const width = values.length / n;
    const column = names.predictionColumn ?? 0;
    return Array.from({ length: n }, (_, i) => ({ prediction: plain(values[i * width + (width > 1 ? column : 0)]) }));
  }
}

// --- wire formats (serving.py's parse_body, format_predictions, v2_rows, v2_response) ---------------

export function parseBody(body: Buffer, contentType: string): unknown[] {
  const kind = contentType.split(";")[0].trim().toLowerCase();
  const text = body.toString("utf8");
  if (kind === "text/csv" || kind === "text/plain" || kind === "") {
    if (!text.includes('"')) return text.split(/\r?\n|\r/).filter((line) => line !== "").map((line) => line.split(","));
    try {
      return (parseCsv(text, { relax_column_count: true, skip_empty_lines: true, relax_quotes: true }) as string[][]).filter((row) => row.length > 0);
    } catch (error) {
      throw new BadInput(`the body is not valid CSV (${(error as Error).message})`);
    }
  }
  if (kind === "application/json" || kind === "application/jsonlines" || kind === "application/x-ndjson") {
    let data: unknown;
    try {
      data = kind === "application/json" ? JSON.parse(text) : text.split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line) as unknown);
    } catch (error) {
      throw new BadInput(`the body is not valid JSON (${(error as Error).message})`);
    }
    if (data !== null && typeof data === "object" && !Array.isArray(data) && "instances" in data) data = (data as { instances: unknown }).instances;
    if (data !== null && typeof data === "object" && !Array.isArray(data)) data = [data];
    if (!Array.isArray(data)) throw new BadInput('send {"instances": [...]} or a list of records');
    if (data.length > 0 && (data[0] === null || typeof data[0] !== "object")) data = [data];
    return data as unknown[];
  }
  throw new BadInput(`Content-Type ${kind} is not supported: send text/csv or application/json`);
}

function csvField(value: unknown, key: string): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return pythonFloatText(value, key === "probability" || key === "prediction");
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatPredictions(predictions: Prediction[], accept: string): { body: string; contentType: string } {
  const kind = (accept || "application/json").split(",")[0].split(";")[0].trim().toLowerCase();
  if (kind === "text/csv") {
    const body = predictions.map((p) => Object.entries(p).filter(([k]) => k !== "probabilities").map(([k, v]) => csvField(v, k)).join(",") + "\n").join("");
    return { body, contentType: "text/csv" };
  }
  return { body: JSON.stringify({ predictions }), contentType: "application/json" };
}

function flat(data: unknown): unknown[] {
  if (!Array.isArray(data)) throw new BadInput('"data" must be a list');
  return data.flatMap((item: unknown) => (Array.isArray(item) ? flat(item) : [item]));
}

interface V2Input {
  name?: unknown;
  shape?: unknown;
  data?: unknown;
}

/** Open Inference Protocol inputs → records: one input per column, or one [n, columns] tensor. */
export function v2Records(model: InProcessModel, request: unknown): unknown[][] {
  const inputs = request !== null && typeof request === "object" ? (request as { inputs?: unknown }).inputs : undefined;
  if (!Array.isArray(inputs) || inputs.length === 0) throw new BadInput('an inference request has "inputs": [{ name, shape, datatype, data }]');
  const names = model.columns.map((c) => c.name);
  const first = inputs[0] as V2Input;
  if (inputs.length === 1 && Array.isArray(first.shape) && first.shape.length === 2) {
    const [n, width] = first.shape as number[];
    const data = flat(first.data);
    if (width !== names.length || data.length !== n * width) {
      throw new BadInput(`input ${String(first.name)}: shape [${first.shape.join(", ")}] with ${data.length} values does not fit [n, ${names.length}]; the model takes ${model.schemaText()}`);
    }
    return Array.from({ length: n }, (_, i) => data.slice(i * width, (i + 1) * width));
  }
  const byName = new Map((inputs as V2Input[]).map((i) => [i.name, flat(i.data)]));
  const missing = names.filter((n) => !byName.has(n));
  if (missing.length) throw new BadInput(`inputs ${missing.join(", ")} are missing; the model takes ${model.schemaText()}`);
  const lengths = new Set(names.map((n) => byName.get(n)!.length));
  if (lengths.size !== 1) throw new BadInput("every input needs the same number of values");
  const columns = names.map((n) => byName.get(n)!);
  return columns[0].map((_, i) => columns.map((c) => c[i]));
}

export function v2Response(model: InProcessModel, predictions: Prediction[], requestId: string | undefined, newId: () => string): object {
  const outputs: object[] = [];
  for (const key of predictions.length ? Object.keys(predictions[0]) : []) {
    const values = predictions.map((p) => p[key]);
    if (key === "probabilities") {
      const width = (values[0] as number[] | undefined)?.length ?? 0;
      outputs.push({ name: key, shape: [values.length, width], datatype: "FP64", data: (values as number[][]).flat() });
      continue;
    }
    const datatype = values.some((v) => typeof v === "string") ? "BYTES" : key === "probability" || key === "prediction" ? "FP64" : "INT64";
    outputs.push({ name: key, shape: [values.length], datatype, data: values });
  }
  return { model_name: model.spec.name, id: requestId ?? newId(), outputs };
}

export function v2Metadata(model: InProcessModel): object {
  const datatype = (kind: string) => ({ float: "FP64", integer: "INT64", boolean: "BOOL" })[kind] ?? "BYTES";
  return { name: model.spec.name, platform: model.spec.framework, inputs: model.columns.map((c) => ({ name: c.name, datatype: datatype(c.type), shape: [-1] })), outputs: [] };
}
