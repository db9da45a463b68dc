// Inter-annotator agreement statistics for labeling dashboards: Cohen's kappa (two raters), Fleiss'
// kappa (n raters per item), Krippendorff's alpha (any number of coders, missing values allowed) and a
// per-job summary. Pure, no I/O.
//
// Undefined is not an error: when a statistic is 0/0 for the data (no items, or no variation at all so
// chance agreement is already perfect) `value` is null and `reason` says why; NaN never comes out.
// This follows the usual convention (scikit-learn returns NaN for Cohen's kappa when expected
// agreement is 1; Krippendorff treats data without variation as unassessable) rather than calling
// perfect-but-trivial agreement 1: a column of identical labels says nothing about reliability.
// Malformed input (unequal lengths, unequal raters per item for Fleiss) throws LabelingInputError.

import type { ClassResponse } from "./classification";
import { LabelingInputError, pluralityVote } from "./common";

/** A label as rated: a class index or a name. */
export type Category = number | string;

/** Cohen's or Fleiss' kappa: (observed − expected) / (1 − expected) agreement. */
export interface KappaResult {
  /** The kappa, in [-1, 1]; null when undefined (see reason). */
  value: number | null;
  /** Why value is null; null when it is a number. */
  reason: string | null;
  /** Observed agreement (share of agreeing judgements); null without items. */
  observedAgreement: number | null;
  /** Agreement expected by chance from the label frequencies; null without items. */
  expectedAgreement: number | null;
  /** Items (paired labels for Cohen, rows of the table for Fleiss). */
  items: number;
}

/** Krippendorff's alpha: 1 − observed / expected disagreement. */
export interface AlphaResult {
  /** The alpha, ≤ 1 (1 perfect, 0 chance, negative systematic disagreement); null when undefined. */
  value: number | null;
  /** Why value is null; null when it is a number. */
  reason: string | null;
  /** D_o; null when nothing is pairable. */
  observedDisagreement: number | null;
  /** D_e; null when nothing is pairable. */
  expectedDisagreement: number | null;
  /** n: values in units with at least two values (the only ones that count). */
  pairableValues: number;
}

/**
 * Cohen's kappa for two raters who labeled the same items: a[i] and b[i] are their labels of item i.
 * κ = (p_o − p_e) / (1 − p_e) with p_e = Σ_c p_a(c) p_b(c). Unweighted (nominal categories).
 * Null when there are no items, or when both raters used one and the same category throughout
 * (p_o = p_e = 1, 0/0).
 */
export function cohensKappa(a: readonly Category[], b: readonly Category[]): KappaResult {
  if (a.length !== b.length) throw new LabelingInputError(`Cohen's kappa needs paired labels: ${a.length} labels against ${b.length}`);
  const n = a.length;
  if (n === 0) return { value: null, reason: "no items were labeled by both raters", observedAgreement: null, expectedAgreement: null, items: 0 };
  const countA = new Map<Category, number>();
  const countB = new Map<Category, number>();
  let agree = 0;
  for (let i = 0; i < n; i++) {
    checkCategory(a[i]);
    checkCategory(b[i]);
    if (a[i] === b[i]) agree++;
    countA.set(a[i], (countA.get(a[i]) ?? 0) + 1);
    countB.set(b[i], (countB.get(b[i]) ?? 0) + 1);
  }
  let expected = 0;
  for (const [c, na] of countA) expected += (na / n) * ((countB.get(c) ?? 0) / n);
  const observed = agree / n;
  if (countA.size === 1 && countB.size === 1 && agree === n) {
    return { value: null, reason: "both raters used a single, identical category, so chance agreement is 1 and kappa is 0/0", observedAgreement: 1, expectedAgreement: 1, items: n };
  }
  return { value: (observed - expected) / (1 - expected), reason: null, observedAgreement: observed, expectedAgreement: expected, items: n };
}

/**
 * Fleiss' kappa from a count table: table[i][j] = how many raters put item i in category j. Every
 * item must have the same number of ratings n ≥ 2 (Fleiss' definition; a LabelingInputError says
 * which item differs). P_i = (Σ_j n_ij² − n) / (n(n − 1)), P̄ = mean P_i, p_j = Σ_i n_ij / (N n),
 * P̄_e = Σ_j p_j², κ = (P̄ − P̄_e) / (1 − P̄_e). Null without items or when every rating is the same
 * category (P̄_e = 1).
 */
export function fleissKappa(table: readonly (readonly number[])[]): KappaResult & { raters: number | null } {
  const N = table.length;
  if (N === 0) return { value: null, reason: "no items", observedAgreement: null, expectedAgreement: null, items: 0, raters: null };
  const k = table[0].length;
  if (k === 0) throw new LabelingInputError("Fleiss' kappa needs at least one category column");
  let raters = -1;
  table.forEach((row, i) => {
    if (row.length !== k) throw new LabelingInputError(`Fleiss' kappa table must be rectangular: item ${i} has ${row.length} categories, item 0 has ${k}`);
    for (const c of row) {
      if (!Number.isInteger(c) || c < 0) throw new LabelingInputError(`Fleiss' kappa counts must be integers ≥ 0, item ${i} has ${String(c)}`);
    }
    const sum = row.reduce((x, y) => x + y, 0);
    if (raters < 0) raters = sum;
    else if (sum !== raters) {
      throw new LabelingInputError(`Fleiss' kappa needs the same number of ratings for every item: item 0 has ${raters}, item ${i} has ${sum}`);
    }
  });
  if (raters < 2) throw new LabelingInputError(`Fleiss' kappa needs at least 2 ratings per item, got ${raters}`);
  const n = raters;
  const columnTotals = new Array<number>(k).fill(0);
  let sumP = 0;
  for (const row of table) {
    let squares = 0;
    row.forEach((c, j) => {
      squares += c * c;
      columnTotals[j] += c;
    });
    sumP += (squares - n) / (n * (n - 1));
  }
  const observed = sumP / N;
  const expected = columnTotals.reduce((s, t) => s + (t / (N * n)) ** 2, 0);
  if (columnTotals.filter((t) => t > 0).length === 1) {
    return { value: null, reason: "every rating is the same category, so chance agreement is 1 and kappa is 0/0", observedAgreement: observed, expectedAgreement: expected, items: N, raters: n };
  }
  return { value: (observed - expected) / (1 - expected), reason: null, observedAgreement: observed, expectedAgreement: expected, items: N, raters: n };
}

/** Levels of measurement of Krippendorff's alpha (its difference functions δ²). */
export type AlphaLevel = "nominal" | "ordinal" | "interval" | "ratio";

/**
 * Krippendorff's alpha from reliability data given as units × coders: data[u][c] is coder c's value
 * for unit u, null where coder c did not code it (rows may be shorter than the number of coders;
 * missing tail entries count as null). NB: the `krippendorff` Python package takes coders × units.
 *
 * Computed through the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
 * Alpha-Reliability"): a unit with m_u ≥ 2 values adds 1 / (m_u − 1) to o_ck for every ordered pair of
 * values from different coders; units with fewer values are unpairable and ignored.
 * α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck. Levels: nominal (δ = 1 for different values; values
 * may be strings), ordinal (ranks by numeric order, δ from the frequencies in between), interval
 * ((c − k)²), ratio (((c − k) / (c + k))²); all but nominal need numbers.
 * Null when fewer than two values are pairable or all pairable values are the same (D_e = 0).
 */
export function krippendorffAlpha(data: readonly (readonly (Category | null)[])[], options: { level?: AlphaLevel } = {}): AlphaResult {
  const level = options.level ?? "nominal";
  // Distinct values (numeric order for the metric levels) and their index.
  const values: Category[] = [];
  const index = new Map<Category, number>();
  for (const unit of data) {
    for (const v of unit) {
      if (v === null || v === undefined) continue;
      checkCategory(v);
      if (level !== "nominal" && typeof v !== "number") throw new LabelingInputError(`Krippendorff's alpha at the ${level} level needs numeric values, got ${JSON.stringify(v)}`);
      if (!index.has(v)) {
        index.set(v, values.length);
        values.push(v);
      }
    }
  }
  if (level !== "nominal") {
    values.sort((x, y) => (x as number) - (y as number));
    values.forEach((v, i) => index.set(v, i));
  }
  const V = values.length;
  const o = new Float64Array(V * V);
  for (const unit of data) {
    const present = unit.filter((v): v is Category => v !== null && v !== undefined).map((v) => index.get(v)!);
    const m = present.length;
    if (m < 2) continue;
    const counts = new Map<number, number>();
    for (const c of present) counts.set(c, (counts.get(c) ?? 0) + 1);
    for (const [c, nc] of counts) {
      for (const [k, nk] of counts) o[c * V + k] += (nc * (c === k ? nk - 1 : nk)) / (m - 1);
    }
  }
  const nc = new Float64Array(V);
  for (let c = 0; c < V; c++) for (let k = 0; k < V; k++) nc[c] += o[c * V + k];
  const n = nc.reduce((s, x) => s + x, 0);
  const pairable = Math.round(n);
  if (pairable < 2) {
    return { value: null, reason: "no unit has values from two or more coders", observedDisagreement: null, expectedDisagreement: null, pairableValues: pairable };
  }
  const delta = differenceFunction(level, values, nc);
  let observedSum = 0;
  let expectedSum = 0;
  for (let c = 0; c < V; c++) {
    for (let k = 0; k < V; k++) {
      if (c === k) continue;
      const d = delta(c, k);
      observedSum += o[c * V + k] * d;
      expectedSum += nc[c] * nc[k] * d;
    }
  }
  const observed = observedSum / n;
  const expected = expectedSum / (n * (n - 1));
  if (expectedSum === 0) {
    return { value: null, reason: "all pairable values are the same, so there is no variation to assess (0/0)", observedDisagreement: observed, expectedDisagreement: expected, pairableValues: pairable };
  }
  return { value: 1 - observed / expected, reason: null, observedDisagreement: observed, expectedDisagreement: expected, pairableValues: pairable };
}

/** δ²(c, k) between the c-th and k-th distinct values at a level; nc are the pairable value frequencies. */
function differenceFunction(level: AlphaLevel, values: readonly Category[], nc: Float64Array): (c: number, k: number) => number {
  switch (level) {
    case "nominal":
      return (c, k) => (c === k ? 0 : 1);
    case "interval":
      return (c, k) => ((values[c] as number) - (values[k] as number)) ** 2;
    case "ratio":
      return (c, k) => {
        const x = values[c] as number;
        const y = values[k] as number;
        return x + y === 0 ? 0 : ((x - y) / (x + y)) ** 2;
      };
    case "ordinal": {
      // cumulative[g] = n_0 + … + n_(g-1); Σ_{g=c..k} n_g − (n_c + n_k) / 2, squared.
      const cumulative = new Float64Array(nc.length + 1);
      for (let g = 0; g < nc.length; g++) cumulative[g + 1] = cumulative[g] + nc[g];
      return (c, k) => {
        const lo = Math.min(c, k);
        const hi = Math.max(c, k);
        return (cumulative[hi + 1] - cumulative[lo] - (nc[lo] + nc[hi]) / 2) ** 2;
      };
    }
  }
}

/** Throws unless v is a finite number or a string. */
function checkCategory(v: Category): void {
  if (typeof v === "string") return;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new LabelingInputError(`a label must be a finite number or a string, got ${String(v)}`);
}

// ---------------------------------------------------------------------------------------------
// Per-job summary

/** How one worker agrees with the others on the items they shared. */
export interface WorkerAgreement {
  workerId: string;
  /** Items the worker answered. */
  items: number;
  /** Share of (this worker, other worker, same item) pairs with equal labels; null without shared items. */
  pairwiseAgreement: number | null;
  /**
   * Cohen's kappa of the worker's labels against the leave-one-out majority: on each item, the label
   * most of the *other* workers chose (items with no other worker, or a tie among them, are skipped).
   * Leaving the worker's own vote out matters: with 3 workers, a worker is in the majority whenever
   * either other worker agrees, which would inflate every score.
   */
  kappaVsOthers: KappaResult;
}

export interface JobAgreement {
  /**
   * Fleiss' kappa over the items that have the modal number of workers (among items with ≥ 2
   * workers; on a tie the larger number), because Fleiss needs equal raters per item. `raters` says
   * which number, `items` how many items that covers.
   */
  fleiss: KappaResult & { raters: number | null };
  /** Krippendorff's alpha (nominal) over all items; items with one worker do not count. */
  krippendorff: AlphaResult;
  /** Share of all (worker, worker, same item) pairs with equal labels; null when no item has 2 workers. */
  pairwiseAgreement: number | null;
  /** Per worker, in order of first appearance. */
  workers: WorkerAgreement[];
}

/**
 * Agreement statistics of a single-label classification job from its raw responses (labels are
 * class indices; a worker answers an item at most once).
 */
export function agreementForJob(responses: readonly ClassResponse[]): JobAgreement {
  // item → (worker → label), both in order of first appearance.
  const byItem = new Map<string, Map<string, number>>();
  const workerOrder: string[] = [];
  const workerSeen = new Set<string>();
  for (const r of responses) {
    if (!Number.isInteger(r.label) || r.label < 0) throw new LabelingInputError(`label of item ${r.itemId} by worker ${r.workerId} must be a class index ≥ 0, got ${String(r.label)}`);
    let answers = byItem.get(r.itemId);
    if (!answers) byItem.set(r.itemId, (answers = new Map()));
    if (answers.has(r.workerId)) throw new LabelingInputError(`worker ${r.workerId} answered item ${r.itemId} more than once`);
    answers.set(r.workerId, r.label);
    if (!workerSeen.has(r.workerId)) {
      workerSeen.add(r.workerId);
      workerOrder.push(r.workerId);
    }
  }
  const items = [...byItem.values()];
  const classes = responses.reduce((m, r) => Math.max(m, r.label + 1), 1);

  // Fleiss over the items with the modal worker count.
  const sizeFrequency = new Map<number, number>();
  for (const answers of items) if (answers.size >= 2) sizeFrequency.set(answers.size, (sizeFrequency.get(answers.size) ?? 0) + 1);
  let modal = 0;
  for (const [size, count] of sizeFrequency) {
    const best = sizeFrequency.get(modal) ?? 0;
    if (count > best || (count === best && size > modal)) modal = size;
  }
  const fleiss =
    modal === 0
      ? { value: null, reason: "no item has two or more workers", observedAgreement: null, expectedAgreement: null, items: 0, raters: null }
      : fleissKappa(
          items
            .filter((answers) => answers.size === modal)
            .map((answers) => {
              const row = new Array<number>(classes).fill(0);
              for (const label of answers.values()) row[label]++;
              return row;
            }),
        );

  // Krippendorff over everything: units × workers.
  const workerIndex = new Map(workerOrder.map((w, i) => [w, i]));
  const matrix = items.map((answers) => {
    const row = new Array<number | null>(workerOrder.length).fill(null);
    for (const [w, label] of answers) row[workerIndex.get(w)!] = label;
    return row;
  });
  const krippendorff = krippendorffAlpha(matrix, { level: "nominal" });

  // Pairwise agreement and leave-one-out kappa per worker.
  const pairs = new Map<string, { agree: number; total: number; own: number[]; others: number[]; items: number }>();
  for (const w of workerOrder) pairs.set(w, { agree: 0, total: 0, own: [], others: [], items: 0 });
  let agreeAll = 0;
  let totalAll = 0;
  for (const answers of items) {
    const entries = [...answers];
    for (const [w, label] of entries) {
      const stats = pairs.get(w)!;
      stats.items++;
      const others = entries.filter(([o]) => o !== w).map(([, l]) => l);
      if (others.length === 0) continue;
      const same = others.filter((l) => l === label).length;
      stats.agree += same;
      stats.total += others.length;
      agreeAll += same;
      totalAll += others.length;
      const consensus = pluralityVote(others);
      if (!consensus.tied) {
        stats.own.push(label);
        stats.others.push(consensus.value);
      }
    }
  }
  const workers = workerOrder.map((workerId): WorkerAgreement => {
    const s = pairs.get(workerId)!;
    const kappa = cohensKappa(s.own, s.others);
    return {
      workerId,
      items: s.items,
      pairwiseAgreement: s.total > 0 ? s.agree / s.total : null,
      kappaVsOthers: s.own.length === 0 ? { ...kappa, reason: "no item where the other workers had a majority label" } : kappa,
    };
  });
  return { fleiss, krippendorff, pairwiseAgreement: totalAll > 0 ? agreeAll / totalAll : null, workers };
}
