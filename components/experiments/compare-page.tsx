"use client";

import Link from "next/link";
import { memo, useCallback, useEffect, useMemo, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from "recharts";
import { formatMetric, fromWire } from "@/lib/metric-values";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import { MetricChart, type ChartSeries } from "@/components/experiments/metric-chart";
import { ParallelCoordinates, type PcRun } from "@/components/experiments/parallel-coordinates";
import { runColor, RunStatusBadge } from "@/components/experiments/run-status";
import { compareQueryOptions, useCompareSeries, useExperiment, type RunView, type StepRange } from "@/components/experiments/use-experiments";
import { linkClass } from "@/components/ui/link";

const collator = new Intl.Collator(undefined, { numeric: true });
const DEFAULT_CHARTS = 6;

interface ComparedRun {
  run: RunView;
  color: string;
}

/** One metric key's curves for every compared run; zooming re-fetches the range through the compare endpoint. */
const CompareChart = memo(function CompareChart({ experimentId, runs, metricKey, hidden }: { experimentId: string; runs: ComparedRun[]; metricKey: string; hidden: ReadonlySet<string> }) {
  const [range, setRange] = useState<StepRange>({});
  const runIds = useMemo(() => runs.map((r) => r.run.id), [runs]);
  const { data, isFetching, error } = useCompareSeries(experimentId, runIds, metricKey, range);
  const series = useMemo<ChartSeries[]>(() => {
    const byRun = new Map((data ?? []).map((s) => [s.runId, s]));
    return runs.filter((r) => byRun.get(r.run.id)?.points.length).map((r) => ({ id: r.run.id, label: r.run.name, color: r.color, points: byRun.get(r.run.id)!.points }));
  }, [data, runs]);
  const without = data ? runs.filter((r) => !data.some((s) => s.runId === r.run.id && s.total > 0)) : [];
  const downsampled = data?.some((s) => s.downsampled);
  return (
    <div>
      <MetricChart
        title={metricKey}
        series={series}
        range={range}
        onZoom={setRange}
        loading={isFetching}
        hidden={hidden}
        footer={
          <>
            {downsampled ? "Long curves are downsampled on the server; zoom in for every point. " : ""}
            {without.length > 0 ? `Not logged by ${without.map((r) => r.run.name).join(", ")}.` : ""}
          </>
        }
      />
      <ErrorNotice error={error} />
    </div>
  );
});

function Legend({ runs, hidden, onToggle }: { runs: ComparedRun[]; hidden: ReadonlySet<string>; onToggle: (id: string) => void }) {
  return (
    <ul aria-label="Runs compared" className="mb-4 flex flex-wrap gap-1.5">
      {runs.map(({ run, color }) => {
        const off = hidden.has(run.id);
        return (
          <li key={run.id}>
            <button
              type="button"
              aria-pressed={!off}
              title={off ? `Show ${run.name} in the charts` : `Hide ${run.name} from the charts`}
              onClick={() => onToggle(run.id)}
              className={`inline-flex items-center gap-1.5 rounded-full border px-2.5 py-1 text-xs ${off ? "border-zinc-200 text-zinc-400 line-through dark:border-zinc-800" : "border-zinc-300 bg-white dark:border-zinc-700 dark:bg-zinc-900"}`}
            >
              <span className="size-2.5 rounded-full" style={{ background: off ? "transparent" : color, boxShadow: `inset 0 0 0 1.5px ${color}` }} />
              {run.name}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function KeyChooser({ label, keys, chosen, onChange }: { label: string; keys: string[]; chosen: string[]; onChange: (keys: string[]) => void }) {
  const set = new Set(chosen);
  return (
    <fieldset className="mb-3 flex flex-wrap items-center gap-1.5">
      <legend className="sr-only">{label}</legend>
      <span className="mr-1 text-xs font-medium text-zinc-500">{label}:</span>
      {keys.map((k) => (
        <label
          key={k}
          className={`inline-flex cursor-pointer items-center gap-1 rounded-md border px-2 py-0.5 font-mono text-xs ${set.has(k) ? "border-sky-400 bg-sky-50 text-sky-900 dark:border-sky-700 dark:bg-sky-950 dark:text-sky-200" : "border-zinc-300 text-zinc-600 dark:border-zinc-700 dark:text-zinc-400"}`}
        >
          <input type="checkbox" className="sr-only" checked={set.has(k)} onChange={() => onChange(set.has(k) ? chosen.filter((c) => c !== k) : [...chosen, k].sort(collator.compare))} />
          {k}
        </label>
      ))}
    </fieldset>
  );
}

function numericOrText(v: string): number | string {
  const n = v.trim() === "" ? Number.NaN : Number(v);
  return Number.isFinite(n) ? n : v;
}

function Scatterplot({ runs, xParam, yMetric }: { runs: ComparedRun[]; xParam: string; yMetric: string }) {
  const points = runs
    .map(({ run, color }) => {
      const xv = run.params[xParam];
      const m = run.metrics[yMetric];
      const y = m ? fromWire(m.latest) : Number.NaN;
      return xv === undefined || !Number.isFinite(y) ? null : { run, color, xRaw: xv, y };
    })
    .filter((p): p is NonNullable<typeof p> => p !== null);
  const numeric = points.every((p) => typeof numericOrText(p.xRaw) === "number");
  const categories = numeric ? [] : [...new Set(points.map((p) => p.xRaw))].sort(collator.compare);
  const data = points.map((p) => ({ ...p, x: numeric ? Number(p.xRaw) : categories.indexOf(p.xRaw) }));
  const left = runs.length - points.length;
  return (
    <div>
      {data.length === 0 ? (
        <p className="grid h-60 place-items-center text-sm text-zinc-500">No run has both {xParam} and a finite {yMetric}.</p>
      ) : (
        <div role="img" aria-label={`${yMetric} against ${xParam}`} data-testid="param-scatter">
          <ResponsiveContainer width="100%" height={260}>
          <ScatterChart margin={{ top: 10, right: 16, bottom: 20, left: 4 }}>
            <CartesianGrid stroke="#a1a1aa" strokeOpacity={0.25} />
            <XAxis
              type="number"
              dataKey="x"
              name={xParam}
              domain={numeric ? ["auto", "auto"] : [-0.5, categories.length - 0.5]}
              ticks={numeric ? undefined : categories.map((_, i) => i)}
              tickFormatter={(v: number) => (numeric ? formatMetric(v) : (categories[v] ?? ""))}
              padding={{ left: 16, right: 16 }}
              tick={{ fontSize: 11, fill: "#71717a" }}
              stroke="#a1a1aa"
              label={{ value: `params.${xParam}`, position: "insideBottom", offset: -12, fontSize: 11, fill: "#71717a" }}
            />
            <YAxis type="number" dataKey="y" name={yMetric} domain={["auto", "auto"]} padding={{ top: 12, bottom: 12 }} width={60} tickFormatter={(v: number) => formatMetric(v)} tick={{ fontSize: 11, fill: "#71717a" }} stroke="#a1a1aa" />
            <ZAxis range={[70, 70]} />
            <Tooltip
              isAnimationActive={false}
              cursor={{ strokeDasharray: "3 3" }}
              content={({ payload }) => {
                const p = payload?.[0]?.payload as (typeof data)[number] | undefined;
                if (!p) return null;
                return (
                  <div className="rounded-md border border-zinc-200 bg-white px-2 py-1 text-xs shadow-md dark:border-zinc-700 dark:bg-zinc-900">
                    <div className="font-medium">{p.run.name}</div>
                    <div className="font-mono">
                      {xParam} = {p.xRaw}
                    </div>
                    <div className="font-mono">
                      {yMetric} = {formatMetric(p.y)}
                    </div>
                  </div>
                );
              }}
            />
            {data.map((d) => (
              <Scatter key={d.run.id} name={d.run.name} data={[d]} fill={d.color} isAnimationActive={false} />
            ))}
          </ScatterChart>
          </ResponsiveContainer>
        </div>
      )}
      {left > 0 ? <p className="text-xs text-zinc-500">{left} run{left === 1 ? "" : "s"} without {xParam} or a finite {yMetric} not shown.</p> : null}
    </div>
  );
}

/** Runs side by side: overlaid curves per metric, parallel coordinates of params → a metric, and a param-vs-metric scatter. */
export function ComparePage({ experimentId, runIds, initialKeys }: { experimentId: string; runIds: string[]; initialKeys: string[] }) {
  const { data, error, isLoading } = useExperiment(experimentId);
  // The curves named in the address are requested at once, beside the runs list they would
  // otherwise wait for (the charts then find them in the cache).
  const queryClient = useQueryClient();
  useEffect(() => {
    for (const key of initialKeys) void queryClient.prefetchQuery(compareQueryOptions(experimentId, runIds, key, {}));
    // Once per page: the address's keys and runs.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const compared = useMemo<ComparedRun[]>(() => {
    const byId = new Map((data?.runs ?? []).map((r) => [r.id, r]));
    return runIds.filter((id) => byId.has(id)).map((id, i) => ({ run: byId.get(id)!, color: runColor(i) }));
  }, [data, runIds]);
  const metricKeys = useMemo(() => [...new Set(compared.flatMap((c) => Object.keys(c.run.metrics)))].sort(collator.compare), [compared]);
  const paramKeys = useMemo(() => [...new Set(compared.flatMap((c) => Object.keys(c.run.params)))].sort(collator.compare), [compared]);
  // Params whose value differs between the runs say the most; the rest are the same everywhere.
  const varying = useMemo(() => paramKeys.filter((k) => new Set(compared.map((c) => c.run.params[k])).size > 1), [paramKeys, compared]);

  const [chosenKeys, setChosenKeys] = useState<string[] | null>(null);
  const fromAddress = initialKeys.filter((k) => metricKeys.includes(k));
  const keys = chosenKeys ?? (fromAddress.length > 0 ? fromAddress : metricKeys.slice(0, DEFAULT_CHARTS));
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const toggle = useCallback((id: string) => setHidden((h) => {
    const next = new Set(h);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  }), []);
  const [pcParams, setPcParams] = useState<string[] | null>(null);
  const axesParams = pcParams ?? (varying.length > 0 ? varying : paramKeys).slice(0, 6);
  const [pcMetric, setPcMetric] = useState<string | null>(null);
  const metric = pcMetric ?? keys[0] ?? metricKeys[0] ?? "";
  const [xParam, setXParam] = useState<string | null>(null);
  const scatterX = xParam ?? varying[0] ?? paramKeys[0] ?? "";
  const [yMetric, setYMetric] = useState<string | null>(null);
  const scatterY = yMetric ?? metric;

  const shownRuns = useMemo(() => compared.filter((c) => !hidden.has(c.run.id)), [compared, hidden]);
  const pcRuns = useMemo<PcRun[]>(
    () =>
      shownRuns.map(({ run, color }) => ({
        id: run.id,
        label: run.name,
        color,
        values: {
          ...Object.fromEntries(axesParams.map((k) => [`params.${k}`, run.params[k] === undefined ? undefined : numericOrText(run.params[k])])),
          ...(metric ? { [`metrics.${metric}`]: run.metrics[metric] ? fromWire(run.metrics[metric].latest) : undefined } : {}),
        },
      })),
    [shownRuns, axesParams, metric],
  );
  const axes = useMemo(() => [...axesParams.map((k) => `params.${k}`), ...(metric ? [`metrics.${metric}`] : [])], [axesParams, metric]);

  if (isLoading) return <p className="text-sm text-zinc-500">Loading runs…</p>;
  if (error || !data) return <ErrorNotice error={error ?? new Error("Experiment not found.")} />;
  const missing = runIds.length - compared.length;

  return (
    <>
      <PageHeader
        title={`Compare ${compared.length} run${compared.length === 1 ? "" : "s"}`}
        description={
          <>
            In{" "}
            <Link href={`/experiments/${experimentId}`} className={linkClass}>
              {data.experiment.name}
            </Link>{" "}
            · {data.experiment.projectName}
          </>
        }
      />
      {missing > 0 ? <ErrorNotice error={new Error(`${missing} of the runs in the address are not in this experiment (deleted, or a wrong link) and are left out.`)} /> : null}
      {compared.length === 0 ? (
        <EmptyState title="No runs to compare">
          Tick runs in the{" "}
          <Link href={`/experiments/${experimentId}`} className={linkClass}>
            runs table
          </Link>{" "}
          and press Compare.
        </EmptyState>
      ) : (
        <>
          <Legend runs={compared} hidden={hidden} onToggle={toggle} />

          <section aria-label="Metric curves" className="mb-8">
            <h2 className="mb-2 text-sm font-semibold">Metric curves</h2>
            {metricKeys.length === 0 ? (
              <p className="text-sm text-zinc-500">These runs logged no metrics.</p>
            ) : (
              <>
                <KeyChooser label="Charts" keys={metricKeys} chosen={keys} onChange={setChosenKeys} />
                <div className="grid gap-4 lg:grid-cols-2">
                  {keys.map((k) => (
                    <CompareChart key={k} experimentId={experimentId} runs={compared} metricKey={k} hidden={hidden} />
                  ))}
                </div>
              </>
            )}
          </section>

          <div className="mb-8 grid gap-6 xl:grid-cols-[3fr_2fr]">
            <section aria-label="Parallel coordinates" className="min-w-0 rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
              <h2 className="mb-2 text-sm font-semibold">Parallel coordinates</h2>
              {paramKeys.length === 0 && !metric ? (
                <p className="text-sm text-zinc-500">These runs logged no params or metrics.</p>
              ) : (
                <>
                  <KeyChooser label="Params" keys={paramKeys} chosen={axesParams} onChange={setPcParams} />
                  <label className="mb-2 flex items-center gap-2 text-xs text-zinc-500">
                    Metric
                    <select aria-label="Parallel coordinates metric" value={metric} onChange={(e) => setPcMetric(e.target.value)} className={`${controlClass} py-1 font-mono text-xs`}>
                      {metricKeys.map((k) => (
                        <option key={k}>{k}</option>
                      ))}
                    </select>
                    <span>(latest value)</span>
                  </label>
                  <ParallelCoordinates runs={pcRuns} axes={axes} />
                </>
              )}
            </section>
            <section aria-label="Param vs metric" className="min-w-0 rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
              <h2 className="mb-2 text-sm font-semibold">Param vs metric</h2>
              {paramKeys.length === 0 || metricKeys.length === 0 ? (
                <p className="text-sm text-zinc-500">Needs runs with params and metrics.</p>
              ) : (
                <>
                  <div className="mb-2 flex flex-wrap gap-3 text-xs text-zinc-500">
                    <label className="flex items-center gap-1.5">
                      x
                      <select aria-label="Scatter x param" value={scatterX} onChange={(e) => setXParam(e.target.value)} className={`${controlClass} py-1 font-mono text-xs`}>
                        {paramKeys.map((k) => (
                          <option key={k}>{k}</option>
                        ))}
                      </select>
                    </label>
                    <label className="flex items-center gap-1.5">
                      y
                      <select aria-label="Scatter y metric" value={scatterY} onChange={(e) => setYMetric(e.target.value)} className={`${controlClass} py-1 font-mono text-xs`}>
                        {metricKeys.map((k) => (
                          <option key={k}>{k}</option>
                        ))}
                      </select>
                    </label>
                  </div>
                  <Scatterplot runs={shownRuns} xParam={scatterX} yMetric={scatterY} />
                </>
              )}
            </section>
          </div>

          <section aria-label="Side by side" className="mb-8">
            <h2 className="mb-2 text-sm font-semibold">Side by side</h2>
            <Table label="Runs side by side">
              <thead>
                <tr>
                  <Th>Run</Th>
                  <Th>Status</Th>
                  {varying.map((k) => (
                    <Th key={`p-${k}`} className="normal-case">
                      <span className="text-zinc-400">params.</span>
                      {k}
                    </Th>
                  ))}
                  {metricKeys.map((k) => (
                    <Th key={`m-${k}`} className="text-right normal-case">
                      {k}
                    </Th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {compared.map(({ run, color }) => (
                  <tr key={run.id}>
                    <Td>
                      <span className="mr-1.5 inline-block size-2.5 rounded-full" style={{ background: color }} />
                      <Link href={`/runs/${run.id}`} className={linkClass}>
                        {run.name}
                      </Link>
                    </Td>
                    <Td>
                      <RunStatusBadge status={run.status} />
                    </Td>
                    {varying.map((k) => (
                      <Td key={`p-${k}`} className="font-mono text-xs">
                        {run.params[k] ?? <span className="text-zinc-400">–</span>}
                      </Td>
                    ))}
                    {metricKeys.map((k) => (
                      <Td key={`m-${k}`} className={`text-right font-mono text-xs tabular-nums ${typeof run.metrics[k]?.latest === "string" ? "text-red-600 dark:text-red-400" : ""}`}>
                        {run.metrics[k] ? formatMetric(run.metrics[k].latest) : <span className="text-zinc-400">–</span>}
                      </Td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </Table>
            {paramKeys.length > varying.length ? <p className="mt-1 text-xs text-zinc-500">{paramKeys.length - varying.length === 1 ? "1 param" : `${paramKeys.length - varying.length} params`} with the same value in every run {paramKeys.length - varying.length === 1 ? "is" : "are"} not shown.</p> : null}
          </section>
        </>
      )}
    </>
  );
}
