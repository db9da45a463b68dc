"use client";

import { useMemo, useState } from "react";
import type { SpanAnswerItem } from "@/lib/labeling/tasks";
import { labelColor, labelKey, LabelChips, UndoButton, useQueueKeys, useUndoable, type EditorProps } from "@/components/labeling/label-picker";

// Named entities, keyboard first: the text is cut into words (and punctuation marks); ← → move the
// cursor a word, Shift+← → stretch the selection, Home / End jump; a number key marks the
// selection (or the word under the cursor) as that label — on a word of an entity with nothing
// selected it relabels the whole entity; Delete or Backspace removes the entity under the cursor;
// Esc drops the selection; Z undoes. Mouse: click a word, drag or Shift+click to select. Entities
// never overlap (marking over one replaces it). The text is rendered as text, never as markup.

type Span = SpanAnswerItem;
interface Token {
  start: number;
  end: number;
}

const WORD = /[\p{L}\p{N}_]+(?:['’][\p{L}]+)*|[^\s\p{L}\p{N}_]/gu;

function tokenize(text: string): Token[] {
  return [...text.matchAll(WORD)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

export function SpanEditor({ item, labels, onChange }: EditorProps) {
  const text = item.text ?? "";
  const tokens = useMemo(() => tokenize(text), [text]);
  const spans = useUndoable<Span[]>([], (value) => onChange({ spans: value }, null));
  const [cursor, setCursor] = useState(0);
  const [anchor, setAnchor] = useState<number | null>(null);
  const [dragging, setDragging] = useState(false);


  const lo = anchor === null ? cursor : Math.min(anchor, cursor);
  const hi = anchor === null ? cursor : Math.max(anchor, cursor);
  /** The entity a token is in. */
  const spanOf = (t: number): number => spans.value.findIndex((s) => tokens[t] && s.start <= tokens[t].start && tokens[t].end <= s.end);

  const mark = (label: number) => {
    if (label >= labels.length || tokens.length === 0) return;
    const inside = spanOf(cursor);
    if (anchor === null && inside >= 0) {
      spans.set(spans.value.map((s, i) => (i === inside ? { ...s, label } : s)));
      return;
    }
    const start = tokens[lo].start;
    const end = tokens[hi].end;
    const kept = spans.value.filter((s) => s.end <= start || s.start >= end);
    spans.set([...kept, { start, end, label }].sort((a, b) => a.start - b.start));
    setAnchor(null);
    setCursor(hi);
  };
  const removeAt = () => {
    const start = tokens[lo]?.start ?? 0;
    const end = tokens[hi]?.end ?? 0;
    const kept = spans.value.filter((s) => s.end <= start || s.start >= end);
    if (kept.length !== spans.value.length) spans.set(kept);
    setAnchor(null);
  };
  const moveTo = (t: number, extend: boolean) => {
    const next = Math.min(Math.max(0, t), tokens.length - 1);
    if (extend) setAnchor((a) => (a === null ? cursor : a));
    else setAnchor(null);
    setCursor(next);
  };

  useQueueKeys((e) => {
    const index = labelKey(e.key);
    if (index !== null && !e.ctrlKey && !e.altKey) return mark(index), true;
    if (e.key.toLowerCase() === "z" && !e.altKey) return spans.undo(), true;
    if (e.key === "ArrowRight") return moveTo(cursor + 1, e.shiftKey), true;
    if (e.key === "ArrowLeft") return moveTo(cursor - 1, e.shiftKey), true;
    if (e.key === "Home") return moveTo(0, e.shiftKey), true;
    if (e.key === "End") return moveTo(tokens.length - 1, e.shiftKey), true;
    if (e.key === "Escape") return setAnchor(null), true;
    if (e.key === "Delete" || e.key === "Backspace") return removeAt(), true;
    return false;
  });

  // The text as words and the gaps between them; entities coloured, the selection outlined.
  const pieces: React.ReactNode[] = [];
  let at = 0;
  tokens.forEach((token, t) => {
    if (token.start > at) pieces.push(text.slice(at, token.start));
    const s = spanOf(t);
    const span = s >= 0 ? spans.value[s] : null;
    const selectedToken = t >= lo && t <= hi;
    const last = span !== null && token.end === span.end;
    pieces.push(
      <span
        key={t}
        data-token={t}
        onMouseDown={(e) => {
          e.preventDefault();
          moveTo(t, e.shiftKey);
          if (!e.shiftKey) setDragging(true);
        }}
        onMouseEnter={() => dragging && moveTo(t, true)}
        className={`cursor-text rounded-sm ${selectedToken ? "outline-2 outline-sky-500" : ""} ${t === cursor ? "underline decoration-sky-600 decoration-2 underline-offset-4" : ""}`}
        style={span ? { background: `${labelColor(span.label)}2e`, boxShadow: `inset 0 -2px 0 ${labelColor(span.label)}` } : undefined}
      >
        {text.slice(token.start, token.end)}
        {last ? (
          <sup className="ml-0.5 rounded px-1 text-[10px] font-semibold text-white" style={{ background: labelColor(span.label) }}>
            {labels[span.label]?.name}
          </sup>
        ) : null}
      </span>,
    );
    at = token.end;
  });
  if (at < text.length) pieces.push(text.slice(at));

  return (
    <>
      <div className="flex min-h-0 flex-1 gap-3">
        <article aria-label="Text to label" className="min-h-0 flex-1 overflow-auto rounded-lg border border-zinc-200 bg-white p-5 text-base leading-loose whitespace-pre-wrap select-none dark:border-zinc-800 dark:bg-zinc-900" onMouseUp={() => setDragging(false)} onMouseLeave={() => setDragging(false)}>
          {pieces}
        </article>
        <aside aria-label="Entities marked" className="w-56 shrink-0 overflow-auto rounded-lg border border-zinc-200 bg-white p-2 text-xs dark:border-zinc-800 dark:bg-zinc-900">
          <h2 className="mb-1 font-semibold">Entities ({spans.value.length})</h2>
          {spans.value.length === 0 ? <p className="text-zinc-500">Select words (Shift+arrows or drag) and press a label&apos;s number. Submitting none says the text has no entities.</p> : null}
          <ol className="space-y-1">
            {spans.value.map((s, i) => (
              <li key={`${s.start}-${s.end}`} data-testid={`entity-${i + 1}`} className="flex items-start gap-1">
                <span className="mt-1 inline-block size-2 shrink-0 rounded-sm" style={{ background: labelColor(s.label) }} />
                <span className="min-w-0 flex-1 break-words">
                  <span className="font-medium">{labels[s.label]?.name}</span>: {text.slice(s.start, s.end)}
                </span>
                <button type="button" className="text-zinc-500 hover:text-red-600" aria-label={`Remove ${text.slice(s.start, s.end)}`} onClick={() => spans.set(spans.value.filter((_, j) => j !== i))}>
                  ×
                </button>
              </li>
            ))}
          </ol>
        </aside>
      </div>
      <div className="space-y-2">
        <LabelChips labels={labels} on={[]} multi={false} onPick={mark} swatches />
        <p className="flex items-center gap-2 text-xs text-zinc-500">
          <UndoButton onClick={() => spans.undo()} disabled={!spans.canUndo} />
          ← →: word · Shift+← →: select · number: mark · Delete: unmark · Z: undo
        </p>
      </div>
    </>
  );
}
