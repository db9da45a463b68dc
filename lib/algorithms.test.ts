import { describe, expect, it } from "vitest";
import catalogueJson from "@/kernels/sdk/studio/algorithms/catalogue.json";
import {
  algorithmIds,
  algorithms,
  catalogue,
  catalogueSchema,
  checkHyperparameter,
  commonNames,
  defaultText,
  describeRange,
  hyperparametersOf,
  normaliseHyperparameter,
  validateHyperparameters,
  type HyperparameterSpec,
} from "@/lib/algorithms";

function spec(algorithm: string, name: string): HyperparameterSpec {
  const found = hyperparametersOf(algorithm).find((s) => s.name === name);
  if (!found) throw new Error(`${algorithm} has no ${name}`);
  return found;
}

describe("the catalogue (kernels/sdk/studio/algorithms/catalogue.json)", () => {
  it("parses, and lists the four built-in algorithms", () => {
    expect(catalogueSchema.safeParse(catalogueJson).success).toBe(true);
    expect(algorithms.map((a) => a.id)).toEqual([...algorithmIds]);
    expect(algorithms.find((a) => a.id === "kmeans")?.needs_target).toBe(false);
    expect(algorithms.filter((a) => a.needs_target).map((a) => a.id)).toEqual(["xgboost", "linear", "random_forest"]);
  });

  it("refuses a malformed entry (typo in a key, unknown type)", () => {
    const broken = structuredClone(catalogueJson) as { common: Record<string, unknown>[] };
    broken.common[0] = { ...broken.common[0], mni: 1 };
    expect(catalogueSchema.safeParse(broken).success).toBe(false);
    const wrongType = structuredClone(catalogueJson) as { common: Record<string, unknown>[] };
    wrongType.common[0] = { ...wrongType.common[0], type: "integer" };
    expect(catalogueSchema.safeParse(wrongType).success).toBe(false);
  });

  it.each(algorithmIds)("%s: unique names, target only with a target, every default accepted", (id) => {
    const specs = hyperparametersOf(id);
    const names = specs.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.includes("target")).toBe(id !== "kmeans");
    for (const s of specs) {
      if (s.type === "enum") expect(s.values?.length).toBeGreaterThan(0);
      if (s.default !== null) expect(normaliseHyperparameter(s, defaultText(s)), `${id}.${s.name}`).toBe(defaultText(s));
    }
  });

  it("uses SageMaker's XGBoost names and scikit-learn's for the others", () => {
    expect(hyperparametersOf("xgboost").map((s) => s.name)).toEqual(
      expect.arrayContaining(["num_round", "max_depth", "eta", "gamma", "min_child_weight", "subsample", "colsample_bytree", "lambda", "alpha", "objective", "early_stopping_rounds"]),
    );
    expect(hyperparametersOf("linear").map((s) => s.name)).toEqual(expect.arrayContaining(["C", "alpha", "fit_intercept", "max_iter"]));
    expect(hyperparametersOf("random_forest").map((s) => s.name)).toEqual(expect.arrayContaining(["n_estimators", "max_depth", "min_samples_leaf", "max_features"]));
    expect(hyperparametersOf("kmeans").map((s) => s.name)).toEqual(expect.arrayContaining(["k", "init", "n_init", "max_iter", "seed", "feature_columns"]));
    expect([...commonNames]).toEqual(["target", "problem_type", "validation_fraction", "seed", "feature_columns"]);
    expect(hyperparametersOf("nope")).toEqual([]);
    expect(catalogue.format).toBe("studio-algorithms/1");
  });
});

describe("validateHyperparameters", () => {
  it("normalises the values given the way the Python side does", () => {
    const result = validateHyperparameters("xgboost", { target: " y ", eta: " 0.30 ", gamma: "1e-7", num_round: "+10", objective: "reg:gamma", seed: "", lambda: "2.0", alpha: "1E2" });
    expect(result).toEqual({ success: true, data: { target: "y", eta: "0.3", gamma: "1e-7", num_round: "10", objective: "reg:gamma", lambda: "2", alpha: "100" } });
    expect(validateHyperparameters("linear", { target: "y", fit_intercept: "FALSE" })).toEqual({ success: true, data: { target: "y", fit_intercept: "false" } });
    expect(validateHyperparameters("kmeans", {})).toEqual({ success: true, data: {} });
  });

  it("names the field and what it accepts, at path ['hyperparameters', name]", () => {
    const result = validateHyperparameters("xgboost", { target: "y", eta: "1.5", num_round: "ten", objective: "rank:map" });
    expect(result.success).toBe(false);
    if (result.success) return;
    const byPath = Object.fromEntries(result.issues.map((i) => [i.path.join("."), i.message]));
    expect(byPath).toEqual({
      "hyperparameters.eta": 'hyperparameter eta must be a number greater than 0 and at most 1 (got "1.5")',
      "hyperparameters.num_round": 'hyperparameter num_round must be an integer at least 1 and at most 100000 (got "ten")',
      "hyperparameters.objective": expect.stringMatching(/^hyperparameter objective must be one of auto, binary:logistic, .* \(got "rank:map"\)$/),
    });
    expect(result.issues.every((i) => i.code === "custom")).toBe(true);
  });

  it("rejects unknown names and a missing target", () => {
    const result = validateHyperparameters("random_forest", { num_round: "10" });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues.map((i) => [i.path, i.message])).toEqual([
      [["hyperparameters", "num_round"], "Unknown hyperparameter num_round for random_forest: use target, problem_type, validation_fraction, seed, feature_columns, n_estimators, max_depth, min_samples_leaf, max_features"],
      [["hyperparameters", "target"], "hyperparameter target is required (The column to predict.)"],
    ]);
    const kmeans = validateHyperparameters("kmeans", { target: "y" });
    expect(kmeans.success === false && kmeans.issues[0].message).toBe("Unknown hyperparameter target for kmeans: use seed, feature_columns, k, init, n_init, max_iter");
  });

  it("rejects an unknown algorithm at ['algorithm']", () => {
    const result = validateHyperparameters("boosting", {});
    expect(result.success === false && result.issues.map((i) => [i.path, i.message])).toEqual([[["algorithm"], 'Unknown algorithm "boosting": use one of xgboost, linear, random_forest, kmeans']]);
  });

  it.each([
    ["xgboost", "subsample", "0", false],
    ["xgboost", "subsample", "1", true],
    ["xgboost", "max_depth", "0", true],
    ["xgboost", "max_depth", "2.5", false],
    ["linear", "C", "inf", false],
    ["linear", "C", "1e-3", true],
    ["linear", "fit_intercept", "1", true],
    ["linear", "fit_intercept", "yes", false],
    ["kmeans", "k", "1", false],
    ["kmeans", "init", "K-MEANS++", false],
    ["xgboost", "validation_fraction", "0.9", true],
    ["xgboost", "validation_fraction", "0", false],
    ["xgboost", "seed", "-1", false],
  ])("%s.%s = %s accepted: %s", (algorithm, name, value, ok) => {
    expect(normaliseHyperparameter(spec(algorithm, name), value) !== null).toBe(ok);
  });
});

describe("form helpers", () => {
  it("checkHyperparameter gives the short message under a field", () => {
    expect(checkHyperparameter(spec("xgboost", "target"), " ")).toBe("is required");
    expect(checkHyperparameter(spec("xgboost", "early_stopping_rounds"), "")).toBeNull();
    expect(checkHyperparameter(spec("xgboost", "eta"), "0")).toBe("must be a number greater than 0 and at most 1");
    expect(checkHyperparameter(spec("xgboost", "eta"), "0.05")).toBeNull();
    expect(checkHyperparameter(spec("random_forest", "max_features"), "half")).toBe("must be one of auto, sqrt, log2, all");
  });

  it("describes ranges and defaults", () => {
    expect(describeRange(spec("xgboost", "gamma"))).toBe("a number at least 0");
    expect(describeRange(spec("linear", "fit_intercept"))).toBe("true or false");
    expect(describeRange(spec("xgboost", "target"))).toBe("a text of at most 1000 characters");
    expect(defaultText(spec("xgboost", "eta"))).toBe("0.3");
    expect(defaultText(spec("linear", "fit_intercept"))).toBe("true");
    expect(defaultText(spec("random_forest", "max_depth"))).toBe("");
  });

  it.each([
    [0, "0"],
    [0.3, "0.3"],
    [-1.5, "-1.5"],
    [1e-7, "1e-7"],
    [1.5e-7, "1.5e-7"],
    [1e-6, "0.000001"],
    [123456.789, "123456.789"],
    [1e21, "1e+21"],
    [1e20, "100000000000000000000"],
  ])("numbers are written as String(number), like the Python side's js_number_string: %s", (value, text) => {
    expect(String(value)).toBe(text);
    expect(normaliseHyperparameter({ name: "x", label: "x", type: "float", default: null, help: "x" }, text)).toBe(text);
  });
});
