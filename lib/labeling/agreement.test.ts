import { describe, expect, it } from "vitest";
import { agreementForJob, cohensKappa, fleissKappa, krippendorffAlpha } from "@/lib/labeling/agreement";
import type { ClassResponse } from "@/lib/labeling/classification";
import { LabelingInputError } from "@/lib/labeling/common";

// Reference values below were computed with Python 3.11.7 in a scratch venv:
//   scikit-learn 1.9.1   sklearn.metrics.cohen_kappa_score(a, b)
//   statsmodels 0.15.0   statsmodels.stats.inter_rater.fleiss_kappa(table, method="fleiss")
//   krippendorff 0.9.0   krippendorff.alpha(reliability_data=<coders × units>, level_of_measurement=…)
// (numpy 2.4.6). The random data sets were drawn once with numpy.random.default_rng(20260101) and are
// written out here, so the tests do not need Python.

/** Paired labels from a 2×2 table: both yes, a yes / b no, a no / b yes, both no. */
function fromTwoByTwo(yy: number, yn: number, ny: number, nn: number): [string[], string[]] {
  const a = [...Array(yy + yn).fill("yes"), ...Array(ny + nn).fill("no")];
  const b = [...Array(yy).fill("yes"), ...Array(yn).fill("no"), ...Array(ny).fill("yes"), ...Array(nn).fill("no")];
  return [a, b];
}

describe("cohensKappa", () => {
  it("reproduces the textbook examples (Wikipedia, Cohen's kappa) and scikit-learn", () => {
    // 50 grant proposals: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → p_o 0.7, p_e 0.5, κ 0.4.
    const k = cohensKappa(...fromTwoByTwo(20, 5, 10, 15));
    expect(k.observedAgreement).toBeCloseTo(0.7, 12);
    expect(k.expectedAgreement).toBeCloseTo(0.5, 12);
    expect(k.value).toBeCloseTo(0.4, 12); // sklearn: 0.4
    expect(k.items).toBe(50);
    // Same observed agreement (0.6), different marginals: κ 0.1304 and 0.2593.
    expect(cohensKappa(...fromTwoByTwo(45, 15, 25, 15)).value).toBeCloseTo(0.13043478260869568, 12); // sklearn
    expect(cohensKappa(...fromTwoByTwo(25, 35, 5, 35)).value).toBeCloseTo(0.2592592592592593, 12); // sklearn
  });

  it("matches scikit-learn on 40 pairs over 3 classes", () => {
    const a = [1, 0, 1, 2, 0, 1, 1, 2, 2, 1, 0, 2, 0, 2, 2, 1, 1, 2, 0, 2, 2, 0, 2, 2, 1, 2, 2, 1, 2, 1, 1, 0, 2, 1, 1, 2, 0, 2, 1, 0];
    const b = [1, 1, 1, 2, 0, 1, 1, 2, 1, 1, 0, 2, 0, 2, 2, 1, 2, 0, 0, 1, 2, 2, 2, 2, 0, 2, 2, 1, 2, 1, 1, 1, 0, 1, 1, 1, 2, 2, 1, 0];
    expect(cohensKappa(a, b).value).toBeCloseTo(0.5748792270531401, 12); // sklearn 1.9.1
    expect(cohensKappa(b, a).value).toBeCloseTo(0.5748792270531401, 12);
  });

  it("is 1 for perfect agreement, negative for systematic disagreement", () => {
    expect(cohensKappa([0, 1, 2, 1], [0, 1, 2, 1]).value).toBe(1);
    expect(cohensKappa([0, 1, 0, 1], [1, 0, 1, 0]).value).toBe(-1);
  });

  it("returns null with a reason when undefined, never NaN, and throws on unpaired input", () => {
    // sklearn returns NaN here (replace_undefined_by=np.nan): both raters always said "cat".
    const same = cohensKappa(["cat", "cat", "cat"], ["cat", "cat", "cat"]);
    expect(same.value).toBeNull();
    expect(same.reason).toMatch(/single, identical category/);
    expect(same.observedAgreement).toBe(1);
    const empty = cohensKappa([], []);
    expect(empty.value).toBeNull();
    expect(empty.reason).toMatch(/no items/);
    // One rater constant, the other not: defined (p_e < 1), κ = 0.
    expect(cohensKappa(["a", "a", "a", "a"], ["a", "b", "a", "b"]).value).toBe(0);
    expect(() => cohensKappa([1, 2], [1])).toThrow(LabelingInputError);
    expect(() => cohensKappa([Number.NaN], [1])).toThrow(/finite number/);
  });
});

describe("fleissKappa", () => {
  // Wikipedia, "Fleiss' kappa", worked example: 10 items, 14 raters, 5 categories.
  const wikipedia = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];

  it("reproduces the Wikipedia worked example (κ ≈ 0.210) and statsmodels", () => {
    const k = fleissKappa(wikipedia);
    expect(k.value).toBeCloseTo(0.20993070442195522, 12); // statsmodels 0.15.0
    expect(k.observedAgreement).toBeCloseTo(0.378, 3); // P̄ on Wikipedia
    // P̄_e: column totals 20, 28, 39, 21, 32 of 140 (Wikipedia rounds the p_j first and shows 0.213).
    expect(k.expectedAgreement).toBeCloseTo((20 ** 2 + 28 ** 2 + 39 ** 2 + 21 ** 2 + 32 ** 2) / 140 ** 2, 12);
    expect(k.items).toBe(10);
    expect(k.raters).toBe(14);
  });

  it("matches statsmodels on a 25 × 4 table with 6 raters", () => {
    const table = [
      [1, 3, 0, 2], [1, 1, 4, 0], [1, 0, 0, 5], [0, 1, 1, 4], [1, 0, 5, 0], [1, 0, 1, 4], [0, 6, 0, 0], [2, 0, 4, 0], [1, 0, 0, 5],
      [2, 0, 4, 0], [0, 6, 0, 0], [6, 0, 0, 0], [5, 0, 1, 0], [4, 1, 0, 1], [0, 2, 0, 4], [0, 6, 0, 0], [0, 2, 2, 2], [0, 5, 0, 1],
      [2, 3, 0, 1], [0, 0, 2, 4], [6, 0, 0, 0], [2, 2, 1, 1], [2, 1, 3, 0], [3, 1, 0, 2], [0, 0, 6, 0],
    ];
    expect(fleissKappa(table).value).toBeCloseTo(0.423076923076923, 12); // statsmodels 0.15.0
  });

  it("requires the same number of raters per item, with a clear error", () => {
    expect(() => fleissKappa([[2, 1], [1, 1]])).toThrow(/same number of ratings for every item: item 0 has 3, item 1 has 2/);
    expect(() => fleissKappa([[1, 0], [0, 1]])).toThrow(/at least 2 ratings per item/);
    expect(() => fleissKappa([[1, 1], [1]])).toThrow(/rectangular/);
    expect(() => fleissKappa([[1.5, 0.5]])).toThrow(/integers/);
  });

  it("returns null with a reason when every rating is one category or there are no items", () => {
    // statsmodels returns NaN for this table.
    const same = fleissKappa([[3, 0], [3, 0]]);
    expect(same.value).toBeNull();
    expect(same.reason).toMatch(/same category/);
    expect(same.observedAgreement).toBe(1);
    expect(fleissKappa([]).value).toBeNull();
    // Perfect agreement with variation between items is a real 1.
    expect(fleissKappa([[3, 0], [0, 3]]).value).toBe(1);
  });
});

describe("krippendorffAlpha", () => {
  // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers × 12
  // units with missing values. Here as units × coders (the paper and the Python package: coders × units).
  const A = [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null];
  const B = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3];
  const C = [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null];
  const D = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null];
  const units = A.map((_, u) => [A[u], B[u], C[u], D[u]]);

  it("reproduces Krippendorff's worked example with missing data (nominal α ≈ 0.743) and the krippendorff package", () => {
    const alpha = krippendorffAlpha(units, { level: "nominal" });
    expect(alpha.value).toBeCloseTo(0.743421052631579, 12); // krippendorff 0.9.0; the paper: 0.743
    expect(alpha.pairableValues).toBe(40); // n in the paper (unit 12 has one value)
    // The paper: α = 1 − (n − 1) Σ_{c<k} o_ck / Σ_{c<k} n_c n_k = 1 − 39 × 4 / 608, with n_c = 9, 13, 10, 5, 3.
    expect(alpha.value).toBeCloseTo(1 - (39 * 4) / 608, 12);
    expect(alpha.observedDisagreement).toBeCloseTo(8 / 40, 12);
    expect(alpha.expectedDisagreement).toBeCloseTo(1216 / (40 * 39), 12);
    expect(krippendorffAlpha(units).value).toBe(alpha.value); // nominal is the default
  });

  it("matches the krippendorff package at the ordinal, interval and ratio levels", () => {
    // The paper gives 0.815 (ordinal), 0.849 (interval), 0.797 (ratio) for the same data.
    expect(krippendorffAlpha(units, { level: "ordinal" }).value).toBeCloseTo(0.8153875037548814, 12);
    expect(krippendorffAlpha(units, { level: "interval" }).value).toBeCloseTo(0.8491071428571428, 12);
    expect(krippendorffAlpha(units, { level: "ratio" }).value).toBeCloseTo(0.7974027747116121, 12);
  });

  it("matches the krippendorff package on 30 units × 5 coders with 30 % missing", () => {
    const data = [
      [3, 3, 2, 3, 5], [2, 2, 2, 2, 3], [null, 4, 4, 4, 4], [null, null, 1, null, 4], [5, 1, 1, 1, 1], [null, 5, 5, 3, 2],
      [null, null, 2, null, null], [null, 2, 2, null, 2], [1, 1, null, 3, null], [4, 4, 3, 4, 4], [5, 4, null, 5, 5],
      [3, null, null, 4, 4], [2, null, 5, 4, 1], [3, null, null, 1, 1], [null, 5, 1, 2, 5], [null, 1, 1, 2, 1],
      [3, 3, 3, null, 3], [2, 2, null, 4, 2], [null, null, null, 5, 3], [1, null, 5, 1, 4], [5, null, 5, 5, 5],
      [1, 4, 1, 1, 5], [4, null, 5, 5, 4], [null, 5, 3, null, null], [5, 3, null, 1, 4], [4, 1, 5, 2, null],
      [null, null, null, null, 5], [4, null, 4, null, 4], [3, 3, 3, null, null], [null, 3, 3, null, 3],
    ];
    expect(krippendorffAlpha(data, { level: "nominal" }).value).toBeCloseTo(0.334995747313075, 12);
    expect(krippendorffAlpha(data, { level: "ordinal" }).value).toBeCloseTo(0.2541633362046305, 12);
    expect(krippendorffAlpha(data, { level: "interval" }).value).toBeCloseTo(0.25720776349692775, 12);
    expect(krippendorffAlpha(data, { level: "ratio" }).value).toBeCloseTo(0.2829729217415995, 12);
    // Nominal values may be names: relabelling changes nothing.
    const names = ["", "one", "two", "three", "four", "five"];
    const named = data.map((row) => row.map((v) => (v === null ? null : names[v])));
    expect(krippendorffAlpha(named).value).toBeCloseTo(0.334995747313075, 12);
    expect(() => krippendorffAlpha(named, { level: "interval" })).toThrow(/numeric values/);
  });

  it("returns null with a reason when nothing is pairable or there is no variation", () => {
    // The krippendorff package raises "There has to be more than one value in the domain." here.
    const constant = krippendorffAlpha([[1, 1], [1, 1, null]]);
    expect(constant.value).toBeNull();
    expect(constant.reason).toMatch(/no variation/);
    const lonely = krippendorffAlpha([[1, null], [null, 2]]);
    expect(lonely.value).toBeNull();
    expect(lonely.reason).toMatch(/two or more coders/);
    expect(krippendorffAlpha([]).value).toBeNull();
  });
});

describe("agreementForJob", () => {
  /** Responses from rows of labels by worker ("." = did not answer). */
  const job = (rows: string[]): ClassResponse[] =>
    rows.flatMap((row, i) => [...row].flatMap((ch, w) => (ch === "." ? [] : [{ itemId: `i${i}`, workerId: `w${w}`, label: Number(ch) }])));

  it("computes Fleiss over the modal worker count, Krippendorff over everything, and per-worker agreement", () => {
    const responses = job(["000", "111", "012", "22.", "0..", "110", "1.1"]);
    const result = agreementForJob(responses);
    // Fleiss: the 4 items with 3 workers (3 is the modal count among items with ≥ 2 workers).
    expect(result.fleiss.raters).toBe(3);
    expect(result.fleiss.items).toBe(4);
    expect(result.fleiss.value).toBeCloseTo(fleissKappa([[3, 0, 0], [0, 3, 0], [1, 1, 1], [1, 2, 0]]).value!, 12);
    // Krippendorff: all items as units × workers (the one-worker item is unpairable).
    const alpha = krippendorffAlpha([[0, 0, 0], [1, 1, 1], [0, 1, 2], [2, 2, null], [0, null, null], [1, 1, 0], [1, null, 1]]);
    expect(result.krippendorff).toEqual(alpha);
    expect(result.krippendorff.pairableValues).toBe(16);
    // Pairwise: agreeing ordered pairs / all ordered pairs over items with ≥ 2 workers: (6+6+0+2+2+2) / (6+6+6+2+6+2).
    expect(result.pairwiseAgreement).toBeCloseTo(18 / 28, 12);

    const w2 = result.workers.find((w) => w.workerId === "w2")!;
    expect(w2.items).toBe(5);
    // w2 vs the other workers' majority: items 0 (0 vs 0), 1 (1 vs 1), 5 (0 vs 1), 6 (1 vs 1); item 2 is a tie among the others.
    expect(w2.kappaVsOthers).toEqual(cohensKappa([0, 1, 0, 1], [0, 1, 1, 1]));
    expect(w2.pairwiseAgreement).toBeCloseTo(5 / 9, 12);
    expect(result.workers.map((w) => w.workerId)).toEqual(["w0", "w1", "w2"]);
  });

  it("picks the larger count when two worker counts are equally common, and says when nothing overlaps", () => {
    const mixed = agreementForJob(job(["00.", "11.", "000", "111"]));
    expect(mixed.fleiss.raters).toBe(3);
    expect(mixed.fleiss.items).toBe(2);
    const alone = agreementForJob(job(["0", "1", "2"]));
    expect(alone.fleiss.value).toBeNull();
    expect(alone.fleiss.reason).toMatch(/no item has two or more workers/);
    expect(alone.krippendorff.value).toBeNull();
    expect(alone.pairwiseAgreement).toBeNull();
    expect(alone.workers[0].pairwiseAgreement).toBeNull();
    expect(alone.workers[0].kappaVsOthers.value).toBeNull();
    expect(alone.workers[0].kappaVsOthers.reason).toMatch(/no item where the other workers had a majority label/);
  });

  it("never returns NaN when everyone always agrees on one class", () => {
    const result = agreementForJob(job(["111", "111", "111"]));
    expect(result.fleiss.value).toBeNull();
    expect(result.krippendorff.value).toBeNull();
    expect(result.pairwiseAgreement).toBe(1);
    for (const w of result.workers) expect(w.kappaVsOthers.value).toBeNull();
    expect(JSON.stringify(result)).not.toMatch(/NaN|null,"reason":null/);
  });

  it("rejects a worker answering an item twice", () => {
    expect(() =>
      agreementForJob([
        { itemId: "a", workerId: "x", label: 0 },
        { itemId: "a", workerId: "x", label: 0 },
      ]),
    ).toThrow(/more than once/);
  });
});
