// Small numeric and validation helpers shared by the labeling consolidation modules. Pure, no I/O.

/**
 * Input that the consolidation functions cannot work with (a label out of range, a worker answering
 * the same item twice, a negative box). The worker that consolidates a job turns it into a failed
 * job naming the reason; it is never thrown for data that is merely degenerate (those give null
 * statistics with a reason instead).
 */
export class LabelingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LabelingInputError";
  }
}

/** log(Σ exp(xs[i])) for xs[from … from+length), computed without overflow; -Infinity when all are -Infinity. */
export function logSumExp(xs: ArrayLike<number>, from = 0, length = xs.length - from): number {
  let max = -Infinity;
  for (let i = from; i < from + length; i++) if (xs[i] > max) max = xs[i];
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = from; i < from + length; i++) sum += Math.exp(xs[i] - max);
  return max + Math.log(sum);
}

/** Index of the largest value in xs[from … from+length), relative to from; ties go to the lowest index. */
export function argmax(xs: ArrayLike<number>, from = 0, length = xs.length - from): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (xs[from + i] > xs[from + best]) best = i;
  return best;
}

/** Throws unless value is an integer in [0, limit). */
export function requireIndex(value: number, limit: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= limit) {
    throw new LabelingInputError(`${what} must be an integer from 0 to ${limit - 1}, got ${String(value)}`);
  }
}

/** Throws unless value is a finite number. */
export function requireFinite(value: number, what: string): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new LabelingInputError(`${what} must be a finite number, got ${String(value)}`);
  }
}

/** Throws unless value is an integer ≥ min. */
export function requireIntegerAtLeast(value: number, min: number, what: string): void {
  if (!Number.isInteger(value) || value < min) {
    throw new LabelingInputError(`${what} must be an integer ≥ ${min}, got ${String(value)}`);
  }
}

/** Throws unless value is a number in (0, 1]. */
export function requireFraction(value: number, what: string): void {
  if (typeof value !== "number" || !(value > 0 && value <= 1)) {
    throw new LabelingInputError(`${what} must be in (0, 1], got ${String(value)}`);
  }
}

/**
 * The value chosen by most voters, with the tie rule of the whole module: among equally frequent
 * values the smallest wins (numbers numerically, strings by UTF-16 code units — not locale order),
 * so the answer never depends on the order responses arrived in. Returns the winner, its count and
 * whether another value had as many votes. votes must not be empty.
 */
export function pluralityVote<T extends number | string>(votes: readonly T[]): { value: T; count: number; tied: boolean } {
  const counts = new Map<T, number>();
  for (const v of votes) counts.set(v, (counts.get(v) ?? 0) + 1);
  let value = votes[0];
  let count = 0;
  let tied = false;
  for (const [v, c] of counts) {
    if (c > count || (c === count && v < value)) {
      tied = c === count;
      value = v;
      count = c;
    } else if (c === count) {
      tied = true;
    }
  }
  return { value, count, tied };
}
