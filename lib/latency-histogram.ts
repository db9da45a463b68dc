// A fixed log-scale latency histogram: small enough to keep per endpoint, variant and minute,
// mergeable by adding counts, and good for percentiles within one bucket (~12 % wide).

/** Upper bounds in ms: 0.1 ms × 1.12^i, up to past 60 s. */
export const BUCKET_BOUNDS_MS: readonly number[] = Array.from({ length: 120 }, (_, i) => 0.1 * 1.12 ** i);

export function emptyBuckets(): number[] {
  return new Array(BUCKET_BOUNDS_MS.length + 1).fill(0);
}

export function bucketOf(ms: number): number {
  if (!(ms > BUCKET_BOUNDS_MS[0])) return 0;
  const i = Math.ceil(Math.log(ms / 0.1) / Math.log(1.12));
  return Math.min(Math.max(i, 0), BUCKET_BOUNDS_MS.length);
}

export function addInto(target: number[], source: readonly number[]): number[] {
  for (let i = 0; i < target.length; i++) target[i] += source[i] ?? 0;
  return target;
}

/** The p-th percentile (0–100) in ms: the upper bound of the bucket that holds it; null when empty. */
export function percentileOf(buckets: readonly number[], p: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i];
    if (seen >= rank) return BUCKET_BOUNDS_MS[Math.min(i, BUCKET_BOUNDS_MS.length - 1)];
  }
  return BUCKET_BOUNDS_MS[BUCKET_BOUNDS_MS.length - 1];
}
