"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { compareWire, formatMetric } from "@/lib/metric-values";
import { formatDateTime, formatDuration } from "@/lib/format";
import { Button } from "@/components/ui/button";
import { ErrorNotice, PageHeader } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { filterHelp, parseRunFilter } from "@/components/experiments/run-filter";
import { NoRunsHint } from "@/components/experiments/experiments-page";
import { runDurationMs, RunStatusBadge, runStatusOptions } from "@/components/experiments/run-status";
import { useExperiment, type RunView } from "@/components/experiments/use-experiments";
import { linkClass } from "@/components/ui/link";

type FixedColumn = "status" | "name" | "started" | "duration" | "source";
type ColumnId = FixedColumn | `metrics.${string}` | `params.${string}`;
interface Sort {
  column: ColumnId;
  desc: boolean;
}

const fixedColumns: { id: FixedColumn; label: string; width: number }[] = [
  { id: "status", label: "Status", width: 112 },
  { id: "name", label: "Name", width: 190 },
  { id: "started", label: "Started", width: 150 },
  { id: "duration", label: "Duration", width: 96 },
  { id: "source", label: "Source", width: 80 },
];
const DATA_WIDTH = 116;
const SELECT_WIDTH = 40;
const ROW_HEIGHT = 34;
/** The compare endpoint takes up to 100 runs. */
export const MAX_COMPARE = 100;

const shortFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const shortDateTime = (iso: string) => shortFormat.format(new Date(iso));
const numberOf = (s: string | undefined) => (s === undefined || s.trim() === "" ? Number.NaN : Number(s));
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Missing values sort last whichever the direction; metrics numerically with NaN last. */
function sorter(sort: Sort, now: number): (a: RunView, b: RunView) => number {
  const dir = sort.desc ? -1 : 1;
  const missingLast = (x: unknown, y: unknown, cmp: () => number) => (x === undefined ? (y === undefined ? 0 : 1) : y === undefined ? -1 : dir * cmp());
  const c = sort.column;
  if (c.startsWith("metrics.")) {
    const key = c.slice("metrics.".length);
    return (a, b) => {
      const x = a.metrics[key]?.latest;
      const y = b.metrics[key]?.latest;
      const xn = x === undefined || x === "NaN";
      const yn = y === undefined || y === "NaN";
      if (xn || yn) return xn === yn ? 0 : xn ? 1 : -1;
      return dir * compareWire(x, y);
    };
  }
  if (c.startsWith("params.")) {
    const key = c.slice("params.".length);
    return (a, b) =>
      missingLast(a.params[key], b.params[key], () => {
        const x = numberOf(a.params[key]);
        const y = numberOf(b.params[key]);
        return Number.isNaN(x) || Number.isNaN(y) ? collator.compare(a.params[key], b.params[key]) : x - y;
      });
  }
  switch (c) {
    case "duration":
      return (a, b) => {
        const x = runDurationMs(a, now) ?? undefined;
        const y = runDurationMs(b, now) ?? undefined;
        return missingLast(x, y, () => x! - y!);
      };
    case "started":
      return (a, b) => dir * a.startedAt.localeCompare(b.startedAt);
    default:
      return (a, b) => dir * collator.compare(a[c as "name" | "status" | "source"], b[c as "name" | "status" | "source"]);
  }
}

/** Keys present in the runs, most common first (then by name). */
function keysByFrequency(runs: RunView[], pick: (r: RunView) => Record<string, unknown>): string[] {
  const counts = new Map<string, number>();
  for (const r of runs) for (const k of Object.keys(pick(r))) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || collator.compare(a[0], b[0])).map(([k]) => k);
}

function useStoredColumns(experimentId: string, defaults: string[]): [string[], (cols: string[]) => void] {
  const storageKey = `studio.experiment-columns.${experimentId}`;
  const [chosen, setChosen] = useState<string[] | null>(null);
  useEffect(() => {
    try {
      const saved = window.localStorage.getItem(storageKey);
      // eslint-disable-next-line react-hooks/set-state-in-effect -- localStorage exists only after hydration
      if (saved) setChosen(JSON.parse(saved) as string[]);
    } catch {
      /* private mode or a bad value: use the defaults */
    }
  }, [storageKey]);
  const set = (cols: string[]) => {
    setChosen(cols);
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(cols));
    } catch {
      /* not saved: fine */
    }
  };
  return [chosen ?? defaults, set];
}

function ColumnPicker({ metricKeys, paramKeys, chosen, onChange }: { metricKeys: string[]; paramKeys: string[]; chosen: string[]; onChange: (cols: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState("");
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    const esc = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", esc);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", esc);
    };
  }, [open]);
  const set = new Set(chosen);
  const toggle = (id: string) => onChange(set.has(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const group = (title: string, prefix: "metrics" | "params", keys: string[]) => {
    const shown = keys.filter((k) => k.toLowerCase().includes(q.toLowerCase()));
    return (
      <fieldset className="mb-2">
        <legend className="mb-1 flex w-full items-center justify-between text-[11px] font-semibold tracking-wider text-zinc-500 uppercase">
          {title}
          <span className="flex gap-2 font-normal normal-case">
            <button type="button" className={linkClass} onClick={() => onChange([...chosen.filter((c) => !c.startsWith(`${prefix}.`)), ...keys.map((k) => `${prefix}.${k}`)])}>
              all
            </button>
            <button type="button" className={linkClass} onClick={() => onChange(chosen.filter((c) => !c.startsWith(`${prefix}.`)))}>
              none
            </button>
          </span>
        </legend>
        {shown.length === 0 ? <p className="text-xs text-zinc-500">None</p> : null}
        {shown.map((k) => (
          <label key={k} className="flex items-center gap-2 py-0.5 text-sm">
            <input type="checkbox" checked={set.has(`${prefix}.${k}`)} onChange={() => toggle(`${prefix}.${k}`)} />
            <span className="truncate font-mono text-xs">{k}</span>
          </label>
        ))}
      </fieldset>
    );
  };
  return (
    <div className="relative" ref={ref}>
      <Button variant="secondary" onClick={() => setOpen(!open)} aria-expanded={open} aria-haspopup="dialog">
        Columns ({chosen.length})
      </Button>
      {open ? (
        <div role="dialog" aria-label="Choose columns" className="absolute right-0 z-20 mt-1 max-h-96 w-72 overflow-y-auto rounded-lg border border-zinc-200 bg-white p-3 shadow-lg dark:border-zinc-700 dark:bg-zinc-900">
          <input aria-label="Find a column" placeholder="Find a metric or param" value={q} onChange={(e) => setQ(e.target.value)} className={`${controlClass} mb-2 w-full`} autoFocus />
          {group("Metrics (latest value)", "metrics", metricKeys)}
          {group("Params", "params", paramKeys)}
        </div>
      ) : null}
    </div>
  );
}

function FilterHelp() {
  return (
    <span className="group relative inline-flex">
      <span tabIndex={0} aria-describedby="run-filter-help" className="grid size-5 cursor-help place-items-center rounded-full border border-zinc-300 text-xs text-zinc-500 dark:border-zinc-600">
        ?
      </span>
      <span
        id="run-filter-help"
        role="tooltip"
        className="invisible absolute top-7 left-0 z-30 w-[28rem] rounded-md border border-zinc-200 bg-white p-3 text-xs text-zinc-700 shadow-lg group-focus-within:visible group-hover:visible dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-300"
      >
        {filterHelp.map((line) => (
          <span key={line} className="block py-0.5">
            {line}
          </span>
        ))}
      </span>
    </span>
  );
}

function Cell({ children, width, className = "", title }: { children: React.ReactNode; width: number; className?: string; title?: string }) {
  return (
    <div role="cell" title={title} style={{ width, minWidth: width }} className={`flex shrink-0 items-center truncate px-3 ${className}`}>
      {children}
    </div>
  );
}

/** An experiment's runs: a virtualised, sortable, filterable table; pick runs to compare. */
export function ExperimentPage({ experimentId }: { experimentId: string }) {
  const router = useRouter();
  const { data, error, isLoading } = useExperiment(experimentId);
  const runs = useMemo(() => data?.runs ?? [], [data]);
  const metricKeys = useMemo(() => keysByFrequency(runs, (r) => r.metrics).sort(collator.compare), [runs]);
  const paramKeys = useMemo(() => keysByFrequency(runs, (r) => r.params), [runs]);
  const defaults = useMemo(() => [...metricKeys.map((k) => `metrics.${k}`), ...paramKeys.slice(0, 8).map((k) => `params.${k}`)], [metricKeys, paramKeys]);
  const [columns, setColumns] = useStoredColumns(experimentId, defaults);
  const [filterText, setFilterText] = useState("");
  const deferredFilter = useDeferredValue(filterText);
  const filter = useMemo(() => parseRunFilter(deferredFilter), [deferredFilter]);
  const [status, setStatus] = useState("");
  const [sort, setSort] = useState<Sort>({ column: "started", desc: true });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  // Durations of running runs tick with the table's refetch; the time is taken per data change.
  const [now, setNow] = useState(0);
  useEffect(() => {
    setNow(Date.now());
  }, [data]);

  const rows = useMemo(() => {
    const test = filter.ok ? filter.test : () => true;
    const kept = runs.filter((r) => (!status || r.status === status) && test(r));
    return kept.sort(sorter(sort, now));
  }, [runs, filter, status, sort, now]);

  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the table re-renders on scroll by design
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });

  const dataColumns = columns.filter((c) => (c.startsWith("metrics.") && metricKeys.includes(c.slice(8))) || (c.startsWith("params.") && paramKeys.includes(c.slice(7)))) as ColumnId[];
  const totalWidth = SELECT_WIDTH + fixedColumns.reduce((s, c) => s + c.width, 0) + dataColumns.length * DATA_WIDTH;
  const selectedIds = [...selected].filter((id) => runs.some((r) => r.id === id));
  const allShownSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));

  if (isLoading) return <p className="text-sm text-zinc-500">Loading runs…</p>;
  if (error || !data) return <ErrorNotice error={error ?? new Error("Experiment not found.")} />;
  const { experiment } = data;

  const header = (id: ColumnId, label: React.ReactNode, width: number, title?: string, numeric = false) => {
    const active = sort.column === id;
    return (
      <div
        key={id}
        role="columnheader"
        aria-sort={active ? (sort.desc ? "descending" : "ascending") : "none"}
        style={{ width, minWidth: width }}
        className={`flex shrink-0 items-center px-1 ${numeric ? "justify-end" : ""}`}
      >
        <button
          type="button"
          title={title ?? `Sort by ${typeof label === "string" ? label : id}`}
          onClick={() => setSort(active ? { column: id, desc: !sort.desc } : { column: id, desc: numeric || id === "started" })}
          className={`flex min-w-0 items-center gap-1 truncate rounded px-2 py-1 text-xs font-medium tracking-wide uppercase hover:bg-zinc-200/60 dark:hover:bg-zinc-800 ${active ? "text-zinc-900 dark:text-zinc-100" : "text-zinc-500"}`}
        >
          <span className="truncate">{label}</span>
          <span aria-hidden className="w-2">
            {active ? (sort.desc ? "↓" : "↑") : ""}
          </span>
        </button>
      </div>
    );
  };

  return (
    <>
      <PageHeader
        title={experiment.name}
        description={
          <>
            Experiment in{" "}
            <Link href={`/projects/${experiment.projectId}`} className={linkClass}>
              {experiment.projectName}
            </Link>{" "}
            · {experiment.runCount.toLocaleString()} run{experiment.runCount === 1 ? "" : "s"}
            {experiment.description ? ` · ${experiment.description}` : ""}
          </>
        }
        actions={
          <Button
            disabled={selectedIds.length === 0 || selectedIds.length > MAX_COMPARE}
            title={selectedIds.length === 0 ? "Tick the runs to compare" : selectedIds.length > MAX_COMPARE ? `Compare up to ${MAX_COMPARE} runs at a time` : undefined}
            onClick={() => {
              // The charts' keys go in the address too, so the compare page asks for the curves at once.
              const keys = [...new Set(runs.filter((r) => selected.has(r.id)).flatMap((r) => Object.keys(r.metrics)))].sort(collator.compare).slice(0, 6);
              router.push(`/experiments/${experimentId}/compare?runs=${selectedIds.join(",")}&keys=${keys.map(encodeURIComponent).join(",")}`);
            }}
          >
            Compare ({selectedIds.length})
          </Button>
        }
      />
      {runs.length === 0 ? (
        <NoRunsHint what="No runs in this experiment yet" />
      ) : (
        <>
          <div className="mb-2 flex flex-wrap items-start gap-2">
            <div className="min-w-80 flex-1">
              <div className="flex items-center gap-2">
                <input
                  aria-label="Filter runs"
                  aria-invalid={!filter.ok}
                  aria-describedby={!filter.ok ? "run-filter-error" : undefined}
                  placeholder="Filter: metrics.accuracy > 0.9 and params.lr = 0.1, or any text"
                  value={filterText}
                  onChange={(e) => setFilterText(e.target.value)}
                  className={`${controlClass} w-full font-mono text-xs`}
                  spellCheck={false}
                />
                <FilterHelp />
              </div>
              {!filter.ok ? (
                <p id="run-filter-error" className="mt-1 text-xs text-red-600 dark:text-red-400">
                  {filter.error} (column {filter.column})
                </p>
              ) : null}
            </div>
            <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value)} className={`${controlClass} w-36`}>
              <option value="">All statuses</option>
              {runStatusOptions.map((s) => (
                <option key={s} value={s}>
                  {s[0].toUpperCase() + s.slice(1)}
                </option>
              ))}
            </select>
            <ColumnPicker metricKeys={metricKeys} paramKeys={paramKeys} chosen={columns} onChange={setColumns} />
          </div>
          <p className="mb-1 text-xs text-zinc-500" aria-live="polite" data-testid="runs-count">
            {rows.length === runs.length ? `${runs.length.toLocaleString()} runs` : `${rows.length.toLocaleString()} of ${runs.length.toLocaleString()} runs`}
            {selectedIds.length > 0 ? ` · ${selectedIds.length} selected` : ""}
          </p>
          <div
            ref={scrollRef}
            className="max-h-[max(18rem,calc(100vh-17rem))] overflow-auto rounded-lg border border-zinc-200 bg-white text-sm dark:border-zinc-800 dark:bg-zinc-900"
          >
            <div role="table" aria-label="Runs" aria-rowcount={rows.length + 1} style={{ width: totalWidth, minWidth: "100%" }}>
              <div role="rowgroup" className="sticky top-0 z-10 border-b border-zinc-200 bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-900">
                <div role="row" aria-rowindex={1} className="flex h-9 items-center">
                  <div role="columnheader" style={{ width: SELECT_WIDTH, minWidth: SELECT_WIDTH }} className="flex justify-center">
                    <input
                      type="checkbox"
                      aria-label="Select all shown runs"
                      checked={allShownSelected}
                      onChange={() => setSelected(allShownSelected ? new Set([...selected].filter((id) => !rows.some((r) => r.id === id))) : new Set([...selected, ...rows.map((r) => r.id)]))}
                    />
                  </div>
                  {fixedColumns.map((c) => header(c.id, c.label, c.width))}
                  {dataColumns.map((c) =>
                    c.startsWith("metrics.")
                      ? header(c, <span className="normal-case">{c.slice(8)}</span>, DATA_WIDTH, `metrics.${c.slice(8)} (latest) — sort`, true)
                      : header(c, <span className="text-zinc-400 normal-case">{c.slice(7)}</span>, DATA_WIDTH, `params.${c.slice(7)} — sort`),
                  )}
                </div>
              </div>
              <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
                {virtualizer.getVirtualItems().map((item) => {
                  const run = rows[item.index];
                  const isSelected = selected.has(run.id);
                  return (
                    <div
                      key={run.id}
                      role="row"
                      aria-rowindex={item.index + 2}
                      aria-selected={isSelected}
                      onClick={(e) => {
                        if ((e.target as HTMLElement).closest("a,input,button")) return;
                        router.push(`/runs/${run.id}`);
                      }}
                      style={{ position: "absolute", top: 0, left: 0, width: "100%", height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                      className={`flex cursor-pointer items-center border-b border-zinc-100 hover:bg-zinc-50 dark:border-zinc-800/70 dark:hover:bg-zinc-800/50 ${isSelected ? "bg-sky-50/70 dark:bg-sky-950/40" : ""}`}
                    >
                      <div role="cell" style={{ width: SELECT_WIDTH, minWidth: SELECT_WIDTH }} className="flex justify-center">
                        <input
                          type="checkbox"
                          aria-label={`Select ${run.name}`}
                          checked={isSelected}
                          onChange={() => {
                            const next = new Set(selected);
                            if (isSelected) next.delete(run.id);
                            else next.add(run.id);
                            setSelected(next);
                          }}
                        />
                      </div>
                      <Cell width={fixedColumns[0].width}>
                        <RunStatusBadge status={run.status} />
                      </Cell>
                      <Cell width={fixedColumns[1].width} title={run.name}>
                        <Link href={`/runs/${run.id}`} className={`truncate font-medium ${linkClass}`}>
                          {run.name}
                        </Link>
                      </Cell>
                      <Cell width={fixedColumns[2].width} className="text-zinc-600 tabular-nums dark:text-zinc-400" title={formatDateTime(run.startedAt)}>
                        {shortDateTime(run.startedAt)}
                      </Cell>
                      <Cell width={fixedColumns[3].width} className="tabular-nums">
                        {formatDuration(runDurationMs(run, now || Date.parse(run.startedAt)))}
                      </Cell>
                      <Cell width={fixedColumns[4].width} className="text-zinc-600 dark:text-zinc-400">
                        {run.source}
                      </Cell>
                      {dataColumns.map((c) => {
                        if (c.startsWith("metrics.")) {
                          const m = run.metrics[c.slice(8)];
                          const nonFinite = m && typeof m.latest === "string";
                          return (
                            <Cell
                              key={c}
                              width={DATA_WIDTH}
                              className={`justify-end pr-5 font-mono text-xs tabular-nums ${nonFinite ? "text-red-600 dark:text-red-400" : ""}`}
                              title={m ? `${c.slice(8)}: ${formatMetric(m.latest)} at step ${m.latestStep} · min ${formatMetric(m.min)} · max ${formatMetric(m.max)} · ${m.count.toLocaleString()} points` : `${c.slice(8)}: not logged`}
                            >
                              {m ? formatMetric(m.latest) : <span className="text-zinc-300 dark:text-zinc-600">–</span>}
                            </Cell>
                          );
                        }
                        const v = run.params[c.slice(7)];
                        return (
                          <Cell key={c} width={DATA_WIDTH} className="font-mono text-xs" title={v === undefined ? `${c.slice(7)}: not set` : `${c.slice(7)} = ${v}`}>
                            {v === undefined ? <span className="text-zinc-300 dark:text-zinc-600">–</span> : v}
                          </Cell>
                        );
                      })}
                    </div>
                  );
                })}
              </div>
            </div>
            {rows.length === 0 ? <p className="px-4 py-6 text-center text-sm text-zinc-500">No run matches the filter.</p> : null}
          </div>
        </>
      )}
    </>
  );
}
