import { describe, expect, it } from "vitest";
import { parseRunFilter, type FilterableRun } from "@/components/experiments/run-filter";

const run = (name: string, params: Record<string, string>, metrics: Record<string, number | "NaN">, status = "completed"): FilterableRun => ({
  id: `id-${name}`,
  name,
  status,
  source: "sdk",
  params,
  tags: { team: "vision" },
  metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, { latest: v }])),
});

const runs = [
  run("alpha", { lr: "0.1", optimizer: "adam" }, { accuracy: 0.95, loss: 0.2 }),
  run("beta", { lr: "0.10", optimizer: "sgd" }, { accuracy: 0.85, loss: "NaN" }),
  run("gamma", { lr: "0.01", optimizer: "adamw" }, { accuracy: 0.97 }, "failed"),
  run("delta", {}, {}),
];

function names(filter: string): string[] {
  const f = parseRunFilter(filter);
  if (!f.ok) throw new Error(f.error);
  return runs.filter(f.test).map((r) => r.name);
}

describe("runs filter", () => {
  it("compares metrics numerically and params as numbers when both are", () => {
    expect(names("metrics.accuracy > 0.9")).toEqual(["alpha", "gamma"]);
    expect(names("metrics.accuracy > 0.9 and params.lr = 0.1")).toEqual(["alpha"]);
    expect(names("params.lr = 0.1")).toEqual(["alpha", "beta"]);
    expect(names("params.lr < 0.05 or metrics.accuracy <= 0.85")).toEqual(["beta", "gamma"]);
  });

  it("handles NaN, contains, attributes, quoting and free text", () => {
    expect(names("metrics.loss = NaN")).toEqual(["beta"]);
    expect(names("metrics.loss < 1")).toEqual(["alpha"]);
    expect(names("params.optimizer ~ ADAM")).toEqual(["alpha", "gamma"]);
    expect(names("status = Failed")).toEqual(["gamma"]);
    expect(names("params.`optimizer` = 'sgd'")).toEqual(["beta"]);
    expect(names("adam")).toEqual(["alpha", "gamma"]);
    expect(names("vision del")).toEqual(["delta"]);
    expect(names("")).toEqual(["alpha", "beta", "gamma", "delta"]);
  });

  it("explains what is wrong and where", () => {
    expect(parseRunFilter("metrics.accuracy >")).toMatchObject({ ok: false, error: 'Expected a value after ">"', column: 19 });
    expect(parseRunFilter("metrics.accuracy > high")).toMatchObject({ ok: false, column: 20 });
    expect(parseRunFilter("metrics.accuracy > 0.9 params.lr = 1")).toMatchObject({ ok: false, error: expect.stringContaining('"and" or "or"') });
    expect(parseRunFilter("color = red")).toMatchObject({ ok: false, error: expect.stringContaining("Unknown field") });
    expect(parseRunFilter("params.name = 'x")).toMatchObject({ ok: false, error: expect.stringContaining("Unclosed") });
  });
});
