import "server-only";
import { toWire, type WireNumber } from "@/lib/metric-values";

/**
 * SageMaker-style metric definitions: each log line is matched against every `{ Name, Regex }`;
 * the first capture group of each match is the value (every match on a line counts).
 */
export function metricPointsFromLogs(definitions: { Name: string; Regex: string }[], lines: string[], timestamp: number): { key: string; value: WireNumber; timestamp: number }[] {
  const compiled = definitions.map((d) => ({ key: d.Name, pattern: new RegExp(d.Regex, "g") }));
  const points: { key: string; value: WireNumber; timestamp: number }[] = [];
  for (const line of lines) {
    if (line.length === 0 || line.length > 10_000) continue;
    for (const { key, pattern } of compiled) {
      pattern.lastIndex = 0;
      for (const match of line.matchAll(pattern)) {
        const text = match[1];
        if (text === undefined) continue;
        const value = parseMetricNumber(text);
        if (value !== null) points.push({ key, value: toWire(value), timestamp });
        if (match[0].length === 0) break;
      }
    }
  }
  return points;
}

/** Numbers as Python prints them, including nan / inf. */
function parseMetricNumber(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === "nan" || t === "-nan") return Number.NaN;
  if (t === "inf" || t === "infinity" || t === "+inf") return Number.POSITIVE_INFINITY;
  if (t === "-inf" || t === "-infinity") return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) return null;
  return Number(t);
}
