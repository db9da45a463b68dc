"use client";

import { Line, LineChart, Tooltip, YAxis } from "recharts";
import { fromWire } from "@/lib/metric-values";
import { useMetricHistory } from "@/components/experiments/use-experiments";

/** A metric's curve in a table row: small, no axes; followed while the job runs. */
export function MetricSparkline({ runId, metricKey, follow }: { runId: string; metricKey: string; follow: boolean }) {
  const { data } = useMetricHistory(runId, metricKey, {}, follow);
  const points = (data?.points ?? []).map(([step, value]) => ({ step, value: fromWire(value) })).filter((p) => Number.isFinite(p.value));
  if (points.length < 2) return null;
  return (
    <LineChart width={104} height={24} data={points} role="img" aria-label={`Curve of ${metricKey}`}>
      <YAxis hide domain={["auto", "auto"]} />
      <Tooltip
        cursor={false}
        contentStyle={{ fontSize: 11, padding: "2px 6px" }}
        labelFormatter={(_, payload) => `step ${payload?.[0]?.payload?.step ?? ""}`}
        formatter={(v) => [Number(v).toPrecision(4), metricKey]}
      />
      <Line type="monotone" dataKey="value" stroke="#0284c7" strokeWidth={1.5} dot={false} isAnimationActive={false} />
    </LineChart>
  );
}
