// The built-in algorithms (xgboost, linear, random_forest, kmeans) and their hyperparameters, for
// the job form and the server's validation. The one source of truth is
// kernels/sdk/studio/algorithms/catalogue.json, which the Python side (`python -m studio.algorithms`)
// validates against at run time too: parsing and normalising here follow
// kernels/sdk/studio/algorithms/_catalogue.py exactly, with the same messages.
import { z } from "zod";
import catalogueJson from "@/kernels/sdk/studio/algorithms/catalogue.json";

export const algorithmIds = ["xgboost", "linear", "random_forest", "kmeans"] as const;
export type AlgorithmId = (typeof algorithmIds)[number];

export const tasks = ["binary_classification", "multiclass_classification", "regression", "clustering"] as const;
export type Task = (typeof tasks)[number];

const hyperparameterSpecSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    label: z.string().min(1),
    type: z.enum(["int", "float", "enum", "string", "bool"]),
    /** Typed (number, boolean or string); null: not set unless given (e.g. "no limit"). */
    default: z.union([z.string(), z.number(), z.boolean(), z.null()]),
    required: z.boolean().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    exclusive_min: z.boolean().optional(),
    exclusive_max: z.boolean().optional(),
    values: z.array(z.string().min(1)).min(1).optional(),
    max_length: z.number().int().positive().optional(),
    /** Common hyperparameters about the target apply only to algorithms that need one. */
    only_with_target: z.boolean().optional(),
    help: z.string().min(1),
  })
  .strict();

const algorithmSpecSchema = z
  .object({
    id: z.enum(algorithmIds),
    label: z.string().min(1),
    description: z.string().min(1),
    needs_target: z.boolean(),
    framework: z.enum(["sklearn", "xgboost"]),
    tasks: z.array(z.enum(tasks)).min(1),
    hyperparameters: z.array(hyperparameterSpecSchema),
  })
  .strict();

export const catalogueSchema = z
  .object({
    format: z.literal("studio-algorithms/1"),
    common: z.array(hyperparameterSpecSchema),
    algorithms: z.array(algorithmSpecSchema),
  })
  .strict();

export type HyperparameterSpec = z.infer<typeof hyperparameterSpecSchema>;
export type AlgorithmSpec = z.infer<typeof algorithmSpecSchema>;
export type Catalogue = z.infer<typeof catalogueSchema>;

export const catalogue: Catalogue = catalogueSchema.parse(catalogueJson);
export const algorithms: readonly AlgorithmSpec[] = catalogue.algorithms;

/** Hyperparameters every algorithm shares (the job form keeps their values across algorithms). */
export const commonNames: ReadonlySet<string> = new Set(catalogue.common.map((h) => h.name));

export function isAlgorithmId(id: string): id is AlgorithmId {
  return (algorithmIds as readonly string[]).includes(id);
}

export function getAlgorithm(id: string): AlgorithmSpec | undefined {
  return algorithms.find((a) => a.id === id);
}

/** Every hyperparameter of an algorithm: the common ones that apply, then its own ([] if unknown). */
export function hyperparametersOf(algorithmId: string): HyperparameterSpec[] {
  const algorithm = getAlgorithm(algorithmId);
  if (!algorithm) return [];
  return [...catalogue.common.filter((h) => algorithm.needs_target || !h.only_with_target), ...algorithm.hyperparameters];
}

/** The default as the form shows it ("" when there is none). */
export function defaultText(spec: HyperparameterSpec): string {
  return spec.default === null ? "" : String(spec.default);
}

const INT_RE = /^[+-]?[0-9]+$/;
const FLOAT_RE = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
const BOOLS: Record<string, boolean> = { true: true, "1": true, false: false, "0": false };
const DEFAULT_MAX_LENGTH = 1000;

/** What a hyperparameter accepts, in words, e.g. "a number greater than 0 and at most 1". */
export function describeRange(spec: HyperparameterSpec): string {
  switch (spec.type) {
    case "enum":
      return `one of ${(spec.values ?? []).join(", ")}`;
    case "bool":
      return "true or false";
    case "string":
      return `a text of at most ${spec.max_length ?? DEFAULT_MAX_LENGTH} characters`;
    default: {
      const parts: string[] = [];
      if (spec.min !== undefined) parts.push(`${spec.exclusive_min ? "greater than" : "at least"} ${String(spec.min)}`);
      if (spec.max !== undefined) parts.push(`${spec.exclusive_max ? "less than" : "at most"} ${String(spec.max)}`);
      return (spec.type === "int" ? "an integer" : "a number") + (parts.length ? ` ${parts.join(" and ")}` : "");
    }
  }
}

/** The normalised text of a given (non-empty) value, or null when the hyperparameter refuses it. */
export function normaliseHyperparameter(spec: HyperparameterSpec, raw: string): string | null {
  const text = raw.trim();
  let value: number;
  switch (spec.type) {
    case "int":
      if (!INT_RE.test(text)) return null;
      value = Number(text);
      break;
    case "float":
      if (!FLOAT_RE.test(text)) return null;
      value = Number(text);
      if (!Number.isFinite(value)) return null;
      break;
    case "bool": {
      const b = BOOLS[text.toLowerCase()];
      return b === undefined ? null : String(b);
    }
    case "enum":
      return spec.values?.includes(text) ? text : null;
    default:
      return text.length > (spec.max_length ?? DEFAULT_MAX_LENGTH) ? null : text;
  }
  if (spec.min !== undefined && (spec.exclusive_min ? value <= spec.min : value < spec.min)) return null;
  if (spec.max !== undefined && (spec.exclusive_max ? value >= spec.max : value > spec.max)) return null;
  return String(value);
}

/** For a form field: why the value is refused ("must be …", "is required"), or null. Empty = not set. */
export function checkHyperparameter(spec: HyperparameterSpec, value: string): string | null {
  if (value.trim() === "") return spec.required ? "is required" : null;
  return normaliseHyperparameter(spec, value) === null ? `must be ${describeRange(spec)}` : null;
}

/**
 * A zod schema of one algorithm's hyperparameters (a map of strings): unknown names, missing
 * required ones and values out of range become issues at [name]; the output is the normalised map
 * of the values given (empty values dropped: the algorithm's defaults apply).
 */
export function hyperparametersSchema(algorithmId: string) {
  const specs = hyperparametersOf(algorithmId);
  const byName = new Map(specs.map((s) => [s.name, s]));
  return z.record(z.string(), z.string()).transform((hps, ctx) => {
    const out: Record<string, string> = {};
    for (const name of Object.keys(hps).sort()) {
      if (!byName.has(name)) {
        ctx.addIssue({ code: "custom", path: [name], input: hps[name], message: `Unknown hyperparameter ${name} for ${algorithmId}: use ${specs.map((s) => s.name).join(", ")}` });
      }
    }
    for (const spec of specs) {
      const raw = hps[spec.name];
      if (raw === undefined || raw.trim() === "") {
        if (spec.required) ctx.addIssue({ code: "custom", path: [spec.name], input: raw, message: `hyperparameter ${spec.name} is required (${spec.help})` });
        continue;
      }
      const normalised = normaliseHyperparameter(spec, raw);
      if (normalised === null) {
        ctx.addIssue({ code: "custom", path: [spec.name], input: raw, message: `hyperparameter ${spec.name} must be ${describeRange(spec)} (got ${JSON.stringify(raw)})` });
      } else out[spec.name] = normalised;
    }
    return out;
  });
}

export type HyperparameterValidation = { success: true; data: Record<string, string> } | { success: false; issues: z.core.$ZodIssue[] };

/**
 * Validates a built-in job's hyperparameters against the catalogue. Issues have
 * path ["hyperparameters", name] (["algorithm"] for an unknown algorithm) and a message naming the
 * field and what it accepts; on success, the normalised string map of the values given.
 */
export function validateHyperparameters(algorithm: string, hps: Record<string, string>): HyperparameterValidation {
  if (!isAlgorithmId(algorithm)) {
    return {
      success: false,
      issues: [{ code: "custom", path: ["algorithm"], input: algorithm, message: `Unknown algorithm ${JSON.stringify(algorithm)}: use one of ${algorithmIds.join(", ")}` }],
    };
  }
  const result = z.object({ hyperparameters: hyperparametersSchema(algorithm) }).safeParse({ hyperparameters: hps });
  return result.success ? { success: true, data: result.data.hyperparameters } : { success: false, issues: result.error.issues };
}
