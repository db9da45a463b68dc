"use client";

import { useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { api } from "@/lib/api-client";
import { Button } from "@/components/ui/button";
import { ErrorNotice } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import type { JobLogChunkView, JobLogsPage } from "@/components/jobs/use-jobs";

/** One displayed line; an attempt separator has `separator` set. */
interface LogLine {
  /** Line number in the log (separators have none). */
  n: number;
  text: string;
  stream: string;
  attempt: number;
  separator?: true;
}

const LINE_HEIGHT = 18;
/** A line longer than this is cut for display (the download has it whole). */
const MAX_LINE_CHARS = 5_000;
const PAGE = 5_000;

/**
 * The job's log, tailed: asks for the chunks after the last cursor every second while the job is
 * active (and twice more after it ends, for the runner's last lines). Lines live in a ref and only
 * a counter is state, so 100k lines are not copied on every poll.
 */
function useTailedLog(jobId: string, active: boolean) {
  const lines = useRef<LogLine[]>([]);
  const [count, setCount] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const activeRef = useRef(active);
  useEffect(() => {
    activeRef.current = active;
  }, [active]);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cursor: string | null = null;
    let lastAttempt = 0;
    // Per stream, the index of a line that did not end with a newline yet (the next chunk continues it).
    let open = new Map<string, number>();
    let grace = 2;
    let numbered = 0;
    lines.current = [];

    const append = (chunks: JobLogChunkView[]) => {
      const out = lines.current;
      for (const chunk of chunks) {
        if (chunk.attempt !== lastAttempt) {
          if (!(lastAttempt === 0 && chunk.attempt === 1)) out.push({ n: 0, text: `Attempt ${chunk.attempt}`, stream: "system", attempt: chunk.attempt, separator: true });
          lastAttempt = chunk.attempt;
          open = new Map();
        }
        const parts = chunk.text.split("\n");
        const endsOpen = parts[parts.length - 1] !== "";
        if (!endsOpen) parts.pop();
        parts.forEach((part, i) => {
          const clean = part.replace(/\r$/, "");
          const openAt = i === 0 ? open.get(chunk.stream) : undefined;
          if (openAt !== undefined) out[openAt] = { ...out[openAt], text: out[openAt].text + clean };
          else out.push({ n: ++numbered, text: clean, stream: chunk.stream, attempt: chunk.attempt });
        });
        if (endsOpen) open.set(chunk.stream, out.length - 1);
        else open.delete(chunk.stream);
      }
    };

    const tick = async () => {
      const wasActive = activeRef.current;
      try {
        for (;;) {
          const qs = new URLSearchParams({ limit: String(PAGE) });
          if (cursor) qs.set("after", cursor);
          const page = await api<JobLogsPage>(`/api/jobs/${jobId}/logs?${qs}`);
          if (cancelled) return;
          if (page.chunks.length > 0) {
            append(page.chunks);
            setCount(lines.current.length);
          }
          cursor = page.cursor ?? cursor;
          if (!page.more) break;
        }
        setError(null);
        setLoaded(true);
      } catch (e) {
        if (cancelled) return;
        setError(e);
      }
      if (cancelled) return;
      if (wasActive || grace-- > 0) timer = setTimeout(() => void tick(), 1_000);
    };
    void tick();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [jobId]);

  return { lines, count, error, loaded };
}

function Highlighted({ text, needle }: { text: string; needle: string }) {
  if (!needle) return <>{text}</>;
  const lower = text.toLowerCase();
  const parts: React.ReactNode[] = [];
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, from)) {
    parts.push(text.slice(from, at), <mark key={at} className="rounded-sm bg-amber-200 text-inherit dark:bg-amber-700/70">{text.slice(at, at + needle.length)}</mark>);
    from = at + needle.length;
  }
  parts.push(text.slice(from));
  return <>{parts}</>;
}

const streamClass: Record<string, string> = {
  stderr: "bg-red-50 text-red-900 dark:bg-red-950/50 dark:text-red-200",
  system: "text-zinc-500 italic",
  stdout: "",
};

/** Live log of a job: monospace, virtualised, follows the tail unless scrolled up, searchable, downloadable. */
export function JobLogViewer({ jobId, active, waitingFor }: { jobId: string; active: boolean; waitingFor?: string | null }) {
  const { lines, count, error, loaded } = useTailedLog(jobId, active);
  const [q, setQ] = useState("");
  const needle = useDeferredValue(q.trim().toLowerCase());
  const [following, setFollowing] = useState(true);
  const scroller = useRef<HTMLDivElement>(null);

  // Indices of the lines shown: all, or those matching the search (separators stay for orientation).
  const shown = useMemo(() => {
    const all = lines.current;
    const out: number[] = [];
    for (let i = 0; i < count; i++) if (!needle || all[i].separator || all[i].text.toLowerCase().includes(needle)) out.push(i);
    return out;
  }, [lines, count, needle]);
  const matches = needle ? shown.filter((i) => !lines.current[i].separator).length : 0;

  // react-virtual's hook returns functions the React Compiler cannot memoize; this component does not rely on that.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => LINE_HEIGHT, overscan: 30 });

  useEffect(() => {
    const el = scroller.current;
    if (following && el) el.scrollTop = el.scrollHeight;
  }, [following, shown.length]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - LINE_HEIGHT;
    if (atBottom !== following) setFollowing(atBottom);
  };

  const gutter = String(Math.max(count, 1)).length;
  return (
    <section aria-label="Logs" className="flex flex-col">
      <div className="mb-2 flex flex-wrap items-center gap-2">
        <h2 className="text-sm font-semibold">Logs</h2>
        <input aria-label="Search logs" placeholder="Search logs" value={q} onChange={(e) => setQ(e.target.value)} className={`${controlClass} h-7 w-64 py-0.5 text-xs`} />
        <span className="text-xs text-zinc-500 tabular-nums" role="status">
          {needle ? `${matches.toLocaleString()} matching of ` : ""}
          {count.toLocaleString()} lines{active ? (following ? " · following" : " · paused (scrolled up)") : ""}
        </span>
        <div className="ml-auto flex items-center gap-2">
          {!following ? (
            <Button size="sm" variant="secondary" onClick={() => setFollowing(true)}>
              Follow tail ↓
            </Button>
          ) : null}
          <a
            href={`/api/jobs/${jobId}/logs/download`}
            download
            className="inline-flex h-7 items-center rounded-md border border-zinc-300 bg-white px-2.5 text-xs font-medium text-zinc-800 hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800"
          >
            Download
          </a>
        </div>
      </div>
      <ErrorNotice error={error} />
      <div
        ref={scroller}
        onScroll={onScroll}
        data-testid="log-lines"
        className="h-[28rem] overflow-auto rounded-md border border-zinc-200 bg-zinc-50 font-mono text-xs dark:border-zinc-800 dark:bg-zinc-950"
      >
        {count === 0 ? (
          <p className="p-3 font-sans text-xs text-zinc-500">
            {!loaded ? "Loading the log…" : active ? `No output yet${waitingFor ? `: ${waitingFor}` : "."}` : "This job wrote no output."}
          </p>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: "relative", minWidth: "100%" }}>
            {virtualizer.getVirtualItems().map((item) => {
              const index = shown[item.index];
              const line = lines.current[index];
              if (line.separator) {
                return (
                  <div
                    key={item.key}
                    className="absolute left-0 flex w-full items-center gap-2 px-2 font-sans text-[11px] font-semibold text-sky-700 dark:text-sky-400"
                    style={{ height: LINE_HEIGHT, transform: `translateY(${item.start}px)` }}
                  >
                    <span className="h-px flex-1 bg-sky-300 dark:bg-sky-800" />
                    {line.text}
                    <span className="h-px flex-1 bg-sky-300 dark:bg-sky-800" />
                  </div>
                );
              }
              const text = line.text.length > MAX_LINE_CHARS ? `${line.text.slice(0, MAX_LINE_CHARS)} … (${(line.text.length - MAX_LINE_CHARS).toLocaleString()} more characters in the download)` : line.text;
              return (
                <div
                  key={item.key}
                  data-stream={line.stream}
                  className={`absolute left-0 flex min-w-full whitespace-pre ${streamClass[line.stream] ?? ""}`}
                  style={{ height: LINE_HEIGHT, lineHeight: `${LINE_HEIGHT}px`, transform: `translateY(${item.start}px)` }}
                >
                  <span
                    className={`sticky left-0 shrink-0 pr-2 pl-2 text-right text-zinc-400 select-none ${line.stream === "stderr" ? "bg-red-50 dark:bg-red-950" : "bg-zinc-50 dark:bg-zinc-950"}`}
                    style={{ width: `${gutter + 2}ch` }}
                    aria-hidden
                  >
                    {line.n}
                  </span>
                  <span className="pr-3">
                    <Highlighted text={text} needle={needle} />
                  </span>
                </div>
              );
            })}
          </div>
        )}
      </div>
    </section>
  );
}
