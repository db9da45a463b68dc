// Helpers for benchmarks: percentiles and the one-JSON-object-per-line output format.
export interface BenchLine {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  peer?: string;
  peer_value?: number;
  n: number;
}

export function emit(line: BenchLine): void {
  console.log(JSON.stringify(line));
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export async function time(fn: () => Promise<unknown>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}
