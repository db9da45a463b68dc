"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { Fragment, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError } from "@/lib/api-client";
import { answerKind, type Answer, type AnswerKind, type QueueState } from "@/lib/labeling/tasks";
import { Button } from "@/components/ui/button";
import { ErrorNotice } from "@/components/ui/card";
import { linkClass } from "@/components/ui/link";
import { queueApi } from "@/components/labeling/use-labeling";
import { queryKeys } from "@/lib/query-keys";
import { ClassificationEditor, useQueueKeys } from "@/components/labeling/label-picker";
import { ImageStage } from "@/components/labeling/image-stage";
import { BoxEditor } from "@/components/labeling/box-editor";
import { SpanEditor } from "@/components/labeling/span-editor";

const isWaiting = (state: QueueState | undefined): boolean => state !== undefined && !state.item && state.job.status === "in_progress" && !(state.reason ?? "").startsWith("All done");

const HEARTBEAT_MS = 20_000;
const RETRY_MS = 10_000;

/** Each task's keys, for the help panel (Enter, S and ? are the page's own). */
const taskKeys: Record<AnswerKind, [string, string][]> = {
  label: [
    ["1–9, 0", "pick a label"],
    ["Z", "undo the last pick"],
    ["wheel, + −, drag", "zoom and pan an image (double-click resets)"],
  ],
  labels: [
    ["1–9, 0", "toggle a label"],
    ["Z", "undo the last pick"],
    ["wheel, + −, drag", "zoom and pan an image (double-click resets)"],
  ],
  boxes: [
    ["1–9, 0", "class of the next box (or of the selected one)"],
    ["drag", "draw a box; drag a selected box to move it, its corners to resize"],
    ["Tab, Shift+Tab", "select the next / previous box"],
    ["arrows", "move the selected box 1 px (Shift: 10)"],
    ["Ctrl+arrows", "resize it: → ↓ grow, ← ↑ shrink"],
    ["Delete", "remove the selected box"],
    ["Esc", "let go of the selected box"],
    ["Z", "undo"],
    ["wheel, + −", "zoom; pan with Space+drag or the right button"],
  ],
  spans: [
    ["← →", "move a word"],
    ["Shift+← →, drag", "select words"],
    ["1–9, 0", "mark the selection (or relabel the entity under the cursor)"],
    ["Delete", "remove the entity under the cursor"],
    ["Esc", "drop the selection"],
    ["Z", "undo"],
  ],
};

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
 * One item at a time, keyboard first: the task's editor (labels, boxes or entities; see their own
 * keys) makes the answer, Enter submits it, S skips, ? shows the instructions and keys. The claim's
 * lease is renewed every 20 s while the page is open.
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
  // The answer belongs to the item it was made on: a new item starts with none.
  const [draft, setDraft] = useState<{ assignmentId: string; answer: Answer | null; missing: string | null }>({ assignmentId: "", answer: null, missing: null });
  const current = useMemo(() => (item && draft.assignmentId === item.assignmentId ? draft : { answer: null, missing: "Label the item first." }), [item, draft]);
  const [busy, setBusy] = useState(false);
  const [actionError, setError] = useState<unknown>(null);
  const error = actionError ?? query.error;
  const [help, setHelp] = useState(false);
  const now = useNow();
  const kind = state ? answerKind(state.job.taskType) : "label";
  const assignmentId = item?.assignmentId ?? "";
  // The latest answer is also kept outside React's render cycle: Enter right after a pick submits it.
  const latest = useRef(draft);
  const onAnswer = useCallback(
    (answer: Answer | null, missing: string | null) => {
      latest.current = { assignmentId, answer, missing };
      setDraft(latest.current);
    },
    [assignmentId],
  );

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

  const submit = useCallback(async () => {
    if (!item || busy) return;
    const made = latest.current.assignmentId === item.assignmentId ? latest.current : null;
    const answer = made?.answer ?? null;
    if (!answer) return setError(new Error(made?.missing ?? "Label the item first."));
    setBusy(true);
    try {
      await queueApi.submit(jobId, item.assignmentId, answer);
      await load();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }, [item, busy, jobId, load]);

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

  useQueueKeys((e) => {
    if (e.altKey || e.ctrlKey) return false;
    if (e.key === "Enter") return void submit(), true;
    if (e.key.toLowerCase() === "s") return void skip(), true;
    if (e.key === "?") return setHelp((h) => !h), true;
    return false;
  });

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
            <>
              {kind === "boxes" ? (
                <BoxEditor key={item.assignmentId} item={item} labels={state.job.labels} onChange={onAnswer} />
              ) : kind === "spans" ? (
                <SpanEditor key={item.assignmentId} item={item} labels={state.job.labels} onChange={onAnswer} />
              ) : (
                <ClassificationEditor key={item.assignmentId} item={item} labels={state.job.labels} multi={kind === "labels"} onChange={onAnswer}>
                  {item.imageUrl ? (
                    <ImageStage src={item.imageUrl} width={item.width} height={item.height} />
                  ) : (
                    <article aria-label="Text to label" className="min-h-0 flex-1 overflow-auto rounded-lg border border-zinc-200 bg-white p-5 text-base leading-relaxed whitespace-pre-wrap dark:border-zinc-800 dark:bg-zinc-900">
                      {item.text}
                    </article>
                  )}
                </ClassificationEditor>
              )}
              <div className="flex items-center gap-2">
                <Button onClick={() => void submit()} busy={busy} disabled={!current.answer}>
                  Submit <kbd className="ml-1 font-mono text-xs opacity-75">Enter</kbd>
                </Button>
                <Button variant="secondary" onClick={() => void skip()} disabled={busy}>
                  Skip <kbd className="ml-1 font-mono text-xs opacity-75">S</kbd>
                </Button>
              </div>
            </>
          ) : (
            <div className="flex flex-1 items-center justify-center rounded-lg border border-dashed border-zinc-300 p-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400" role="status">
              {state.reason}
            </div>
          )}
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
              {taskKeys[kind].map(([key, what]) => (
                <Fragment key={key}>
                  <dt className="font-mono">{key}</dt>
                  <dd>{what}</dd>
                </Fragment>
              ))}
              <dt className="font-mono">Enter</dt>
              <dd>submit</dd>
              <dt className="font-mono">S</dt>
              <dd>skip (someone else labels it)</dd>
              <dt className="font-mono">?</dt>
              <dd>show or hide this panel</dd>
            </dl>
          </aside>
        ) : null}
      </div>
    </div>
  );
}
