// Grouping of annotations (boxes, spans) drawn by different workers around the same object, used by
// boxes.ts and spans.ts. Pure, no I/O.

/**
 * Clusters annotations so that each cluster holds at most one annotation per worker and the
 * annotations in it are similar on average.
 *
 * Method: average-linkage agglomerative clustering, greedy by highest linkage. Every annotation
 * starts alone; repeatedly, of all pairs of clusters with no worker in common, the pair with the
 * highest mean pairwise similarity (over all cross pairs) is merged, as long as that mean is ≥
 * threshold. Exact ties go to the pair whose clusters have the lowest first-member indices, so the
 * result is deterministic (input order matters only for exactly equal similarities).
 *
 * Why average linkage: single linkage chains neighbouring objects together; complete linkage
 * splits one object's boxes into two clusters when one worker's box is a little off, which with 4
 * workers would give two clusters of 2 and so two kept copies of the same object. The one-per-worker
 * rule keeps two objects one worker drew separately apart however close they are.
 *
 * Cost: O(n²) similarities and O(n³) in the worst case for n annotations of one image or text
 * (n = a few hundred at most: 9 workers × tens of objects).
 *
 * @param workerOf worker index of annotation i
 * @param similarity symmetric similarity in [0, 1] of annotations a and b (IoU, Jaccard)
 * @param threshold merge while the mean similarity is ≥ threshold (0 < threshold ≤ 1)
 * @returns clusters as lists of annotation indices (ascending), ordered by their first member
 */
export function clusterAcrossWorkers(
  workerOf: readonly number[],
  similarity: (a: number, b: number) => number,
  threshold: number,
): number[][] {
  const n = workerOf.length;
  // link[a * n + b]: sum of similarities between the members of clusters a and b (a cluster is named by its first member).
  const link = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const s = workerOf[a] === workerOf[b] ? 0 : similarity(a, b);
      link[a * n + b] = s;
      link[b * n + a] = s;
    }
  }
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const workers: Set<number>[] = workerOf.map((w) => new Set([w]));
  const alive: boolean[] = new Array(n).fill(true);

  for (;;) {
    let bestA = -1;
    let bestB = -1;
    let best = -Infinity;
    for (let a = 0; a < n; a++) {
      if (!alive[a]) continue;
      for (let b = a + 1; b < n; b++) {
        if (!alive[b]) continue;
        const mean = link[a * n + b] / (members[a].length * members[b].length);
        if (mean > best && mean >= threshold && disjoint(workers[a], workers[b])) {
          best = mean;
          bestA = a;
          bestB = b;
        }
      }
    }
    if (bestA < 0) break;
    // Merge bestB into bestA (bestA < bestB, so the cluster keeps the lower first member).
    for (let c = 0; c < n; c++) {
      if (!alive[c] || c === bestA || c === bestB) continue;
      const s = link[bestA * n + c] + link[bestB * n + c];
      link[bestA * n + c] = s;
      link[c * n + bestA] = s;
    }
    members[bestA] = [...members[bestA], ...members[bestB]].sort((x, y) => x - y);
    for (const w of workers[bestB]) workers[bestA].add(w);
    alive[bestB] = false;
  }
  return members.filter((_, i) => alive[i]);
}

/** Whether two sets share no element. */
function disjoint(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) return false;
  return true;
}

/** Mean of values; 0 for an empty list. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
