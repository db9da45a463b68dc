// A tiny seeded pseudo-random generator for tests that need random-looking data that is the same on
// every run (never Math.random in tests).

/** Mulberry32: a 32-bit-state generator returning floats in [0, 1); the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n) drawn from random. */
export function randomInt(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** k distinct integers from [0, n), in random order (partial Fisher–Yates). */
export function sample(random: () => number, n: number, k: number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(random, n - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k);
}
