"use client";

import { memo, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { CartesianGrid, LineChart, XAxis, YAxis } from "recharts";
import { formatMetric, type WireNumber } from "@/lib/metric-values";
import type { StepRange } from "@/components/experiments/use-experiments";

export interface ChartSeries {
  id: string;
  label: string;
  color: string;
  /** [step, value, timestamp] ascending by step, as the API sends them. */
  points: [number, WireNumber, number][];
}

interface Prepared {
  id: string;
  label: string;
  color: string;
  /** Finite points for the line; a non-finite value is a gap (null). */
  data: { step: number; value: number | null }[];
  steps: Float64Array;
  values: Float64Array;
  nonFinite: { step: number; value: WireNumber }[];
}

// Plot-area geometry, fixed so the overlay can turn pixels into steps without asking recharts.
const MARGIN = { top: 10, right: 16, bottom: 4, left: 4 };
const Y_AXIS_WIDTH = 60;
const X_AXIS_HEIGHT = 24;
const PLOT_LEFT = MARGIN.left + Y_AXIS_WIDTH;

function prepare(series: ChartSeries[]): Prepared[] {
  return series.map((s) => {
    const data: Prepared["data"] = [];
    const steps: number[] = [];
    const values: number[] = [];
    const nonFinite: Prepared["nonFinite"] = [];
    for (const [step, value] of s.points) {
      if (typeof value === "number") {
        data.push({ step, value });
        steps.push(step);
        values.push(value);
      } else {
        data.push({ step, value: null });
        nonFinite.push({ step, value });
      }
    }
    return { id: s.id, label: s.label, color: s.color, data, steps: Float64Array.from(steps), values: Float64Array.from(values), nonFinite };
  });
}

/** Index of the point nearest to `step` in an ascending array. */
function nearest(steps: Float64Array, step: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && Math.abs(steps[lo - 1] - step) <= Math.abs(steps[lo] - step) ? lo - 1 : lo;
}

const tickFormat = (v: number) => formatMetric(v);
const stepFormat = (v: number) => (Math.abs(v) >= 10_000 ? `${Number((v / 1000).toPrecision(4))}k` : String(Math.round(v * 100) / 100));

/** Round numbers around [lo, hi] for the y axis: about five ticks at 1/2/5 × 10^n. */
function niceTicks(lo: number, hi: number): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.05 || 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let t = first; t < hi + step * 0.999; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** The y range of the visible finite points inside the x domain. */
function yTicks(prepared: Prepared[], hidden: ReadonlySet<string>, domain: [number, number]): number[] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const p of prepared) {
    if (hidden.has(p.id)) continue;
    for (let i = 0; i < p.steps.length; i++) {
      if (p.steps[i] < domain[0] || p.steps[i] > domain[1]) continue;
      const v = p.values[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return Number.isFinite(lo) ? niceTicks(lo, hi) : [0, 1];
}

/**
 * The recharts part (axes and grid): drawn again only when the size or the domains change, never on
 * hover or when a line is hidden.
 */
const Axes = memo(function Axes({ width, height, domain, ticks }: { width: number; height: number; domain: [number, number]; ticks: number[] }) {
  return (
    <LineChart width={width} height={height} margin={MARGIN} data={[{ step: domain[0] }, { step: domain[1] }]}>
      <CartesianGrid stroke="#a1a1aa" strokeOpacity={0.25} vertical={false} />
      <XAxis dataKey="step" type="number" domain={domain} allowDataOverflow height={X_AXIS_HEIGHT} tickFormatter={stepFormat} tick={{ fontSize: 11, fill: "#71717a" }} stroke="#a1a1aa" />
      <YAxis
        width={Y_AXIS_WIDTH}
        type="number"
        domain={[ticks[0], ticks[ticks.length - 1]]}
        ticks={ticks}
        allowDataOverflow
        tickFormatter={tickFormat}
        tick={{ fontSize: 11, fill: "#71717a" }}
        stroke="#a1a1aa"
      />
    </LineChart>
  );
});

/**
 * The curves: one SVG path per series, built straight from the points (1,000 points × 20 runs is a
 * few milliseconds, where a chart library's per-point work took seconds). A non-finite point breaks
 * the line.
 */
const Lines = memo(function Lines({ prepared, hidden, width, height, domain, ticks }: { prepared: Prepared[]; hidden: ReadonlySet<string>; width: number; height: number; domain: [number, number]; ticks: number[] }) {
  const w = Math.max(1, width - PLOT_LEFT - MARGIN.right);
  const h = Math.max(1, height - MARGIN.top - MARGIN.bottom - X_AXIS_HEIGHT);
  const [y0, y1] = [ticks[0], ticks[ticks.length - 1]];
  const sx = w / (domain[1] - domain[0] || 1);
  const sy = h / (y1 - y0 || 1);
  return (
    <svg className="pointer-events-none absolute overflow-hidden" style={{ left: PLOT_LEFT, top: MARGIN.top }} width={w} height={h} aria-hidden>
      {prepared
        .filter((p) => !hidden.has(p.id))
        .map((p) => {
          let d = "";
          let pen = false;
          for (const point of p.data) {
            if (point.value === null) {
              pen = false;
              continue;
            }
            const x = (point.step - domain[0]) * sx;
            const y = h - (point.value - y0) * sy;
            d += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
            pen = true;
          }
          const single = p.data.filter((q) => q.value !== null).length === 1;
          return single ? (
            <circle key={p.id} data-series={p.id} cx={Number(d.slice(1).split(",")[0])} cy={Number(d.split(",")[1])} r={3} fill={p.color} />
          ) : (
            <path key={p.id} data-series={p.id} d={d} fill="none" stroke={p.color} strokeWidth={1.5} strokeLinejoin="round" />
          );
        })}
    </svg>
  );
});

/** Drag to zoom, hover read-out and non-finite markers, over the plot area; owns the fast-changing state. */
function Overlay({
  prepared,
  width,
  height,
  domain,
  hidden,
  onZoom,
}: {
  prepared: Prepared[];
  width: number;
  height: number;
  domain: [number, number];
  hidden: ReadonlySet<string>;
  onZoom: (range: StepRange) => void;
}) {
  const plotWidth = Math.max(1, width - PLOT_LEFT - MARGIN.right);
  const plotHeight = Math.max(1, height - MARGIN.top - MARGIN.bottom - X_AXIS_HEIGHT);
  const toStep = (x: number) => domain[0] + (Math.min(Math.max(x, 0), plotWidth) / plotWidth) * (domain[1] - domain[0]);
  const toX = (step: number) => ((step - domain[0]) / (domain[1] - domain[0] || 1)) * plotWidth;
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const frame = useRef(0);
  const local = (e: React.MouseEvent) => e.clientX - e.currentTarget.getBoundingClientRect().left;

  const several = prepared.length > 1;
  const markers = useMemo(
    () =>
      prepared
        .filter((p) => !hidden.has(p.id))
        .flatMap((p) => p.nonFinite.filter((n) => n.step >= domain[0] && n.step <= domain[1]).map((n) => ({ ...n, color: p.color, label: p.label }))),
    [prepared, hidden, domain],
  );

  const readout = useMemo(() => {
    if (hover === null) return null;
    const step = toStep(hover);
    const rows = prepared
      .filter((p) => !hidden.has(p.id))
      .map((p) => {
        const i = nearest(p.steps, step);
        const nf = p.nonFinite.find((n) => Math.abs(toX(n.step) - hover) < 3);
        if (nf) return { p, step: nf.step, text: formatMetric(nf.value) };
        return i < 0 ? null : { p, step: p.steps[i], text: formatMetric(p.values[i]) };
      })
      .filter((r): r is NonNullable<typeof r> => r !== null);
    return { step, rows };
    // toStep/toX depend on domain and plotWidth only
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hover, prepared, hidden, domain, plotWidth]);

  return (
    <div
      data-testid="chart-overlay"
      className="absolute cursor-crosshair select-none"
      style={{ left: PLOT_LEFT, top: MARGIN.top, width: plotWidth, height: plotHeight }}
      onMouseDown={(e) => {
        if (e.button !== 0) return;
        const x = local(e);
        setDrag({ from: x, to: x });
      }}
      onMouseMove={(e) => {
        const x = local(e);
        if (drag) setDrag({ ...drag, to: x });
        cancelAnimationFrame(frame.current);
        frame.current = requestAnimationFrame(() => setHover(x));
      }}
      onMouseUp={() => {
        if (drag && Math.abs(drag.to - drag.from) > 4) {
          const a = toStep(Math.min(drag.from, drag.to));
          const b = toStep(Math.max(drag.from, drag.to));
          onZoom({ minStep: Math.floor(a), maxStep: Math.ceil(b) });
        }
        setDrag(null);
      }}
      onMouseLeave={() => {
        cancelAnimationFrame(frame.current);
        setHover(null);
        setDrag(null);
      }}
      onDoubleClick={() => onZoom({})}
    >
      {markers.length > 0 ? (
        <svg className="pointer-events-none absolute inset-0 overflow-visible" width={plotWidth} height={plotHeight} aria-hidden>
          {markers.slice(0, 2_000).map((m, i) => {
            const x = toX(m.step);
            return <path key={i} d={`M${x - 4},-8 L${x + 4},-8 L${x},-1 Z`} fill={m.value === "NaN" ? "#dc2626" : "#d97706"} stroke={several ? m.color : "none"} strokeWidth={1} />;
          })}
        </svg>
      ) : null}
      {drag && Math.abs(drag.to - drag.from) > 1 ? (
        <div className="pointer-events-none absolute top-0 bottom-0 bg-sky-500/15 ring-1 ring-sky-500/50" style={{ left: Math.min(drag.from, drag.to), width: Math.abs(drag.to - drag.from) }} />
      ) : null}
      {readout && !drag ? (
        <>
          <div className="pointer-events-none absolute top-0 bottom-0 w-px bg-zinc-400/70" style={{ left: hover! }} />
          <div
            className="pointer-events-none absolute top-1 z-10 max-w-72 rounded-md border border-zinc-200 bg-white/95 px-2 py-1 text-xs shadow-md dark:border-zinc-700 dark:bg-zinc-900/95"
            style={hover! > plotWidth / 2 ? { right: plotWidth - hover! + 8 } : { left: hover! + 8 }}
          >
            <div className="text-zinc-500">step {stepFormat(readout.step)}</div>
            {readout.rows.slice(0, 12).map((r) => (
              <div key={r.p.id} className="flex items-center gap-1.5 whitespace-nowrap">
                <span className="size-2 shrink-0 rounded-full" style={{ background: r.p.color }} />
                <span className="truncate">{r.p.label}</span>
                <span className="ml-auto pl-2 font-mono tabular-nums">{r.text}</span>
              </div>
            ))}
            {readout.rows.length > 12 ? <div className="text-zinc-500">+{readout.rows.length - 12} more</div> : null}
          </div>
        </>
      ) : null}
    </div>
  );
}

/**
 * One metric's curves, step on x. Drag across the plot to zoom (the caller re-fetches that step
 * range at full resolution), double-click to reset. NaN (red) and ±∞ (amber) points are marked
 * above the plot and break the line.
 */
export function MetricChart({
  title,
  series,
  range,
  onZoom,
  loading,
  hidden = emptySet,
  height = 240,
  footer,
}: {
  title: ReactNode;
  series: ChartSeries[];
  range: StepRange;
  onZoom: (range: StepRange) => void;
  loading: boolean;
  hidden?: ReadonlySet<string>;
  height?: number;
  footer?: ReactNode;
}) {
  const boxRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = boxRef.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const prepared = useMemo(() => prepare(series), [series]);
  const domain = useMemo<[number, number]>(() => {
    let lo = range.minStep ?? Number.POSITIVE_INFINITY;
    let hi = range.maxStep ?? Number.NEGATIVE_INFINITY;
    if (range.minStep === undefined || range.maxStep === undefined) {
      for (const p of prepared) {
        for (const d of p.data) {
          if (range.minStep === undefined && d.step < lo) lo = d.step;
          if (range.maxStep === undefined && d.step > hi) hi = d.step;
        }
      }
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
    return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
  }, [prepared, range]);
  const ticks = useMemo(() => yTicks(prepared, hidden, domain), [prepared, hidden, domain]);
  const nonFinite = prepared.flatMap((p) => p.nonFinite.map((n) => ({ ...n, label: p.label })));
  const zoomed = range.minStep !== undefined || range.maxStep !== undefined;
  const empty = prepared.every((p) => p.data.length === 0);
  return (
    <figure
      className="rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900"
      data-testid="metric-chart"
      data-state={loading ? "loading" : "ready"}
      data-range={zoomed ? `${range.minStep ?? ""}-${range.maxStep ?? ""}` : "all"}
    >
      <figcaption className="mb-1 flex items-center justify-between gap-2 text-sm">
        <span className="truncate font-mono text-xs font-semibold">{title}</span>
        <span className="flex items-center gap-2 text-xs text-zinc-500">
          {loading ? <span>Loading points…</span> : null}
          {zoomed ? (
            <>
              <span className="tabular-nums">
                steps {range.minStep ?? "…"}–{range.maxStep ?? "…"}
              </span>
              <button type="button" onClick={() => onZoom({})} className="rounded px-1.5 py-0.5 text-sky-700 hover:bg-zinc-100 dark:text-sky-400 dark:hover:bg-zinc-800">
                Reset zoom
              </button>
            </>
          ) : (
            <span className="hidden sm:inline">drag to zoom · double-click resets</span>
          )}
        </span>
      </figcaption>
      <div ref={boxRef} className="relative" style={{ height }} role="img" aria-label={`Chart of ${typeof title === "string" ? title : "metric"}`}>
        {width > 0 && !empty ? (
          <>
            <Axes width={width} height={height} domain={domain} ticks={ticks} />
            <Lines prepared={prepared} hidden={hidden} width={width} height={height} domain={domain} ticks={ticks} />
            <Overlay prepared={prepared} width={width} height={height} domain={domain} hidden={hidden} onZoom={onZoom} />
          </>
        ) : null}
        {empty && !loading ? <p className="grid h-full place-items-center text-sm text-zinc-500">{zoomed ? "No points in this step range." : "No finite points to draw."}</p> : null}
      </div>
      {nonFinite.length > 0 ? (
        <p className="mt-1 text-xs text-red-700 dark:text-red-400" data-testid="non-finite">
          {nonFinite.length.toLocaleString()} non-finite point{nonFinite.length === 1 ? "" : "s"} (marked ▼ above the plot):{" "}
          {nonFinite
            .slice(0, 5)
            .map((n) => `${formatMetric(n.value)} at step ${n.step}${series.length > 1 ? ` (${n.label})` : ""}`)
            .join(", ")}
          {nonFinite.length > 5 ? ", …" : ""}
        </p>
      ) : null}
      {footer ? <div className="mt-1 text-xs text-zinc-500">{footer}</div> : null}
    </figure>
  );
}

const emptySet: ReadonlySet<string> = new Set();
