"use client";

import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import { isMultiLabel, taskTypeLabels, type TaskType } from "@/lib/labeling/tasks";
import type { ReviewItem, ReviewState } from "@/lib/labeling/exchange";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { linkClass } from "@/components/ui/link";
import { Table, Td, Th } from "@/components/ui/table";
import { useLabelingJobs } from "@/components/labeling/use-labeling";
import { reviewApi } from "@/components/labeling/use-exchange";

/** Jobs of the reviewer's projects with their review backlog (the job's counter). */
export function ReviewJobsPage() {
  const { data, error, isLoading } = useLabelingJobs();
  const jobs = (data ?? []).filter((j) => j.review.pending > 0 || j.review.reviewed > 0);
  return (
    <>
      <PageHeader title="Review" description="Items whose consolidated label is unsure (confidence below the job's threshold) or whose labelers disagreed wait here for a reviewer to accept or correct." />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading…</p> : null}
      {data && jobs.length === 0 ? <EmptyState title="Nothing to review">Items join the review queue as labeling jobs consolidate them.</EmptyState> : null}
      {jobs.length > 0 ? (
        <Table label="Review backlog">
          <thead>
            <tr>
              <Th>Job</Th>
              <Th>Task</Th>
              <Th>Project</Th>
              <Th className="text-right">Waiting</Th>
              <Th className="text-right">Reviewed</Th>
              <Th className="text-right">Threshold</Th>
              <Th />
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.id}>
                <Td>
                  <Link href={`/labeling/${j.id}`} className={`font-medium ${linkClass}`}>
                    {j.name}
                  </Link>
                </Td>
                <Td className="text-xs">{taskTypeLabels[j.taskType]}</Td>
                <Td className="text-xs">{j.projectName}</Td>
                <Td className="text-right tabular-nums">{j.review.pending.toLocaleString()}</Td>
                <Td className="text-right tabular-nums">{j.review.reviewed.toLocaleString()}</Td>
                <Td className="text-right tabular-nums">{j.review.threshold}</Td>
                <Td className="text-right">
                  {j.review.pending > 0 ? (
                    <Link href={`/labeling/review/${j.id}`} className={linkClass}>
                      Review
                    </Link>
                  ) : null}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </>
  );
}

type Cursor = { after?: number; before?: number };

/** Keys 1–9 and 0 pick labels 1–10. */
const keyToLabel = (key: string): number | null => (/^[0-9]$/.test(key) ? (key === "0" ? 9 : Number(key) - 1) : null);
const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The reviewer's queue, one item at a time and keyboard first like the labelers': the item, each
 * worker's answer and the consolidated label (pre-selected). Number keys change the label (toggle
 * on a multi-label job), Enter accepts it as it is or saves the correction, ← and → move through
 * the backlog without deciding, ? shows the keys.
 */
export function ReviewQueue({ jobId }: { jobId: string }) {
  const qc = useQueryClient();
  const [cursor, setCursor] = useState<Cursor>({});
  // Bumped by each decision, so the next load happens even when the cursor stays (a backlog of one).
  const [decisions, setDecisions] = useState(0);
  const query = useQuery({
    queryKey: [...queryKeys.labeling.detail(jobId), "review", cursor, decisions],
    queryFn: () => reviewApi.load(jobId, cursor),
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
  });
  const state: ReviewState | null = query.data ?? null;
  const item = state?.item ?? null;
  const [picks, setPicks] = useState<{ itemId: string; selected: number[] }>({ itemId: "", selected: [] });
  const selected = useMemo(() => (item && picks.itemId === item.itemId ? picks.selected : (item?.labels ?? [])), [item, picks]);
  const [busy, setBusy] = useState(false);
  const [actionError, setError] = useState<unknown>(null);
  const [help, setHelp] = useState(false);
  const error = actionError ?? query.error;
  const multi = state ? isMultiLabel(state.job.taskType as TaskType) : false;
  const changed = item !== null && !same(selected, item.labels);

  const move = useCallback((next: Cursor) => {
    setError(null);
    setCursor(next);
  }, []);

  const pick = useCallback(
    (index: number) => {
      if (!state || !item || index >= state.job.labels.length) return;
      const next = multi ? (selected.includes(index) ? selected.filter((i) => i !== index) : [...selected, index].sort((a, b) => a - b)) : [index];
      setPicks({ itemId: item.itemId, selected: next });
    },
    [state, item, selected, multi],
  );

  const decide = useCallback(async () => {
    if (!item || busy) return;
    setBusy(true);
    try {
      if (changed) await reviewApi.correct(jobId, item.itemId, multi ? { labels: selected } : { label: selected[0] });
      else await reviewApi.accept(jobId, item.itemId);
      setError(null);
      void qc.invalidateQueries({ queryKey: queryKeys.labeling.detail(jobId), exact: true });
      // The next pending item after this one.
      setCursor({ after: item.seq });
      setDecisions((n) => n + 1);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }, [item, busy, changed, jobId, multi, selected, qc]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.altKey || e.metaKey || e.ctrlKey) return;
      const index = keyToLabel(e.key);
      if (index !== null) {
        e.preventDefault();
        pick(index);
      } else if (e.key === "Enter") {
        e.preventDefault();
        void decide();
      } else if (e.key === "ArrowRight" && item) {
        e.preventDefault();
        move({ after: item.seq });
      } else if (e.key === "ArrowLeft" && item) {
        e.preventDefault();
        move({ before: item.seq });
      } else if (e.key === "?") {
        setHelp((h) => !h);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [pick, decide, move, item]);

  if (!state) return error ? <ErrorNotice error={error} /> : <p className="text-sm text-zinc-500">Finding the next item to review…</p>;
  const conflict = error instanceof ApiError && error.code === "conflict";
  return (
    <div className="flex h-[calc(100vh-7rem)] min-h-[560px] flex-col gap-3">
      <header className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm">
        <h1 className="text-lg font-semibold">Review · {state.job.name}</h1>
        <span className="text-zinc-600 dark:text-zinc-400" data-testid="review-progress">
          {state.pending.toLocaleString()} waiting · {state.reviewed.toLocaleString()} reviewed
        </span>
        {item ? <span className="tabular-nums text-zinc-600 dark:text-zinc-400">Item {item.seq + 1}</span> : null}
        <span className="ml-auto flex gap-2">
          <Button size="sm" variant="secondary" onClick={() => setHelp((h) => !h)} aria-expanded={help}>
            Keys (?)
          </Button>
          <Link href={`/labeling/${jobId}`} className={`${linkClass} text-sm`}>
            Job
          </Link>
        </span>
      </header>
      {error ? (
        <div className="flex items-center gap-3">
          <ErrorNotice error={error} />
          {conflict ? (
            <Button size="sm" onClick={() => item && move({ after: item.seq })}>
              Next item
            </Button>
          ) : null}
        </div>
      ) : null}
      {item ? (
        <div className="flex min-h-0 flex-1 gap-4">
          <section aria-label="Item" className="flex min-w-0 flex-1 flex-col gap-3">
            {item.imageUrl ? (
              // eslint-disable-next-line @next/next/no-img-element -- an item of a private dataset, served by the studio's API
              <img src={item.imageUrl} alt="The item under review" className="min-h-0 flex-1 rounded-lg border border-zinc-200 object-contain dark:border-zinc-800" />
            ) : (
              <article aria-label="Text to review" className="min-h-0 flex-1 overflow-auto rounded-lg border border-zinc-200 bg-white p-5 text-base leading-relaxed whitespace-pre-wrap dark:border-zinc-800 dark:bg-zinc-900">
                {item.text}
              </article>
            )}
            <div className="flex items-center gap-2">
              <Button onClick={() => void decide()} busy={busy} disabled={!multi && selected.length !== 1}>
                {changed ? "Save correction" : "Accept"} <kbd className="ml-1 font-mono text-xs opacity-75">Enter</kbd>
              </Button>
              <Button variant="secondary" onClick={() => move({ before: item.seq })} disabled={busy}>
                Previous <kbd className="ml-1 font-mono text-xs opacity-75">←</kbd>
              </Button>
              <Button variant="secondary" onClick={() => move({ after: item.seq })} disabled={busy}>
                Next <kbd className="ml-1 font-mono text-xs opacity-75">→</kbd>
              </Button>
              <span className="text-xs text-zinc-500">{changed ? "You changed the label: Enter saves the correction." : "Enter accepts the consolidated label; a number key changes it."}</span>
            </div>
          </section>
          <aside aria-label="Answers and label" className="w-96 shrink-0 space-y-4 overflow-auto rounded-lg border border-zinc-200 bg-white p-4 text-sm dark:border-zinc-800 dark:bg-zinc-900">
            <ReviewPanel state={state} item={item} selected={selected} multi={multi} onPick={pick} />
            {help ? <ReviewKeys multi={multi} /> : null}
          </aside>
        </div>
      ) : (
        <div className="flex flex-1 items-center justify-center rounded-lg border border-dashed border-zinc-300 p-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400" role="status">
          Nothing left to review in this job.
        </div>
      )}
    </div>
  );
}

/** Why the item is here, the consolidated label, and for each label: its key, how many workers chose it, whether it is picked now. */
function ReviewPanel({ state, item, selected, multi, onPick }: { state: ReviewState; item: ReviewItem; selected: number[]; multi: boolean; onPick: (i: number) => void }) {
  const votes = (i: number) => item.answers.filter((a) => a.labels.includes(i)).length;
  const names = (ids: number[] | null) => (ids === null ? "not known" : ids.length ? ids.map((i) => state.job.labels[i]?.name ?? String(i)).join(", ") : "none");
  return (
    <>
      <div>
        <h2 className="text-xs font-semibold tracking-wider text-zinc-500 uppercase">Why it is here</h2>
        <ul className="mt-1 list-disc pl-5" data-testid="review-reasons">
          {item.reasons.length ? item.reasons.map((r) => <li key={r}>{r}</li>) : <li>sent for review</li>}
        </ul>
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1" data-testid="review-consolidated">
        <dt className="text-zinc-500">Consolidated</dt>
        <dd className="font-medium">{names(item.labels)}</dd>
        <dt className="text-zinc-500">Confidence</dt>
        <dd className="tabular-nums">{item.confidence === null ? "–" : item.confidence.toFixed(2)}</dd>
        <dt className="text-zinc-500">Majority vote</dt>
        <dd>{names(item.majority)}</dd>
        <dt className="text-zinc-500">Labeled by</dt>
        <dd>{item.humanAnnotated ? "people" : "a model"}</dd>
      </dl>
      <div role={multi ? "group" : "radiogroup"} aria-label="Labels" className="space-y-1">
        {state.job.labels.map((label, i) => {
          const on = selected.includes(i);
          return (
            <button
              key={label.name}
              type="button"
              role={multi ? "checkbox" : "radio"}
              aria-checked={on}
              onClick={() => onPick(i)}
              className={`flex w-full items-center gap-2 rounded-md border px-2.5 py-1.5 text-left ${on ? "border-sky-600 bg-sky-600 text-white" : "border-zinc-300 hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800"}`}
            >
              {i < 10 ? <kbd className={`font-mono text-xs ${on ? "text-sky-100" : "text-zinc-500"}`}>{i === 9 ? 0 : i + 1}</kbd> : null}
              <span className="flex-1">{label.name}</span>
              {item.labels.includes(i) ? <span className={`text-xs ${on ? "text-sky-100" : "text-zinc-500"}`}>consolidated</span> : null}
              <span className={`text-xs tabular-nums ${on ? "text-sky-100" : "text-zinc-500"}`} title="Workers who chose it">
                {votes(i)} / {item.answers.length}
              </span>
            </button>
          );
        })}
      </div>
      <div>
        <h2 className="text-xs font-semibold tracking-wider text-zinc-500 uppercase">Workers&apos; answers</h2>
        {item.answers.length === 0 ? (
          <p className="mt-1 text-zinc-500">None in this studio (the label was imported or machine-made).</p>
        ) : (
          <ul className="mt-1 space-y-1" data-testid="review-answers">
            {item.answers.map((a, k) => (
              <li key={k} className="flex justify-between gap-2">
                <span className="truncate" title={a.workerEmail ?? undefined}>
                  {a.workerName}
                </span>
                <span className="font-medium">{names(a.labels)}</span>
                <span className="text-xs text-zinc-500 tabular-nums">{a.timeSpentSeconds === null ? "" : `${a.timeSpentSeconds.toFixed(0)} s`}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </>
  );
}

function ReviewKeys({ multi }: { multi: boolean }) {
  const keys: [string, string][] = [
    ["1–9, 0", multi ? "toggle a label" : "pick a label"],
    ["Enter", "accept as it is, or save your correction"],
    ["← →", "previous or next item waiting for review"],
    ["?", "show or hide the keys"],
  ];
  return (
    <div>
      <h2 className="text-xs font-semibold tracking-wider text-zinc-500 uppercase">Keys</h2>
      <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
        {keys.map(([key, what]) => (
          <div key={key} className="contents">
            <dt className="font-mono">{key}</dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
