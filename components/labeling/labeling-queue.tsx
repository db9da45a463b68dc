"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type WheelEvent } from "react";
import { ApiError } from "@/lib/api-client";
import { isMultiLabel, type Answer, type QueueState } from "@/lib/labeling/tasks";
import { Button } from "@/components/ui/button";
import { ErrorNotice } from "@/components/ui/card";
import { linkClass } from "@/components/ui/link";
import { queueApi } from "@/components/labeling/use-labeling";
import { queryKeys } from "@/lib/query-keys";

const isWaiting = (state: QueueState | undefined): boolean => state !== undefined && !state.item && state.job.status === "in_progress" && !(state.reason ?? "").startsWith("All done");

const HEARTBEAT_MS = 20_000;
const RETRY_MS = 10_000;
/** Keys that pick labels 1–10 (0 is the tenth). */
const labelKey = (key: string): number | null => (/^[0-9]$/.test(key) ? (key === "0" ? 9 : Number(key) - 1) : null);

function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

const clock = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

/**
 * One item at a time, keyboard first: number keys pick labels (toggle them on a multi-label job),
 * Enter submits, S skips, Z (or Ctrl+Z) undoes the last pick; images zoom with the wheel or +/−
 * and pan by dragging (0 resets). The claim's lease is renewed every 20 s while the page is open.
 */
export function LabelingQueue({ jobId }: { jobId: string }) {
  const query = useQuery({
    queryKey: queryKeys.labeling.queue(jobId),
    queryFn: () => queueApi.claim(jobId),
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
    // Nothing free right now (others hold the rest): look again every 10 s.
    refetchInterval: (q) => (isWaiting(q.state.data) ? RETRY_MS : false),
  });
  const state: QueueState | null = query.data ?? null;
  const item = state?.item ?? null;
  // The picks belong to the item they were made on: a new item starts with none.
  const [picks, setPicks] = useState<{ assignmentId: string; selected: number[]; history: number[][] }>({ assignmentId: "", selected: [], history: [] });
  const mine = item && picks.assignmentId === item.assignmentId ? picks : { assignmentId: item?.assignmentId ?? "", selected: [] as number[], history: [] as number[][] };
  const selected = mine.selected;
  const history = mine.history;
  const [busy, setBusy] = useState(false);
  const [actionError, setError] = useState<unknown>(null);
  const error = actionError ?? query.error;
  const [help, setHelp] = useState(false);
  const now = useNow();
  const multi = state ? isMultiLabel(state.job.taskType) : false;

  const load = useCallback(async () => {
    setBusy(true);
    try {
      await query.refetch({ throwOnError: true });
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }, [query]);

  // The heartbeat: keeps the claim while the page is open.
  useEffect(() => {
    if (!item) return;
    const timer = setInterval(() => {
      queueApi.heartbeat(jobId, item.assignmentId).catch((e: unknown) => setError(e));
    }, HEARTBEAT_MS);
    return () => clearInterval(timer);
  }, [jobId, item]);

  const pick = useCallback(
    (index: number) => {
      if (!state || !item || index >= state.job.labels.length) return;
      const next = multi ? (selected.includes(index) ? selected.filter((i) => i !== index) : [...selected, index].sort((a, b) => a - b)) : [index];
      setPicks({ assignmentId: item.assignmentId, selected: next, history: [...history, selected] });
    },
    [state, item, selected, history, multi],
  );

  const undo = useCallback(() => {
    if (!item || history.length === 0) return;
    setPicks({ assignmentId: item.assignmentId, selected: history[history.length - 1], history: history.slice(0, -1) });
  }, [item, history]);

  const submit = useCallback(async () => {
    if (!item || busy) return;
    if (!multi && selected.length !== 1) return setError(new Error("Pick a label first (its number key)."));
    const answer: Answer = multi ? { labels: selected } : { label: selected[0] };
    setBusy(true);
    try {
      await queueApi.submit(jobId, item.assignmentId, answer);
      await load();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }, [item, busy, multi, selected, jobId, load]);

  const skip = useCallback(async () => {
    if (!item || busy) return;
    setBusy(true);
    try {
      await queueApi.skip(jobId, item.assignmentId);
      await load();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }, [item, busy, jobId, load]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.altKey || e.metaKey) return;
      const index = labelKey(e.key);
      if (index !== null && !e.ctrlKey) {
        e.preventDefault();
        pick(index);
      } else if (e.key === "Enter") {
        e.preventDefault();
        void submit();
      } else if (e.key.toLowerCase() === "s" && !e.ctrlKey) {
        e.preventDefault();
        void skip();
      } else if (e.key.toLowerCase() === "z") {
        e.preventDefault();
        undo();
      } else if (e.key === "?") {
        setHelp((h) => !h);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [pick, submit, skip, undo]);

  if (!state) return error ? <ErrorNotice error={error} /> : <p className="text-sm text-zinc-500">Finding your next item…</p>;
  const expired = error instanceof ApiError && error.code === "conflict";
  const deadline = item ? new Date(item.deadlineAt).getTime() : 0;
  return (
    <div className="flex h-[calc(100vh-7rem)] min-h-[560px] flex-col gap-3">
      <header className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm">
        <h1 className="text-lg font-semibold">{state.job.name}</h1>
        <span className="text-zinc-600 dark:text-zinc-400" data-testid="my-progress">
          You: {state.mine.submitted} submitted · {state.mine.skipped} skipped
        </span>
        {item ? (
          <span className="tabular-nums text-zinc-600 dark:text-zinc-400" data-testid="time-on-task" title="Time on this item, and what is left of its time limit">
            Item {item.seq + 1} · {clock(now - new Date(item.acceptedAt).getTime())} on it · {clock(deadline - now)} left
          </span>
        ) : null}
        <span className="ml-auto flex gap-2">
          <Button size="sm" variant="secondary" onClick={() => setHelp((h) => !h)} aria-expanded={help}>
            Instructions & keys (?)
          </Button>
          <Link href="/labeling/queue" className={`${linkClass} text-sm`}>
            My queue
          </Link>
        </span>
      </header>
      {error ? (
        <div className="flex items-center gap-3">
          <ErrorNotice error={error} />
          {expired ? (
            <Button size="sm" onClick={() => void load()}>
              Take the next item
            </Button>
          ) : null}
        </div>
      ) : null}
      <div className="flex min-h-0 flex-1 gap-4">
        <section aria-label="Item" className="flex min-w-0 flex-1 flex-col gap-3">
          {item ? (
            item.imageUrl ? (
              <ZoomableImage key={item.itemId} src={item.imageUrl} />
            ) : (
              <article aria-label="Text to label" className="min-h-0 flex-1 overflow-auto rounded-lg border border-zinc-200 bg-white p-5 text-base leading-relaxed whitespace-pre-wrap dark:border-zinc-800 dark:bg-zinc-900">
                {item.text}
              </article>
            )
          ) : (
            <div className="flex flex-1 items-center justify-center rounded-lg border border-dashed border-zinc-300 p-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400" role="status">
              {state.reason}
            </div>
          )}
          {item ? (
            <div className="space-y-2">
              <div role={multi ? "group" : "radiogroup"} aria-label="Labels" className="flex flex-wrap gap-2">
                {state.job.labels.map((label, i) => {
                  const on = selected.includes(i);
                  return (
                    <button
                      key={label.name}
                      type="button"
                      role={multi ? "checkbox" : "radio"}
                      aria-checked={on}
                      title={label.description || undefined}
                      onClick={() => pick(i)}
                      className={`rounded-md border px-3 py-1.5 text-sm ${on ? "border-sky-600 bg-sky-600 text-white" : "border-zinc-300 bg-white hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"}`}
                    >
                      {i < 10 ? <kbd className={`mr-1.5 font-mono text-xs ${on ? "text-sky-100" : "text-zinc-500"}`}>{i === 9 ? 0 : i + 1}</kbd> : null}
                      {label.name}
                    </button>
                  );
                })}
              </div>
              <div className="flex items-center gap-2">
                <Button onClick={() => void submit()} busy={busy} disabled={!multi && selected.length !== 1}>
                  Submit <kbd className="ml-1 font-mono text-xs opacity-75">Enter</kbd>
                </Button>
                <Button variant="secondary" onClick={() => void skip()} disabled={busy}>
                  Skip <kbd className="ml-1 font-mono text-xs opacity-75">S</kbd>
                </Button>
                <Button variant="secondary" onClick={undo} disabled={history.length === 0}>
                  Undo <kbd className="ml-1 font-mono text-xs opacity-75">Z</kbd>
                </Button>
                <span className="text-xs text-zinc-500">{multi ? "Number keys toggle labels; pick every one that applies." : "A number key picks the label."}</span>
              </div>
            </div>
          ) : null}
        </section>
        {help ? (
          <aside aria-label="Instructions" className="w-80 shrink-0 overflow-auto rounded-lg border border-zinc-200 bg-white p-4 text-sm dark:border-zinc-800 dark:bg-zinc-900">
            <h2 className="font-semibold">Instructions</h2>
            <p className="mt-2 whitespace-pre-wrap text-zinc-700 dark:text-zinc-300">{state.job.instructions || "No instructions were written for this job."}</p>
            {state.job.examples.good.length + state.job.examples.bad.length > 0 ? (
              <>
                <h3 className="mt-4 font-semibold">Examples</h3>
                <ul className="mt-1 space-y-2">
                  {[...state.job.examples.good.map((e) => ({ ...e, good: true })), ...state.job.examples.bad.map((e) => ({ ...e, good: false }))].map((e, i) => (
                    <li key={i} className={`rounded border-l-4 p-2 ${e.good ? "border-emerald-500 bg-emerald-50 dark:bg-emerald-950" : "border-red-500 bg-red-50 dark:bg-red-950"}`}>
                      <span className="text-xs font-medium">{e.good ? "Good" : "Bad"}: {e.label}</span>
                      <p className="whitespace-pre-wrap">{e.text}</p>
                      {e.why ? <p className="text-xs text-zinc-600 dark:text-zinc-400">{e.why}</p> : null}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            <h3 className="mt-4 font-semibold">Keys</h3>
            <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
              <dt className="font-mono">1–9, 0</dt>
              <dd>{multi ? "toggle a label" : "pick a label"}</dd>
              <dt className="font-mono">Enter</dt>
              <dd>submit</dd>
              <dt className="font-mono">S</dt>
              <dd>skip (someone else labels it)</dd>
              <dt className="font-mono">Z</dt>
              <dd>undo the last pick</dd>
              <dt className="font-mono">wheel, + −, drag</dt>
              <dd>zoom and pan an image (double-click resets)</dd>
              <dt className="font-mono">?</dt>
              <dd>show or hide this panel</dd>
            </dl>
          </aside>
        ) : null}
      </div>
    </div>
  );
}

/** An image that zooms (wheel, + and −) and pans (drag); double-click resets. */
function ZoomableImage({ src }: { src: string }) {
  const [zoom, setZoom] = useState(1);
  const [offset, setOffset] = useState({ x: 0, y: 0 });
  const drag = useRef<{ x: number; y: number } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "+" || e.key === "=") setZoom((z) => Math.min(8, z * 1.25));
      if (e.key === "-") setZoom((z) => Math.max(0.25, z / 1.25));
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const onWheel = (e: WheelEvent<HTMLDivElement>) => setZoom((z) => Math.min(8, Math.max(0.25, z * (e.deltaY < 0 ? 1.1 : 1 / 1.1))));
  const onDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    drag.current = { x: e.clientX - offset.x, y: e.clientY - offset.y };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (drag.current) setOffset({ x: e.clientX - drag.current.x, y: e.clientY - drag.current.y });
  };
  return (
    <div
      aria-label="Image to label"
      className="relative min-h-0 flex-1 cursor-grab touch-none overflow-hidden rounded-lg border border-zinc-200 bg-zinc-100 select-none dark:border-zinc-800 dark:bg-zinc-950"
      onWheel={onWheel}
      onPointerDown={onDown}
      onPointerMove={onMove}
      onPointerUp={() => (drag.current = null)}
      onDoubleClick={() => {
        setZoom(1);
        setOffset({ x: 0, y: 0 });
      }}
    >
      {failed ? (
        <p className="p-6 text-sm text-red-700" role="alert">
          The image did not load. Skip it (S) and tell the job&apos;s owner.
        </p>
      ) : (
        // eslint-disable-next-line @next/next/no-img-element -- an item of a private dataset, served by the studio's API, not an optimisable static asset
        <img
          src={src}
          alt="The item to label"
          draggable={false}
          onError={() => setFailed(true)}
          className="absolute top-1/2 left-1/2 max-h-full max-w-full"
          style={{ transform: `translate(calc(-50% + ${offset.x}px), calc(-50% + ${offset.y}px)) scale(${zoom})` }}
        />
      )}
      <span className="absolute right-2 bottom-2 rounded bg-black/60 px-1.5 py-0.5 font-mono text-xs text-white">{Math.round(zoom * 100)}%</span>
    </div>
  );
}
