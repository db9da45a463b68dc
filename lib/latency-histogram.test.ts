import { describe, expect, it } from "vitest";
import { addInto, BUCKET_BOUNDS_MS, bucketOf, emptyBuckets, percentileOf } from "@/lib/latency-histogram";

describe("latency histogram", () => {
  it("puts a latency in the bucket whose upper bound is the first at or above it", () => {
    for (const ms of [0.05, 0.1, 0.5, 1, 2.3, 17, 950, 59_000]) {
      const i = bucketOf(ms);
      expect(BUCKET_BOUNDS_MS[i]).toBeGreaterThanOrEqual(ms * 0.9999);
      if (i > 0) expect(BUCKET_BOUNDS_MS[i - 1]).toBeLessThan(ms);
    }
    expect(bucketOf(10 ** 9)).toBe(BUCKET_BOUNDS_MS.length);
  });

  it("reads percentiles within a bucket's width, and merges by adding", () => {
    const a = emptyBuckets();
    for (let i = 1; i <= 100; i++) a[bucketOf(i)] += 1; // 1 … 100 ms
    const p50 = percentileOf(a, 50)!;
    const p99 = percentileOf(a, 99)!;
    expect(p50).toBeGreaterThanOrEqual(50);
    expect(p50).toBeLessThan(50 * 1.12);
    expect(p99).toBeGreaterThanOrEqual(99);
    expect(p99).toBeLessThan(99 * 1.12);
    expect(percentileOf(emptyBuckets(), 50)).toBeNull();
    const merged = addInto(emptyBuckets(), a);
    addInto(merged, a);
    expect(merged.reduce((x, y) => x + y, 0)).toBe(200);
    expect(percentileOf(merged, 50)).toBe(p50);
  });
});
