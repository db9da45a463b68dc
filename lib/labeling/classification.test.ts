import { describe, expect, it } from "vitest";
import { type ClassResponse, consolidateMultiLabel, dawidSkene, majorityVote, type MultiLabelResponse } from "@/lib/labeling/classification";
import { LabelingInputError } from "@/lib/labeling/common";
import { mulberry32, randomInt, sample } from "@/test/prng";

/** Responses from a compact grid: one string per item, one character per worker ("." = did not answer). */
function fromGrid(grid: string): ClassResponse[] {
  return grid.split(" ").flatMap((row, i) =>
    [...row].flatMap((ch, w) => (ch === "." ? [] : [{ itemId: `i${i}`, workerId: `w${w}`, label: Number(ch) }])),
  );
}

/**
 * A synthetic job: items with true classes drawn uniformly, each answered by a random subset of the
 * workers; worker w answers correctly with probability accuracies[w], otherwise a uniformly random
 * wrong class. An accuracy of 1/K is a spammer who answers uniformly at random.
 */
function syntheticJob(seed: number, items: number, classes: number, accuracies: number[], workersPerItem: [number, number]) {
  const random = mulberry32(seed);
  const truth: number[] = [];
  const responses: ClassResponse[] = [];
  for (let i = 0; i < items; i++) {
    const t = randomInt(random, classes);
    truth.push(t);
    const k = workersPerItem[0] + randomInt(random, workersPerItem[1] - workersPerItem[0] + 1);
    for (const w of sample(random, accuracies.length, k)) {
      const wrong = (t + 1 + randomInt(random, classes - 1)) % classes;
      responses.push({ itemId: `item-${i}`, workerId: `worker-${w}`, label: random() < accuracies[w] ? t : wrong });
    }
  }
  return { truth, responses };
}

/** Labels of the Bayes-optimal rule that knows every worker's true accuracy (uniform class priors): the best any method can do. */
function oracleLabels(responses: ClassResponse[], classes: number, accuracies: number[]): number[] {
  const logPosterior = new Map<string, number[]>();
  for (const r of responses) {
    const row = logPosterior.get(r.itemId) ?? new Array<number>(classes).fill(0);
    const a = accuracies[Number(r.workerId.split("-")[1])];
    for (let k = 0; k < classes; k++) row[k] += Math.log(k === r.label ? a : (1 - a) / (classes - 1));
    logPosterior.set(r.itemId, row);
  }
  return [...logPosterior.values()].map((row) => row.indexOf(Math.max(...row)));
}

function accuracyAgainst(truth: number[], labels: number[]): number {
  return labels.filter((l, i) => l === truth[i]).length / truth.length;
}

describe("majorityVote", () => {
  it("picks the most voted class per item, with its vote share", () => {
    const result = majorityVote([
      { itemId: "a", workerId: "x", label: 2 },
      { itemId: "a", workerId: "y", label: 2 },
      { itemId: "a", workerId: "z", label: 0 },
      { itemId: "b", workerId: "x", label: 1 },
    ]);
    expect(result).toEqual([
      { itemId: "a", label: 2, voteShare: 2 / 3, votes: [1, 0, 2], workers: 3, tied: false },
      { itemId: "b", label: 1, voteShare: 1, votes: [0, 1, 0], workers: 1, tied: false },
    ]);
  });

  it("breaks ties towards the lowest class index, whatever the response order", () => {
    const responses: ClassResponse[] = [
      { itemId: "a", workerId: "x", label: 3 },
      { itemId: "a", workerId: "y", label: 1 },
      { itemId: "a", workerId: "z", label: 2 },
      { itemId: "a", workerId: "v", label: 3 },
      { itemId: "a", workerId: "u", label: 1 },
    ];
    for (const order of [responses, [...responses].reverse()]) {
      const [item] = majorityVote(order, { classes: 4 });
      expect(item.label).toBe(1);
      expect(item.tied).toBe(true);
      expect(item.voteShare).toBeCloseTo(0.4, 12);
    }
  });

  it("rejects labels out of range and a worker answering an item twice", () => {
    expect(() => majorityVote([{ itemId: "a", workerId: "x", label: 3 }], { classes: 3 })).toThrow(LabelingInputError);
    expect(() => majorityVote([{ itemId: "a", workerId: "x", label: -1 }])).toThrow(/label of item a/);
    expect(() => majorityVote([{ itemId: "a", workerId: "x", label: 0.5 }])).toThrow(LabelingInputError);
    expect(() =>
      majorityVote([
        { itemId: "a", workerId: "x", label: 0 },
        { itemId: "a", workerId: "x", label: 1 },
      ]),
    ).toThrow(/worker x answered item a more than once/);
  });
});

describe("dawidSkene", () => {
  it("recovers the truth better than majority vote when some workers are spammers, and estimates their accuracies", () => {
    // 3 good workers (0.9) and 2 spammers answering uniformly at random (accuracy 1/4), 3–5 per item.
    const K = 4;
    const accuracies = [0.9, 0.9, 0.9, 1 / K, 1 / K];
    const { truth, responses } = syntheticJob(20260101, 400, K, accuracies, [3, 5]);
    const mv = majorityVote(responses, { classes: K });
    const ds = dawidSkene(responses, { classes: K });
    const mvAccuracy = accuracyAgainst(truth, mv.map((i) => i.label));
    const dsAccuracy = accuracyAgainst(truth, ds.items.map((i) => i.label));

    expect(ds.converged).toBe(true);
    expect(ds.iterations).toBeLessThan(100);
    const oracleAccuracy = accuracyAgainst(truth, oracleLabels(responses, K, accuracies));
    expect(dsAccuracy).toBeGreaterThan(mvAccuracy + 0.03);
    expect(dsAccuracy).toBeGreaterThan(oracleAccuracy - 0.01);
    // Estimated accuracies are close to what each worker actually achieved on these items (which is
    // itself within sampling noise of the nominal 0.9 / 0.25).
    const achieved = new Map<string, { right: number; total: number }>();
    for (const r of responses) {
      const a = achieved.get(r.workerId) ?? { right: 0, total: 0 };
      a.right += r.label === truth[Number(r.itemId.split("-")[1])] ? 1 : 0;
      a.total++;
      achieved.set(r.workerId, a);
    }
    for (const w of ds.workers) {
      const a = achieved.get(w.workerId)!;
      expect(Math.abs(w.accuracy - a.right / a.total)).toBeLessThan(0.03);
      expect(Math.abs(w.accuracy - accuracies[Number(w.workerId.split("-")[1])])).toBeLessThan(0.07);
      for (const row of w.confusion) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    for (const item of ds.items) {
      expect(item.posterior.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(item.confidence).toBe(item.posterior[item.label]);
      expect(item.confidence).toBeGreaterThanOrEqual(1 / K);
      expect(item.confidence).toBeLessThanOrEqual(1);
    }
    expect(ds.classPriors.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // Confidence means something: items DS gets wrong are, on average, much less confident.
    const wrong = ds.items.filter((item, i) => item.label !== truth[i]);
    const right = ds.items.filter((item, i) => item.label === truth[i]);
    const meanConfidence = (xs: typeof ds.items) => xs.reduce((s, x) => s + x.confidence, 0) / xs.length;
    if (wrong.length > 0) expect(meanConfidence(wrong)).toBeLessThan(meanConfidence(right) - 0.1);
  });

  it("matches crowd-kit's DawidSkene step for step (10 EM rounds, no smoothing)", () => {
    // Reference: crowd-kit 1.4.2 (Python 3.11, numpy 2.4.6, pandas), DawidSkene(n_iter=10, tol=-inf),
    // on this grid (80 items, 5 workers of accuracy 0.9/0.8/0.7/0.5/0.34, 3 classes, 3 workers per item,
    // generated with numpy default_rng(7)). crowd-kit starts from the soft majority vote and alternates
    // M and E steps like dawidSkene; without smoothing (ours ~0 here) the steps are the same.
    const grid =
      "12.2. 22..1 .101. 0..21 000.. ..001 0.01. 2.22. .1.12 00..2 .00.2 00..2 0.0.2 0.02. 112.. 1.0.1 ..011 .111. 1..00 2.21. 202.. 0.0.0 11.1. ..001 .0.02 .11.1 00..0 ..201 .1.11 .121. 00.0. ..021 0..11 .0.01 111.. 02.1. 0.00. .000. 22..1 000.. ..022 22.2. 1..21 222.. 12.2. 111.. 0.01. 1.12. 0.11. .221. .0.01 .22.2 ..100 .1.10 0..10 ..001 .220. 0.21. .22.0 11..2 1..12 1.12. .120. .200. .0.02 ..022 01.0. .0.21 .1.21 010.. 11..1 .02.0 .22.2 .1.00 0..00 .2.22 ..210 22.2. 111.. .00.1";
    const labels = "22100002100000110112201001021100001000200212210112021100212111100000101221022210";
    const confidence = [
      0.99609, 1.0, 0.725638, 0.828894, 0.999882, 0.932206, 0.933762, 1.0, 0.889279, 0.995075, 0.99751, 0.995075, 0.982613, 0.971623, 0.999779,
      0.965752, 0.73219, 0.999982, 0.911422, 1.0, 1.0, 0.947467, 0.999826, 0.932206, 0.974283, 0.999958, 0.99325, 0.421428, 0.935865, 0.985162,
      0.998755, 0.857813, 0.707831, 0.980949, 1.0, 0.775993, 0.986137, 0.999372, 1.0, 0.999882, 0.897924, 1.0, 0.699301, 1.0, 0.99609, 1.0,
      0.933762, 0.999999, 0.999311, 0.98861, 0.980949, 0.988467, 0.999608, 0.962657, 0.577301, 0.932206, 0.955955, 0.531708, 0.990969, 0.999288,
      0.836974, 0.999999, 0.930121, 0.967853, 0.974283, 0.897924, 0.635277, 0.844343, 0.850833, 0.812484, 0.999619, 0.703851, 0.988467,
      0.836224, 0.872456, 0.927215, 0.497693, 1.0, 1.0, 0.998166,
    ];
    // crowd-kit reports the priors and error matrices of one more M-step (from the last posteriors);
    // ours are the ones the last posteriors were computed from, i.e. crowd-kit's after 9 rounds.
    const priors = [0.42292205, 0.3397889, 0.23728905]; // n_iter=9
    const workerAccuracy = [0.86389842, 0.87071173, 0.82159734, 0.54946316, 0.32646972]; // n_iter=9, Σ_k prior_k · errors[k][k]

    const ds = dawidSkene(fromGrid(grid), { classes: 3, maxIterations: 10, tolerance: 1e-300, smoothing: 1e-12 });
    expect(ds.iterations).toBe(10);
    expect(ds.items.map((i) => i.label).join("")).toBe(labels);
    ds.items.forEach((item, i) => expect(item.confidence).toBeCloseTo(confidence[i], 5));
    ds.classPriors.forEach((p, k) => expect(p).toBeCloseTo(priors[k], 7));
    const byId = new Map(ds.workers.map((w) => [w.workerId, w]));
    workerAccuracy.forEach((a, w) => expect(byId.get(`w${w}`)!.accuracy).toBeCloseTo(a, 7));
  });

  it("smooths the confusion matrix of a worker seen on few items (no 0/1 entries)", () => {
    const responses: ClassResponse[] = [
      ...["a", "b", "c", "d", "e", "f"].flatMap((itemId, i) =>
        ["x", "y", "z"].map((workerId) => ({ itemId, workerId, label: i % 3 })),
      ),
      { itemId: "a", workerId: "newcomer", label: 0 },
    ];
    const ds = dawidSkene(responses, { classes: 3 });
    const newcomer = ds.workers.find((w) => w.workerId === "newcomer")!;
    expect(newcomer.items).toBe(1);
    for (const row of newcomer.confusion) for (const p of row) expect(p).toBeGreaterThan(0.1);
    // Row of class 0: one (near-certain) observation plus 2 pseudo-observations, 0.7 of them on the diagonal.
    expect(newcomer.confusion[0][0]).toBeCloseTo((1 + 1.4) / 3, 3);
    // Rows of classes it never saw are the prior: 0.7 right, the rest spread evenly.
    expect(newcomer.confusion[1]).toEqual([0.15, 0.7, 0.15].map((p) => expect.closeTo(p, 3)));
  });

  it("gives single-worker items their worker's answer and a probability as confidence (not 0, not 1, never NaN)", () => {
    const { responses } = syntheticJob(7, 60, 3, [0.8, 0.8, 0.8, 0.8], [1, 1]);
    const ds = dawidSkene(responses, { classes: 3 });
    expect(ds.converged).toBe(true);
    expect(ds.workers.every((w) => !w.assessed && w.accuracy > 0.6 && w.accuracy < 0.8)).toBe(true);
    for (const item of ds.items) {
      expect(item.workers).toBe(1);
      expect(Number.isFinite(item.confidence)).toBe(true);
      expect(item.confidence).toBeGreaterThan(1 / 3);
      expect(item.confidence).toBeLessThan(1);
    }
    // Nobody can be checked against anyone: every item keeps its one answer.
    expect(ds.items.map((i) => i.label)).toEqual(majorityVote(responses, { classes: 3 }).map((i) => i.label));
  });

  it("keeps the answer of a worker nobody overlapped with, in a job where others do overlap", () => {
    const { responses } = syntheticJob(8, 150, 3, [0.9, 0.85, 0.8], [3, 3]);
    const loner: ClassResponse[] = Array.from({ length: 20 }, (_, i) => ({ itemId: `solo-${i}`, workerId: "loner", label: i % 3 }));
    const ds = dawidSkene([...responses, ...loner], { classes: 3 });
    for (const w of ds.workers) expect(w.assessed).toBe(w.workerId !== "loner");
    const solo = ds.items.filter((i) => i.itemId.startsWith("solo-"));
    expect(solo.map((i) => i.label)).toEqual(loner.map((r) => r.label));
    for (const item of solo) expect(item.confidence).toBeLessThan(0.9);
  });

  it("stays finite in log space with hundreds of answers on one item", () => {
    const responses: ClassResponse[] = [];
    for (let w = 0; w < 600; w++) {
      responses.push({ itemId: "big", workerId: `w${w}`, label: w % 10 === 0 ? 1 : 0 });
      responses.push({ itemId: "other", workerId: `w${w}`, label: w % 10 === 0 ? 0 : 1 });
    }
    const ds = dawidSkene(responses, { classes: 2 });
    for (const item of ds.items) {
      for (const p of item.posterior) expect(Number.isFinite(p)).toBe(true);
      expect(item.posterior[0] + item.posterior[1]).toBeCloseTo(1, 12);
    }
    expect(ds.items.map((i) => i.label)).toEqual([0, 1]);
    expect(Number.isFinite(ds.logLikelihood)).toBe(true);
  });

  it("reports iterations and convergence, and handles no responses", () => {
    const { responses } = syntheticJob(3, 50, 3, [0.9, 0.7, 0.6], [3, 3]);
    const capped = dawidSkene(responses, { classes: 3, maxIterations: 1, tolerance: 1e-12 });
    expect(capped.iterations).toBe(1);
    expect(capped.converged).toBe(false);
    expect(dawidSkene([], { classes: 3 })).toEqual({
      items: [],
      workers: [],
      classPriors: [1 / 3, 1 / 3, 1 / 3],
      iterations: 0,
      converged: true,
      logLikelihood: 0,
    });
    expect(() => dawidSkene(responses, { classes: 2 })).toThrow(LabelingInputError);
    expect(() => dawidSkene(responses, { classes: 3, smoothing: 0 })).toThrow(/smoothing/);
  });

  it("does not depend on the order of the responses", () => {
    const { responses } = syntheticJob(11, 120, 3, [0.9, 0.75, 0.6, 0.4], [2, 4]);
    const shuffled = [...responses];
    const random = mulberry32(5);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = randomInt(random, i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const a = dawidSkene(responses, { classes: 3 });
    const b = dawidSkene(shuffled, { classes: 3 });
    const byItem = new Map(b.items.map((i) => [i.itemId, i]));
    for (const item of a.items) {
      expect(byItem.get(item.itemId)!.label).toBe(item.label);
      expect(byItem.get(item.itemId)!.confidence).toBeCloseTo(item.confidence, 9);
    }
  });
});

describe("consolidateMultiLabel", () => {
  /** Items with a random true set over `classes`; each worker flips each class with probability 1 − accuracy. */
  function multiLabelJob(seed: number, items: number, classes: number, accuracies: number[], workersPerItem: number) {
    const random = mulberry32(seed);
    const truth: number[][] = [];
    const responses: MultiLabelResponse[] = [];
    for (let i = 0; i < items; i++) {
      const set = Array.from({ length: classes }, (_, c) => c).filter(() => random() < 0.35);
      truth.push(set);
      for (const w of sample(random, accuracies.length, workersPerItem)) {
        const labels = Array.from({ length: classes }, (_, c) => c).filter((c) => (random() < accuracies[w] ? set.includes(c) : !set.includes(c)));
        responses.push({ itemId: `item-${i}`, workerId: `worker-${w}`, labels });
      }
    }
    return { truth, responses };
  }

  it("decides each class as a yes/no question with Dawid–Skene and beats the per-class majority", () => {
    const accuracies = [0.95, 0.9, 0.9, 0.5, 0.5];
    const { truth, responses } = multiLabelJob(99, 300, 4, accuracies, 3);
    const ds = consolidateMultiLabel(responses, { classes: 4 });
    const mv = consolidateMultiLabel(responses, { classes: 4, method: "majority" });
    expect(ds.method).toBe("dawid-skene");
    expect(ds.perClass.every((c) => c.converged === true)).toBe(true);
    // Per (item, class) decision accuracy against the truth and against the oracle that knows the accuracies.
    const decisions = (has: (i: number, c: number) => boolean) => {
      let right = 0;
      truth.forEach((set, i) => {
        for (let c = 0; c < 4; c++) if (has(i, c) === set.includes(c)) right++;
      });
      return right / (truth.length * 4);
    };
    const oracle = new Map<string, number[]>(); // item → per class log-odds of present, prior 0.35
    for (const r of responses) {
      const a = accuracies[Number(r.workerId.split("-")[1])];
      const odds = oracle.get(r.itemId) ?? new Array<number>(4).fill(Math.log(0.35 / 0.65));
      for (let c = 0; c < 4; c++) odds[c] += (r.labels.includes(c) ? 1 : -1) * Math.log(a / (1 - a));
      oracle.set(r.itemId, odds);
    }
    const dsAccuracy = decisions((i, c) => ds.items[i].labels.includes(c));
    expect(dsAccuracy).toBeGreaterThan(decisions((i, c) => mv.items[i].labels.includes(c)) + 0.01);
    expect(dsAccuracy).toBeGreaterThan(decisions((i, c) => oracle.get(`item-${i}`)![c] > 0) - 0.01);
    for (const item of ds.items) {
      expect(Object.keys(item.confidenceMap).map(Number)).toEqual(item.labels);
      for (const c of item.labels) expect(item.confidenceMap[String(c)]).toBeGreaterThan(0.5);
      expect(item.presentProbability).toHaveLength(4);
      for (const p of item.presentProbability) expect(p >= 0 && p <= 1).toBe(true);
      expect(item.workers).toBe(3);
    }
  });

  it("falls back to majority with one worker per item; a tie means absent", () => {
    const single = consolidateMultiLabel(
      [
        { itemId: "a", workerId: "x", labels: [0, 2] },
        { itemId: "b", workerId: "y", labels: [] },
      ],
      { classes: 3 },
    );
    expect(single.method).toBe("majority");
    expect(single.items).toEqual([
      { itemId: "a", labels: [0, 2], confidenceMap: { "0": 1, "2": 1 }, presentProbability: [1, 0, 1], workers: 1 },
      { itemId: "b", labels: [], confidenceMap: {}, presentProbability: [0, 0, 0], workers: 1 },
    ]);
    const tie = consolidateMultiLabel(
      [
        { itemId: "a", workerId: "x", labels: [1] },
        { itemId: "a", workerId: "y", labels: [1, 2] },
      ],
      { classes: 3, method: "majority" },
    );
    expect(tie.items[0].labels).toEqual([1]);
    expect(tie.items[0].presentProbability).toEqual([0, 1, 0.5]);
    expect(() => consolidateMultiLabel([{ itemId: "a", workerId: "x", labels: [3] }], { classes: 3 })).toThrow(LabelingInputError);
  });
});
