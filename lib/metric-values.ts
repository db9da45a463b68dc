// Metric values on the wire and in summaries: JSON has no NaN or infinities, so those travel as
// the strings "NaN", "Infinity" and "-Infinity" (what Python's json module and MLflow users expect).
// Browser-safe: the charts and the runs table decode with the same functions the server encodes with.
import { z } from "zod";

export const nonFiniteNames = ["NaN", "Infinity", "-Infinity"] as const;
export type WireNumber = number | (typeof nonFiniteNames)[number];

export const wireNumberSchema = z.union([z.number(), z.enum(nonFiniteNames)]);

export function toWire(value: number): WireNumber {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "Infinity" : "-Infinity";
}

export function fromWire(value: WireNumber): number {
  if (typeof value === "number") return value;
  return value === "NaN" ? Number.NaN : value === "Infinity" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/** For tables: numbers as people read them, non-finite values by name. */
export function formatMetric(value: WireNumber | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "number") return value === "Infinity" ? "∞" : value === "-Infinity" ? "−∞" : "NaN";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(3);
  return Number(value.toPrecision(5)).toString();
}

/** Sort key: NaN last, infinities at their ends. */
export function compareWire(a: WireNumber | null | undefined, b: WireNumber | null | undefined): number {
  const x = a === null || a === undefined ? Number.NaN : fromWire(a);
  const y = b === null || b === undefined ? Number.NaN : fromWire(b);
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
  if (Number.isNaN(y)) return -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface MetricSummary {
  latest: WireNumber;
  latestStep: number;
  min: WireNumber | null;
  max: WireNumber | null;
  count: number;
}

export const metricSummarySchema = z.object({
  latest: wireNumberSchema,
  latestStep: z.number(),
  min: wireNumberSchema.nullable(),
  max: wireNumberSchema.nullable(),
  count: z.number().int(),
});
