// Consolidation of bounding boxes drawn by several workers on one image: boxes around the same object
// are matched by IoU and averaged; objects only a minority of workers drew are dropped (see
// /work/shared/specs/labeling.md, "Consolidation"). Coordinates are pixels with a top-left origin, as
// in SageMaker's manifest and COCO. Pure, no I/O.

import { clusterAcrossWorkers, mean } from "./cluster";
import { LabelingInputError, pluralityVote, requireFinite, requireFraction } from "./common";

/** An axis-aligned box: top-left corner and size, in pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A box with the class index it was drawn for. */
export interface LabeledBox extends Box {
  classId: number;
}

/** Everything one worker drew on the image (an empty list means "no objects here"). */
export interface BoxResponse {
  workerId: string;
  boxes: readonly LabeledBox[];
}

/** One consolidated object. */
export interface ConsolidatedBox extends LabeledBox {
  /** support / workers × meanIou, in [0, 1] (see consolidateBoxes). */
  confidence: number;
  /** Workers who drew a box in this cluster (at most one box each). */
  support: number;
  /** Those workers, in response order. */
  workerIds: string[];
  /** Mean IoU of the cluster's boxes with the averaged box, in (0, 1]. */
  meanIou: number;
  /** Share of the cluster's boxes whose class is `classId`. */
  classShare: number;
}

export interface BoxConsolidation {
  /** Kept objects, most confident first (then top to bottom, left to right). */
  boxes: ConsolidatedBox[];
  /** Workers who answered (responses), including those who drew nothing. */
  workers: number;
  /** Clusters dropped because too few workers drew them. */
  dropped: number;
  /** Zero-area boxes (a click without a drag) left out before matching. */
  ignoredEmpty: number;
}

export interface BoxConsolidationOptions {
  /** Boxes match when their mean IoU is at least this. Default 0.5 (SageMaker does not publish its value). */
  iouThreshold?: number;
  /** Keep a cluster when at least this share of the workers drew it. Default 0.5 ("at least half"). */
  minSupport?: number;
}

/**
 * Intersection over union of two boxes, in [0, 1]. Boxes with zero area have IoU 0 with everything,
 * even with an identical zero-area box (the ratio is 0/0 there; 0 keeps it out of any match).
 */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left);
  const h = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
  const intersection = w > 0 && h > 0 ? w * h : 0;
  const union = Math.max(0, a.width) * Math.max(0, a.height) + Math.max(0, b.width) * Math.max(0, b.height) - intersection;
  return union > 0 ? intersection / union : 0;
}

/**
 * The box limited to the image [0, imageWidth] × [0, imageHeight], keeping its other fields, and
 * whether anything changed. A box entirely outside the image ends up with zero width or height on
 * the nearest edge.
 */
export function clampBox<T extends Box>(box: T, imageWidth: number, imageHeight: number): { box: T; changed: boolean } {
  const left = Math.min(Math.max(box.left, 0), imageWidth);
  const top = Math.min(Math.max(box.top, 0), imageHeight);
  const right = Math.min(Math.max(box.left + box.width, left), imageWidth);
  const bottom = Math.min(Math.max(box.top + box.height, top), imageHeight);
  const clamped = { ...box, left, top, width: right - left, height: bottom - top };
  const changed = clamped.left !== box.left || clamped.top !== box.top || clamped.width !== box.width || clamped.height !== box.height;
  return { box: changed ? clamped : box, changed };
}

/**
 * Consolidates the boxes several workers drew on one image.
 *
 * 0. Zero-area boxes are left out (counted in ignoredEmpty): they cannot overlap anything.
 * 1. Matching: boxes of all classes are clustered together (class-agnostic, so a cat one worker
 *    called a dog still matches; the class is decided by vote in step 3) with average-linkage
 *    clustering greedy by highest IoU, at most one box per worker per cluster, mean IoU ≥
 *    iouThreshold (see clusterAcrossWorkers). Two boxes one worker drew are never merged.
 * 2. A cluster is kept when the workers who drew it are at least minSupport of all workers who
 *    answered (those who drew nothing count: they said "no object"). With the default 0.5, 2 of 4
 *    is kept and 1 of 3 dropped; with 1 or 2 workers every box is kept.
 * 3. Each kept cluster becomes the mean of its boxes' edges (not rounded: round or clamp as the output
 *    needs), with the class most of its boxes have (ties: lowest class index).
 * 4. confidence = (support / workers) × mean IoU of its boxes with the averaged box: 1 when all
 *    workers drew the same box; lower when fewer workers drew it or they disagree on its extent. A
 *    single worker's box gets 1 (SageMaker writes 0.00 for single-worker items; the caller decides).
 */
export function consolidateBoxes(responses: readonly BoxResponse[], options: BoxConsolidationOptions = {}): BoxConsolidation {
  const threshold = options.iouThreshold ?? 0.5;
  const minSupport = options.minSupport ?? 0.5;
  requireFraction(threshold, "iouThreshold");
  requireFraction(minSupport, "minSupport");
  const workerIds = new Set<string>();
  const boxes: LabeledBox[] = [];
  const workerOf: number[] = [];
  let ignoredEmpty = 0;
  responses.forEach((response, w) => {
    if (workerIds.has(response.workerId)) throw new LabelingInputError(`worker ${response.workerId} answered this image more than once`);
    workerIds.add(response.workerId);
    for (const box of response.boxes) {
      validateBox(box, response.workerId);
      if (box.width === 0 || box.height === 0) {
        ignoredEmpty++;
        continue;
      }
      boxes.push(box);
      workerOf.push(w);
    }
  });

  const workers = responses.length;
  const clusters = clusterAcrossWorkers(workerOf, (a, b) => iou(boxes[a], boxes[b]), threshold);
  const kept: ConsolidatedBox[] = [];
  for (const cluster of clusters) {
    const support = cluster.length;
    if (support < minSupport * workers - 1e-9) continue;
    const members = cluster.map((i) => boxes[i]);
    const left = mean(members.map((b) => b.left));
    const top = mean(members.map((b) => b.top));
    const right = mean(members.map((b) => b.left + b.width));
    const bottom = mean(members.map((b) => b.top + b.height));
    const averaged: Box = { left, top, width: right - left, height: bottom - top };
    const meanIou = mean(members.map((b) => iou(b, averaged)));
    const vote = pluralityVote(members.map((b) => b.classId));
    kept.push({
      classId: vote.value,
      ...averaged,
      confidence: Math.min(1, (support / workers) * meanIou),
      support,
      workerIds: cluster.map((i) => responses[workerOf[i]].workerId),
      meanIou,
      classShare: vote.count / support,
    });
  }
  kept.sort((a, b) => b.confidence - a.confidence || a.top - b.top || a.left - b.left);
  return { boxes: kept, workers, dropped: clusters.length - kept.length, ignoredEmpty };
}

/** Throws unless the box has finite coordinates, a non-negative size and an integer class index ≥ 0. */
function validateBox(box: LabeledBox, workerId: string): void {
  const what = `box of worker ${workerId}`;
  for (const key of ["left", "top", "width", "height"] as const) requireFinite(box[key], `${what}: ${key}`);
  if (box.width < 0 || box.height < 0) throw new LabelingInputError(`${what} has a negative size (${box.width} × ${box.height})`);
  if (!Number.isInteger(box.classId) || box.classId < 0) throw new LabelingInputError(`${what}: classId must be an integer ≥ 0, got ${String(box.classId)}`);
}
