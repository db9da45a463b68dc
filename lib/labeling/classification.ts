// Consolidation of classification labels from several workers into one label per item: majority
// vote (the baseline) and the Dawid & Skene (1979) EM model that learns each worker's reliability,
// the classic form of what SageMaker Ground Truth does (see /work/shared/specs/labeling.md,
// "Consolidation"). Multi-label tasks are consolidated class by class as yes/no questions.
// Pure, no I/O: inputs are arrays of worker responses, outputs plain objects.
//
// Conventions of the whole module:
// - Items and workers are reported in the order they first appear in the responses.
// - Ties (equal votes, equal posteriors) go to the lowest class index, so the result never depends on
//   the order responses arrived in. For yes/no questions index 0 is "absent", so a tie means absent.
// - A worker answers an item at most once; a repeated (item, worker) pair is an input error, because
//   counting a resubmission twice would silently double that worker's vote.

import { argmax, LabelingInputError, logSumExp, requireIndex, requireIntegerAtLeast } from "./common";

/** One worker's answer for one item of a single-label classification task. */
export interface ClassResponse {
  itemId: string;
  workerId: string;
  /** Class index, 0 ≤ label < number of classes. */
  label: number;
}

/** Responses in index form: parallel arrays over responses, plus the id of each item and worker index. */
interface IndexedResponses {
  itemIds: string[];
  workerIds: string[];
  item: Int32Array;
  worker: Int32Array;
  label: Int32Array;
}

/**
 * Maps item and worker ids to dense indices (in order of first appearance) and checks every label
 * is a class index below `classes` and that no worker answers an item twice.
 */
function indexResponses(responses: readonly ClassResponse[], classes: number): IndexedResponses {
  const itemIndex = new Map<string, number>();
  const workerIndex = new Map<string, number>();
  const itemIds: string[] = [];
  const workerIds: string[] = [];
  const item = new Int32Array(responses.length);
  const worker = new Int32Array(responses.length);
  const label = new Int32Array(responses.length);
  const seen = new Set<string>();
  responses.forEach((r, n) => {
    requireIndex(r.label, classes, `label of item ${r.itemId} by worker ${r.workerId}`);
    let i = itemIndex.get(r.itemId);
    if (i === undefined) {
      i = itemIds.length;
      itemIndex.set(r.itemId, i);
      itemIds.push(r.itemId);
    }
    let w = workerIndex.get(r.workerId);
    if (w === undefined) {
      w = workerIds.length;
      workerIndex.set(r.workerId, w);
      workerIds.push(r.workerId);
    }
    const pair = `${i}:${w}`;
    if (seen.has(pair)) throw new LabelingInputError(`worker ${r.workerId} answered item ${r.itemId} more than once`);
    seen.add(pair);
    item[n] = i;
    worker[n] = w;
    label[n] = r.label;
  });
  return { itemIds, workerIds, item, worker, label };
}

/** Vote counts per item and class: counts[i * classes + k]. */
function voteCounts(indexed: IndexedResponses, classes: number): Float64Array {
  const counts = new Float64Array(indexed.itemIds.length * classes);
  for (let r = 0; r < indexed.item.length; r++) counts[indexed.item[r] * classes + indexed.label[r]] += 1;
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Majority vote

/** Majority-vote outcome for one item. */
export interface MajorityVoteItem {
  itemId: string;
  /** The class with the most votes; on a tie, the lowest tied class index. */
  label: number;
  /** Votes for `label` ÷ workers who answered the item, in (0, 1]. */
  voteShare: number;
  /** Votes per class (length = number of classes). */
  votes: number[];
  /** Workers who answered the item. */
  workers: number;
  /** Whether another class had as many votes as `label` (the tie rule picked it). */
  tied: boolean;
}

/**
 * Single-label majority vote: per item, the class most workers chose and the share of workers who
 * chose it. Ties go to the lowest class index (deterministic, independent of response order).
 * `classes` defaults to the largest label seen + 1.
 */
export function majorityVote(responses: readonly ClassResponse[], options: { classes?: number } = {}): MajorityVoteItem[] {
  const classes = options.classes ?? responses.reduce((m, r) => Math.max(m, r.label + 1), 1);
  requireIntegerAtLeast(classes, 1, "classes");
  const indexed = indexResponses(responses, classes);
  const counts = voteCounts(indexed, classes);
  return indexed.itemIds.map((itemId, i) => {
    const votes = Array.from(counts.subarray(i * classes, (i + 1) * classes));
    const label = argmax(votes);
    const workers = votes.reduce((a, b) => a + b, 0);
    const tied = votes.some((v, k) => k !== label && v === votes[label]);
    return { itemId, label, voteShare: votes[label] / workers, votes, workers, tied };
  });
}

// ---------------------------------------------------------------------------------------------
// Dawid–Skene

export interface DawidSkeneOptions {
  /** Number of classes K; labels are indices 0 … K-1. */
  classes: number;
  /** Upper bound on EM rounds (one M-step and one E-step each). Default 100. */
  maxIterations?: number;
  /**
   * Converged when no posterior probability moves by more than this in a round. Default 1e-6.
   * Deliberately not a log-likelihood test: on large jobs the likelihood flattens while items with
   * all-different answers, which hang on small off-diagonal confusion cells, still move (50,000 items
   * × 3 workers × 10 classes: the likelihood settles by round 40, one such item goes from 0.89 for
   * one class to 0.96 for another by round 80). Such a job may end at maxIterations unconverged
   * with its posteriors changing by well under 1 % per round.
   */
  tolerance?: number;
  /**
   * Dirichlet smoothing: this many pseudo-observations are added to each row of each worker's
   * confusion matrix, `priorAccuracy` of them on the diagonal and the rest spread evenly over the
   * other answers (and `smoothing` pseudo-observations, spread evenly, to the class counts). Default 2.
   * So a worker seen on one item of a class gets (1 + 1.4) / 3 = 0.8 on that diagonal cell instead of
   * 1, a class row it never saw is the prior (0.7 right) instead of 0/0, and with 100 items in a row
   * the estimate moves by at most 1.4 points. Equivalently the M-step is the MAP estimate under a Dirichlet
   * prior with these pseudo-counts + 1 (as in Kim & Ghahramani's Bayesian classifier combination),
   * so EM still increases the penalised likelihood every round.
   */
  smoothing?: number;
  /**
   * The accuracy assumed for a worker before any evidence, in (0, 1): the diagonal share of the
   * pseudo-observations. Default 0.7. It is all there is for a worker who shares no item with another
   * worker (see DawidSkeneWorker.assessed).
   */
  priorAccuracy?: number;
}

/** Consolidated label of one item. */
export interface DawidSkeneItem {
  itemId: string;
  /** argmax of the posterior; ties go to the lowest class index. */
  label: number;
  /**
   * Posterior probability of `label`, in [0, 1]. With a single worker on the item it is still the
   * model's probability (that worker's estimated reliability and the class priors), not 0. SageMaker
   * writes confidence 0.00 for single-worker items; whether to do the same is the caller's choice.
   */
  confidence: number;
  /** P(true class = k | all answers), k = 0 … K-1; sums to 1. */
  posterior: number[];
  /** Workers who answered the item. */
  workers: number;
}

/** Estimated reliability of one worker. */
export interface DawidSkeneWorker {
  workerId: string;
  /** Probability the worker's answer is right: Σ_k prior_k · confusion[k][k]. */
  accuracy: number;
  /** confusion[k][l] = P(worker answers l | true class k); rows sum to 1. */
  confusion: number[][];
  /** Items the worker answered. */
  items: number;
  /**
   * Whether the worker shares at least one item with another worker. One who does not cannot be
   * checked against anyone: every accuracy explains their answers equally well, and left to EM their
   * matrix drifts wherever the smoothing and the class priors push it (their items' labels with it).
   * So it is held at the prior (priorAccuracy on the diagonal, the rest spread evenly) and their
   * items get the posterior of one answer from a worker of that accuracy: the answer itself unless
   * the class priors strongly disagree, with a confidence that reflects the assumption, not evidence.
   */
  assessed: boolean;
}

export interface DawidSkeneResult {
  items: DawidSkeneItem[];
  workers: DawidSkeneWorker[];
  /** Estimated P(true class = k). */
  classPriors: number[];
  /** EM rounds run (0 when there are no responses). */
  iterations: number;
  /** Whether the posteriors settled within `tolerance` before `maxIterations`. */
  converged: boolean;
  /** log P(all answers | final priors and confusion matrices), summed over items (natural log). */
  logLikelihood: number;
}

/**
 * The Dawid & Skene (1979) model fitted by EM: each worker has a confusion matrix (probability of
 * each answer given the true class), items have a latent true class with prior probabilities, and
 * the posterior of each item's class combines the answers weighted by the workers' reliabilities.
 *
 * - Initialisation: soft majority vote (each item's posterior = its vote shares).
 * - M-step: class priors and confusion matrices from the posteriors, with `smoothing` (see options);
 *   workers who share no item with another worker keep the prior matrix (DawidSkeneWorker.assessed).
 * - E-step: log posterior_ik = log prior_k + Σ_workers log confusion_w[k][answer], normalised with
 *   log-sum-exp, so hundreds of answers per item neither underflow nor overflow.
 * - Stops when no posterior changes by more than `tolerance`, or after `maxIterations` rounds.
 *
 * Items may have any number of workers (1–9 in SageMaker) and workers may answer any subset.
 */
export function dawidSkene(responses: readonly ClassResponse[], options: DawidSkeneOptions): DawidSkeneResult {
  const K = options.classes;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-6;
  const smoothing = options.smoothing ?? 2;
  const priorAccuracy = options.priorAccuracy ?? 0.7;
  requireIntegerAtLeast(K, 1, "classes");
  requireIntegerAtLeast(maxIterations, 1, "maxIterations");
  if (!(tolerance > 0)) throw new LabelingInputError(`tolerance must be > 0, got ${String(tolerance)}`);
  if (!(smoothing > 0) || !Number.isFinite(smoothing)) throw new LabelingInputError(`smoothing must be a finite number > 0, got ${String(smoothing)}`);
  if (!(priorAccuracy > 0 && priorAccuracy < 1)) throw new LabelingInputError(`priorAccuracy must be in (0, 1), got ${String(priorAccuracy)}`);

  const indexed = indexResponses(responses, K);
  const N = indexed.itemIds.length;
  const W = indexed.workerIds.length;
  if (N === 0) return { items: [], workers: [], classPriors: new Array(K).fill(1 / K), iterations: 0, converged: true, logLikelihood: 0 };

  // Workers who share an item with another worker; the others keep the prior confusion matrix.
  const itemWorkers = new Int32Array(N);
  const workerItems = new Int32Array(W);
  for (let r = 0; r < indexed.item.length; r++) {
    itemWorkers[indexed.item[r]]++;
    workerItems[indexed.worker[r]]++;
  }
  const assessed = new Uint8Array(W);
  for (let r = 0; r < indexed.item.length; r++) if (itemWorkers[indexed.item[r]] >= 2) assessed[indexed.worker[r]] = 1;

  const pseudo = pseudoCounts(K, smoothing, priorAccuracy);
  let T = softMajority(indexed, K);
  let fit: DawidSkeneParameters;
  let iterations = 0;
  let converged = false;
  let logLikelihood: number;
  do {
    iterations++;
    fit = maximise(indexed, T, K, pseudo, assessed);
    const next = expectation(indexed, fit, N, K);
    logLikelihood = next.logLikelihood;
    converged = largestChange(T, next.posterior) <= tolerance;
    T = next.posterior;
  } while (!converged && iterations < maxIterations);

  const items = indexed.itemIds.map((itemId, i): DawidSkeneItem => {
    const posterior = Array.from(T.subarray(i * K, (i + 1) * K));
    const label = argmax(posterior);
    return { itemId, label, confidence: clamp01(posterior[label]), posterior, workers: itemWorkers[i] };
  });
  const classPriors = Array.from(fit.prior);
  const workers = indexed.workerIds.map((workerId, w): DawidSkeneWorker => {
    const matrix = Array.from({ length: K }, (_, k) => Array.from(fit.confusion.subarray((w * K + k) * K, (w * K + k + 1) * K)));
    const accuracy = classPriors.reduce((sum, p, k) => sum + p * matrix[k][k], 0);
    return { workerId, accuracy: clamp01(accuracy), confusion: matrix, items: workerItems[w], assessed: assessed[w] === 1 };
  });
  return { items, workers, classPriors, iterations, converged, logLikelihood };
}

/** Dirichlet pseudo-counts: per class count, and per confusion cell on and off the diagonal. */
interface PseudoCounts {
  /** Total added to the class counts (smoothing), spread evenly. */
  total: number;
  perClass: number;
  diagonal: number;
  offDiagonal: number;
}

/** The pseudo-counts of DawidSkeneOptions.smoothing and priorAccuracy (all on the diagonal when K = 1). */
function pseudoCounts(K: number, smoothing: number, priorAccuracy: number): PseudoCounts {
  return {
    total: smoothing,
    perClass: smoothing / K,
    diagonal: K === 1 ? smoothing : smoothing * priorAccuracy,
    offDiagonal: K === 1 ? 0 : (smoothing * (1 - priorAccuracy)) / (K - 1),
  };
}

/** Dawid–Skene parameters: class priors [k] and per-worker confusion matrices [w][k][l], flat. */
interface DawidSkeneParameters {
  prior: Float64Array;
  confusion: Float64Array;
}

/** Each item's vote shares, as the initial posteriors T[i * K + k]. */
function softMajority(indexed: IndexedResponses, K: number): Float64Array {
  const T = voteCounts(indexed, K);
  for (let i = 0; i < indexed.itemIds.length; i++) {
    let total = 0;
    for (let k = 0; k < K; k++) total += T[i * K + k];
    for (let k = 0; k < K; k++) T[i * K + k] /= total;
  }
  return T;
}

/**
 * M-step: class priors and confusion matrices from posteriors T, smoothed by the pseudo-counts (the
 * MAP estimate). Workers not assessed get the pseudo-counts alone, i.e. the prior matrix.
 */
function maximise(indexed: IndexedResponses, T: Float64Array, K: number, pseudo: PseudoCounts, assessed: Uint8Array): DawidSkeneParameters {
  const N = indexed.itemIds.length;
  const W = indexed.workerIds.length;
  const prior = new Float64Array(K).fill(pseudo.perClass);
  for (let i = 0; i < N; i++) for (let k = 0; k < K; k++) prior[k] += T[i * K + k];
  for (let k = 0; k < K; k++) prior[k] /= N + pseudo.total;

  const confusion = new Float64Array(W * K * K);
  for (let row = 0; row < W * K; row++) {
    for (let l = 0; l < K; l++) confusion[row * K + l] = l === row % K ? pseudo.diagonal : pseudo.offDiagonal;
  }
  for (let r = 0; r < indexed.item.length; r++) {
    if (!assessed[indexed.worker[r]]) continue;
    // Cell [w][k][label] for every k: the answer counts towards class k as much as the item is k.
    const base = indexed.worker[r] * K * K + indexed.label[r];
    const i = indexed.item[r];
    for (let k = 0; k < K; k++) confusion[base + k * K] += T[i * K + k];
  }
  for (let row = 0; row < W * K; row++) {
    let total = 0;
    for (let l = 0; l < K; l++) total += confusion[row * K + l];
    for (let l = 0; l < K; l++) confusion[row * K + l] /= total;
  }
  return { prior, confusion };
}

/**
 * E-step: posteriors T[i * K + k] ∝ prior_k · Π_answers confusion_w[k][answer], summed in log space
 * and normalised with log-sum-exp; also the log-likelihood of all answers under these parameters.
 */
function expectation(indexed: IndexedResponses, fit: DawidSkeneParameters, N: number, K: number): { posterior: Float64Array; logLikelihood: number } {
  const logT = new Float64Array(N * K);
  const logPrior = fit.prior.map(Math.log);
  const logConfusion = fit.confusion.map(Math.log);
  for (let i = 0; i < N; i++) logT.set(logPrior, i * K);
  for (let r = 0; r < indexed.item.length; r++) {
    const i = indexed.item[r];
    const base = indexed.worker[r] * K * K + indexed.label[r];
    for (let k = 0; k < K; k++) logT[i * K + k] += logConfusion[base + k * K];
  }
  const posterior = new Float64Array(N * K);
  let logLikelihood = 0;
  for (let i = 0; i < N; i++) {
    const z = logSumExp(logT, i * K, K);
    logLikelihood += z;
    for (let k = 0; k < K; k++) posterior[i * K + k] = Math.exp(logT[i * K + k] - z);
  }
  return { posterior, logLikelihood };
}

/** max_i |a[i] − b[i]|. */
function largestChange(a: Float64Array, b: Float64Array): number {
  let change = 0;
  for (let i = 0; i < a.length; i++) change = Math.max(change, Math.abs(a[i] - b[i]));
  return change;
}

/** x limited to [0, 1] (guards against 1 + 1e-16 from rounding). */
function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

// ---------------------------------------------------------------------------------------------
// Multi-label

/** One worker's answer for one item of a multi-label task: the set of classes that apply (may be empty). */
export interface MultiLabelResponse {
  itemId: string;
  workerId: string;
  labels: readonly number[];
}

export type MultiLabelMethod = "dawid-skene" | "majority";

export interface MultiLabelOptions {
  /** Number of classes; labels are indices 0 … classes-1. */
  classes: number;
  /**
   * "auto" (default): Dawid–Skene per class when the items have at least 2 workers on average,
   * majority otherwise. With (almost) one worker per item there is no overlap between workers to
   * learn their reliability from: EM would just return each worker's own answers with confidences
   * that only reflect `priorAccuracy`.
   */
  method?: MultiLabelMethod | "auto";
  maxIterations?: number;
  tolerance?: number;
  smoothing?: number;
  priorAccuracy?: number;
}

/** Consolidated answer of one multi-label item. */
export interface MultiLabelItem {
  itemId: string;
  /** Classes judged present (ascending). A class is present when P(present) > 0.5; exactly 0.5 is absent. */
  labels: number[];
  /** P(present) of each chosen class, keyed by class index as a string (SageMaker's "confidence-map"). */
  confidenceMap: Record<string, number>;
  /** P(present) of every class (length = classes): the posterior, or the vote share under majority. */
  presentProbability: number[];
  /** Workers who answered the item. */
  workers: number;
}

export interface MultiLabelResult {
  items: MultiLabelItem[];
  /** How each class's yes/no question was decided. */
  method: MultiLabelMethod;
  /** Per class: EM rounds and convergence (null under majority). */
  perClass: { classId: number; iterations: number | null; converged: boolean | null }[];
}

/**
 * Multi-label consolidation: every class is an independent yes/no question ("does class c apply?")
 * answered by every worker who saw the item (a class the worker did not select is a "no"). Each
 * question is decided by a two-class Dawid–Skene model (per class, so a worker may be reliable for
 * one class and careless for another) or by majority vote (see `method`). Under majority, P(present)
 * is the share of workers who selected the class and a tie (e.g. 1 of 2) means absent.
 */
export function consolidateMultiLabel(responses: readonly MultiLabelResponse[], options: MultiLabelOptions): MultiLabelResult {
  const classes = options.classes;
  requireIntegerAtLeast(classes, 1, "classes");
  const present = responses.map((r) => {
    const set = new Set<number>();
    for (const c of r.labels) {
      requireIndex(c, classes, `label of item ${r.itemId} by worker ${r.workerId}`);
      set.add(c);
    }
    return set;
  });
  const itemIds = [...new Set(responses.map((r) => r.itemId))];
  const workersPerItem = itemIds.length === 0 ? 0 : responses.length / itemIds.length;
  const method: MultiLabelMethod =
    options.method === undefined || options.method === "auto" ? (workersPerItem >= 2 ? "dawid-skene" : "majority") : options.method;

  const probability: number[][] = itemIds.map(() => new Array(classes).fill(0));
  const itemIndex = new Map(itemIds.map((id, i) => [id, i]));
  const perClass: MultiLabelResult["perClass"] = [];
  let workerCounts: number[] = itemIds.map(() => 0);
  for (let c = 0; c < classes; c++) {
    const binary: ClassResponse[] = responses.map((r, n) => ({ itemId: r.itemId, workerId: r.workerId, label: present[n].has(c) ? 1 : 0 }));
    if (method === "dawid-skene") {
      const { maxIterations, tolerance, smoothing, priorAccuracy } = options;
      const fit = dawidSkene(binary, { classes: 2, maxIterations, tolerance, smoothing, priorAccuracy });
      for (const item of fit.items) probability[itemIndex.get(item.itemId)!][c] = item.posterior[1];
      perClass.push({ classId: c, iterations: fit.iterations, converged: fit.converged });
      if (c === 0) workerCounts = fit.items.map((item) => item.workers);
    } else {
      const votes = majorityVote(binary, { classes: 2 });
      for (const item of votes) probability[itemIndex.get(item.itemId)!][c] = item.votes[1] / item.workers;
      perClass.push({ classId: c, iterations: null, converged: null });
      if (c === 0) workerCounts = votes.map((item) => item.workers);
    }
  }

  const items = itemIds.map((itemId, i): MultiLabelItem => {
    const labels: number[] = [];
    const confidenceMap: Record<string, number> = {};
    probability[i].forEach((p, c) => {
      if (p > 0.5) {
        labels.push(c);
        confidenceMap[String(c)] = p;
      }
    });
    return { itemId, labels, confidenceMap, presentProbability: probability[i], workers: workerCounts[i] };
  });
  return { items, method, perClass };
}
