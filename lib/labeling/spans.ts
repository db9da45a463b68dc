// Consolidation of named-entity spans marked by several workers on one text: overlapping spans are
// clustered by Jaccard similarity of their characters, boundaries taken by mode (median when there
// is no single mode), the label by majority; spans only a minority marked are dropped (see
// /work/shared/specs/labeling.md, "Consolidation"). Pure, no I/O.

import { clusterAcrossWorkers, mean } from "./cluster";
import { LabelingInputError, pluralityVote, requireFraction } from "./common";

/** A labeled span of characters [start, end) (UTF-16 offsets, end exclusive). */
export interface Span {
  start: number;
  end: number;
  label: string;
}

/** Everything one worker marked in the text (an empty list means "no entities"). */
export interface SpanResponse {
  workerId: string;
  spans: readonly Span[];
}

/** One consolidated entity. */
export interface ConsolidatedSpan extends Span {
  /** support / workers × meanJaccard, in [0, 1] (see consolidateSpans). */
  confidence: number;
  /** Workers who marked a span in this cluster (at most one span each). */
  support: number;
  /** Those workers, in response order. */
  workerIds: string[];
  /** Mean Jaccard similarity of the cluster's spans with the consolidated span, in [0, 1]. */
  meanJaccard: number;
  /** Share of the cluster's spans whose label is `label`. */
  labelShare: number;
}

export interface SpanConsolidation {
  /** Kept entities in text order (by start, then end, then label). */
  spans: ConsolidatedSpan[];
  /** Workers who answered (responses), including those who marked nothing. */
  workers: number;
  /** Clusters dropped because too few workers marked them. */
  dropped: number;
}

export interface SpanConsolidationOptions {
  /** Spans match when their mean Jaccard similarity is at least this. Default 0.5. */
  jaccardThreshold?: number;
  /** Keep a cluster when at least this share of the workers marked it. Default 0.5 ("at least half"). */
  minSupport?: number;
}

/**
 * Jaccard similarity of the character sets of two spans: |overlap| / |union|, in [0, 1]. "New York"
 * [0, 8) against "New York City" [0, 13) is 8 / 13 ≈ 0.62; spans that only touch have 0.
 */
export function spanJaccard(a: { start: number; end: number }, b: { start: number; end: number }): number {
  const overlap = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const union = a.end - a.start + (b.end - b.start) - overlap;
  return union > 0 ? overlap / union : 0;
}

/**
 * The most frequent value when exactly one value is most frequent; otherwise (several values share
 * the top count, e.g. all different) the median of all values, the lower middle one for an even
 * count so offsets stay integers. values must not be empty.
 */
export function modeOrMedian(values: readonly number[]): number {
  const vote = pluralityVote(values);
  return vote.tied ? lowerMedian(values) : vote.value;
}

/**
 * Consolidates the entity spans several workers marked on one text.
 *
 * 1. Matching: spans of all labels are clustered together (so "PER" vs "ORG" on the same words is a
 *    label vote, not two entities) with average-linkage clustering greedy by highest Jaccard, at
 *    most one span per worker per cluster, mean Jaccard ≥ jaccardThreshold (default 0.5: the spans
 *    share at least half of the characters either covers; see clusterAcrossWorkers).
 * 2. A cluster is kept when the workers who marked it are at least minSupport of all workers who
 *    answered (those who marked nothing count). With the default 0.5, 2 of 4 is kept, 1 of 3 dropped.
 * 3. start and end are chosen separately by modeOrMedian; should that give start ≥ end (possible
 *    only with very different spans) both are taken as lower medians instead, which always gives
 *    start < end (the j-th smallest start is below the j-th smallest end). The label is the most frequent one (ties: the smallest string in UTF-16 order).
 * 4. confidence = (support / workers) × mean Jaccard of its spans with the consolidated span. A
 *    single worker's span gets 1 (SageMaker writes 0.00 for one worker; the caller decides).
 *
 * Kept spans may overlap each other (nested entities marked by a majority stay).
 */
export function consolidateSpans(responses: readonly SpanResponse[], options: SpanConsolidationOptions = {}): SpanConsolidation {
  const threshold = options.jaccardThreshold ?? 0.5;
  const minSupport = options.minSupport ?? 0.5;
  requireFraction(threshold, "jaccardThreshold");
  requireFraction(minSupport, "minSupport");
  const workerIds = new Set<string>();
  const spans: Span[] = [];
  const workerOf: number[] = [];
  responses.forEach((response, w) => {
    if (workerIds.has(response.workerId)) throw new LabelingInputError(`worker ${response.workerId} answered this text more than once`);
    workerIds.add(response.workerId);
    for (const span of response.spans) {
      validateSpan(span, response.workerId);
      spans.push(span);
      workerOf.push(w);
    }
  });

  const workers = responses.length;
  const clusters = clusterAcrossWorkers(workerOf, (a, b) => spanJaccard(spans[a], spans[b]), threshold);
  const kept: ConsolidatedSpan[] = [];
  for (const cluster of clusters) {
    const support = cluster.length;
    if (support < minSupport * workers - 1e-9) continue;
    const members = cluster.map((i) => spans[i]);
    const { start, end } = boundaries(members);
    const vote = pluralityVote(members.map((s) => s.label));
    const consolidated = { start, end };
    const meanJaccard = mean(members.map((s) => spanJaccard(s, consolidated)));
    kept.push({
      start,
      end,
      label: vote.value,
      confidence: Math.min(1, (support / workers) * meanJaccard),
      support,
      workerIds: cluster.map((i) => responses[workerOf[i]].workerId),
      meanJaccard,
      labelShare: vote.count / support,
    });
  }
  kept.sort((a, b) => a.start - b.start || a.end - b.end || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return { spans: kept, workers, dropped: clusters.length - kept.length };
}

/** The consolidated [start, end) of a cluster's spans: by modeOrMedian, else by lower medians. */
function boundaries(members: readonly Span[]): { start: number; end: number } {
  const starts = members.map((s) => s.start);
  const ends = members.map((s) => s.end);
  const byMode = { start: modeOrMedian(starts), end: modeOrMedian(ends) };
  if (byMode.start < byMode.end) return byMode;
  return { start: lowerMedian(starts), end: lowerMedian(ends) };
}

/** The middle value of values (the lower of the two middle ones for an even count). values must not be empty. */
function lowerMedian(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Throws unless the span has integer offsets 0 ≤ start < end and a non-empty string label. */
function validateSpan(span: Span, workerId: string): void {
  if (!Number.isInteger(span.start) || !Number.isInteger(span.end) || span.start < 0 || span.end <= span.start) {
    throw new LabelingInputError(`span of worker ${workerId} must have integer offsets 0 ≤ start < end, got [${String(span.start)}, ${String(span.end)})`);
  }
  if (typeof span.label !== "string" || span.label === "") throw new LabelingInputError(`span [${span.start}, ${span.end}) of worker ${workerId} has no label`);
}
