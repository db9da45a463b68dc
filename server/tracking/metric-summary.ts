import "server-only";
import { fromWire, toWire, type MetricSummary } from "@/lib/metric-values";
import type { MetricPoint } from "@/server/tracking/metric-chunks";

/**
 * Folds points into a key's summary. "Latest" is MLflow's rule: the highest step, then the latest
 * timestamp, then the last logged. NaN takes no part in min and max; infinities do.
 */
export function mergeSummary(previous: MetricSummary | null, points: readonly MetricPoint[]): MetricSummary {
  let latestStep = previous?.latestStep ?? Number.NEGATIVE_INFINITY;
  let latest = previous ? fromWire(previous.latest) : Number.NaN;
  let latestAt = Number.NEGATIVE_INFINITY;
  let min = previous?.min === null || previous?.min === undefined ? Number.NaN : fromWire(previous.min);
  let max = previous?.max === null || previous?.max === undefined ? Number.NaN : fromWire(previous.max);
  for (const p of points) {
    if (p.step > latestStep || (p.step === latestStep && p.timestamp >= latestAt)) {
      latestStep = p.step;
      latestAt = p.timestamp;
      latest = p.value;
    }
    if (!Number.isNaN(p.value)) {
      if (Number.isNaN(min) || p.value < min) min = p.value;
      if (Number.isNaN(max) || p.value > max) max = p.value;
    }
  }
  return {
    latest: toWire(latest),
    latestStep,
    min: Number.isNaN(min) ? null : toWire(min),
    max: Number.isNaN(max) ? null : toWire(max),
    count: (previous?.count ?? 0) + points.length,
  };
}

export function serializeSummary(summary: MetricSummary): string {
  return JSON.stringify(summary);
}

/** Summaries are written only by serializeSummary; reading thousands for a runs table skips re-validation. */
export function parseSummary(text: string): MetricSummary {
  return JSON.parse(text) as MetricSummary;
}
