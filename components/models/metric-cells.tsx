import { formatMetric, type WireNumber } from "@/lib/metric-values";

/** The metrics worth a glance in a table row: validation ones first, at most `max`. */
export function headlineMetrics(metrics: Record<string, WireNumber>, max = 3): [string, WireNumber][] {
  return Object.entries(metrics)
    .sort(([a], [b]) => Number(b.startsWith("validation")) - Number(a.startsWith("validation")) || a.localeCompare(b))
    .slice(0, max);
}

export function MetricList({ metrics, max = 3 }: { metrics: Record<string, WireNumber>; max?: number }) {
  const shown = headlineMetrics(metrics, max);
  if (shown.length === 0) return <span className="text-zinc-400">–</span>;
  return (
    <span className="font-mono text-xs">
      {shown.map(([k, v], i) => (
        <span key={k} className={typeof v === "string" ? "text-red-600 dark:text-red-400" : undefined}>
          {i > 0 ? " · " : ""}
          {k.replace(/^validation:/, "")} {formatMetric(v)}
        </span>
      ))}
    </span>
  );
}
