"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import { formatMetric } from "@/lib/metric-values";

export interface PcRun {
  id: string;
  label: string;
  color: string;
  /** Axis name → value (a number or text); missing keys are absent. */
  values: Record<string, number | string | undefined>;
}

interface Axis {
  name: string;
  numeric: boolean;
  min: number;
  max: number;
  categories: string[];
}

const PAD = { top: 34, bottom: 26, left: 56, right: 72 };

function buildAxis(name: string, runs: PcRun[]): Axis {
  const present = runs.map((r) => r.values[name]).filter((v) => v !== undefined && !(typeof v === "number" && !Number.isFinite(v)));
  const nums = present.map((v) => (typeof v === "number" ? v : v!.trim() === "" ? Number.NaN : Number(v)));
  const numeric = present.length > 0 && nums.every(Number.isFinite);
  if (numeric) return { name, numeric, min: Math.min(...nums), max: Math.max(...nums), categories: [] };
  const categories = [...new Set(present.map(String))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return { name, numeric, min: 0, max: Math.max(0, categories.length - 1), categories };
}

/** 0 (bottom) … 1 (top) for a value on an axis, or null when missing or non-finite. */
function position(axis: Axis, value: number | string | undefined): number | null {
  if (value === undefined) return null;
  if (axis.numeric) {
    const v = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(v)) return null;
    return axis.max === axis.min ? 0.5 : (v - axis.min) / (axis.max - axis.min);
  }
  const i = axis.categories.indexOf(String(value));
  if (i < 0) return null;
  return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
}

const short = (s: string, n = 12) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const numLabel = (v: number) => formatMetric(v);

/** One vertical axis per param (and the metric last), one polyline per run; a missing value breaks the line. */
export function ParallelCoordinates({ runs, axes, height = 300 }: { runs: PcRun[]; axes: string[]; height?: number }) {
  const boxRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<string | null>(null);
  useEffect(() => {
    const el = boxRef.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const built = useMemo(() => axes.map((a) => buildAxis(a, runs)), [axes, runs]);
  const plotW = Math.max(1, width - PAD.left - PAD.right);
  const plotH = height - PAD.top - PAD.bottom;
  const xOf = (i: number) => PAD.left + (built.length === 1 ? plotW / 2 : (i / (built.length - 1)) * plotW);
  const yOf = (p: number) => PAD.top + (1 - p) * plotH;
  const missing = runs.filter((r) => built.some((a) => position(a, r.values[a.name]) === null)).length;

  return (
    <div>
      <div ref={boxRef} style={{ height }} className="relative [--pc-halo:#ffffff] dark:[--pc-halo:#18181b]">
        {width > 0 && built.length > 0 ? (
          <svg width={width} height={height} role="img" aria-label="Parallel coordinates" data-testid="parallel-coordinates" className="text-zinc-500">
            {runs.map((r) => {
              // Segments between consecutive axes where both values exist.
              const pts = built.map((a, i) => {
                const p = position(a, r.values[a.name]);
                return p === null ? null : ([xOf(i), yOf(p)] as const);
              });
              let d = "";
              for (let i = 0; i < pts.length; i++) {
                const pt = pts[i];
                if (!pt) continue;
                d += `${i > 0 && pts[i - 1] ? "L" : "M"}${pt[0].toFixed(1)},${pt[1].toFixed(1)}`;
              }
              const dim = hover !== null && hover !== r.id;
              return (
                <g key={r.id} onMouseEnter={() => setHover(r.id)} onMouseLeave={() => setHover(null)} className="cursor-pointer">
                  <title>{`${r.label}\n${built.map((a) => `${a.name}: ${r.values[a.name] === undefined ? "missing" : typeof r.values[a.name] === "number" ? formatMetric(r.values[a.name] as number) : r.values[a.name]}`).join("\n")}`}</title>
                  <path d={d} fill="none" stroke="transparent" strokeWidth={8} />
                  <path data-run={r.id} d={d} fill="none" stroke={r.color} strokeWidth={hover === r.id ? 3 : 1.75} strokeOpacity={dim ? 0.15 : 0.9} />
                  {pts.map((pt, i) => (pt ? <circle key={i} cx={pt[0]} cy={pt[1]} r={2.5} fill={r.color} fillOpacity={dim ? 0.15 : 1} /> : null))}
                </g>
              );
            })}
            {built.map((a, i) => {
              const x = xOf(i);
              const ticks = a.numeric
                ? (a.min === a.max ? [a.min] : [a.min, (a.min + a.max) / 2, a.max]).map((v) => ({ p: position(a, v)!, label: numLabel(v) }))
                : a.categories.length <= 8
                  ? a.categories.map((c) => ({ p: position(a, c)!, label: short(c) }))
                  : [0, Math.floor((a.categories.length - 1) / 2), a.categories.length - 1].map((j) => ({ p: position(a, a.categories[j])!, label: short(a.categories[j]) }));
              const isLast = i === built.length - 1;
              return (
                <g key={a.name}>
                  <line x1={x} x2={x} y1={PAD.top} y2={PAD.top + plotH} stroke="currentColor" strokeOpacity={0.6} />
                  <text x={x} y={PAD.top - 14} textAnchor="middle" fontSize={11} fontWeight={600} fill="currentColor" className="font-mono">
                    <title>{a.name}</title>
                    {short(a.name, 18)}
                  </text>
                  {ticks.map((t, j) => (
                    <g key={j}>
                      <line x1={x - 3} x2={x + 3} y1={yOf(t.p)} y2={yOf(t.p)} stroke="currentColor" />
                      <text x={isLast ? x + 6 : x - 6} y={yOf(t.p) + 3.5} textAnchor={isLast ? "start" : "end"} fontSize={10} fill="currentColor" paintOrder="stroke" stroke="var(--pc-halo)" strokeWidth={3}>
                        {t.label}
                      </text>
                    </g>
                  ))}
                </g>
              );
            })}
          </svg>
        ) : null}
      </div>
      {missing > 0 ? (
        <p className="mt-1 text-xs text-zinc-500">
          {missing} run{missing === 1 ? " lacks" : "s lack"} some of these values (or have NaN/∞): their lines break at those axes.
        </p>
      ) : null}
    </div>
  );
}
