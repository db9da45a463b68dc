"use client";

import { useEffect, useRef, useState } from "react";
import type { Answer, ClaimedItem, LabelDef } from "@/lib/labeling/tasks";
import { Button } from "@/components/ui/button";

// What every task editor of the labeling queue shares: the label chips with their number keys, a
// keyboard hook that leaves typing in fields alone, the colours labels are drawn in, and the undo
// history. An editor owns one item (it is remounted for the next) and reports its answer, or why
// there is none yet, through onChange; the queue page submits it.

export interface EditorProps {
  item: ClaimedItem;
  labels: LabelDef[];
  /** The answer as it stands, or null with what is missing. */
  onChange: (answer: Answer | null, missing: string | null) => void;
}

/** Keys that pick labels 1–10 (0 is the tenth). */
export const labelKey = (key: string): number | null => (/^[0-9]$/.test(key) ? (key === "0" ? 9 : Number(key) - 1) : null);

/** A label's colour (boxes, entities), by class index. */
const PALETTE = ["#0284c7", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#db2777", "#65a30d", "#4f46e5", "#ca8a04"];
export const labelColor = (index: number): string => PALETTE[index % PALETTE.length];

/** Runs `handler` on key presses outside text fields; it returns true when it used the key. */
export function useQueueKeys(handler: (e: KeyboardEvent) => boolean): void {
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement || e.metaKey) return;
      if (ref.current(e)) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}

/**
 * A value with an undo history: set() records the previous value (a change that changes nothing is
 * not recorded), undo() restores it. `onValue` hears every new value at once, inside the key or
 * click that made it, so an Enter pressed right after a pick submits that pick.
 */
export function useUndoable<T>(initial: T, onValue: (value: T) => void): { value: T; set: (next: T) => void; undo: () => void; canUndo: boolean } {
  const [state, setState] = useState({ value: initial, history: [] as T[] });
  const announce = useRef(onValue);
  useEffect(() => {
    announce.current = onValue;
  });
  // The first value is the item's answer until something changes it.
  useEffect(() => announce.current(initial), []); // eslint-disable-line react-hooks/exhaustive-deps -- once, for the value the editor starts with
  return {
    value: state.value,
    set: (next) => {
      if (JSON.stringify(next) === JSON.stringify(state.value)) return;
      setState((s) => ({ value: next, history: [...s.history, s.value] }));
      announce.current(next);
    },
    undo: () => {
      const previous = state.history[state.history.length - 1];
      if (state.history.length === 0) return;
      setState((s) => ({ value: s.history[s.history.length - 1] ?? s.value, history: s.history.slice(0, -1) }));
      announce.current(previous);
    },
    canUndo: state.history.length > 0,
  };
}

/** The job's labels as buttons with their number keys; `on` marks the chosen ones. */
export function LabelChips({ labels, on, multi, onPick, swatches = false }: { labels: LabelDef[]; on: number[]; multi: boolean; onPick: (index: number) => void; swatches?: boolean }) {
  return (
    <div role={multi ? "group" : "radiogroup"} aria-label="Labels" className="flex flex-wrap gap-2">
      {labels.map((label, i) => {
        const chosen = on.includes(i);
        return (
          <button
            key={label.name}
            type="button"
            role={multi ? "checkbox" : "radio"}
            aria-checked={chosen}
            title={label.description || undefined}
            onClick={() => onPick(i)}
            className={`flex items-center rounded-md border px-3 py-1.5 text-sm ${chosen ? "border-sky-600 bg-sky-600 text-white" : "border-zinc-300 bg-white hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"}`}
          >
            {swatches ? <span aria-hidden className="mr-1.5 inline-block size-2.5 rounded-sm" style={{ background: labelColor(i) }} /> : null}
            {i < 10 ? <kbd className={`mr-1.5 font-mono text-xs ${chosen ? "text-sky-100" : "text-zinc-500"}`}>{i === 9 ? 0 : i + 1}</kbd> : null}
            {label.name}
          </button>
        );
      })}
    </div>
  );
}

export function UndoButton({ onClick, disabled }: { onClick: () => void; disabled: boolean }) {
  return (
    <Button variant="secondary" onClick={onClick} disabled={disabled}>
      Undo <kbd className="ml-1 font-mono text-xs opacity-75">Z</kbd>
    </Button>
  );
}

/**
 * Classification, one label or several: number keys pick (or toggle) labels, Z undoes the last
 * pick. Shows the item (text or image) above the labels.
 */
export function ClassificationEditor({ item, labels, multi, onChange, children }: EditorProps & { multi: boolean; children: React.ReactNode }) {
  const picks = useUndoable<number[]>([], (selected) =>
    onChange(multi ? { labels: selected } : selected.length === 1 ? { label: selected[0] } : null, multi || selected.length === 1 ? null : "Pick a label first (its number key)."),
  );
  const pick = (index: number) => {
    if (index >= labels.length) return;
    const selected = picks.value;
    const next = multi ? (selected.includes(index) ? selected.filter((i) => i !== index) : [...selected, index].sort((a, b) => a - b)) : [index];
    picks.set(next);
  };
  const undo = picks.undo;
  const selected = picks.value;
  useQueueKeys((e) => {
    const index = labelKey(e.key);
    if (index !== null && !e.ctrlKey && !e.altKey) return pick(index), true;
    if (e.key.toLowerCase() === "z" && !e.altKey) return undo(), true;
    return false;
  });
  return (
    <>
      {children}
      <div className="space-y-2" data-item={item.itemId}>
        <LabelChips labels={labels} on={selected} multi={multi} onPick={pick} />
        <p className="flex items-center gap-2 text-xs text-zinc-500">
          <UndoButton onClick={undo} disabled={!picks.canUndo} />
          {multi ? "Number keys toggle labels; pick every one that applies." : "A number key picks the label."}
        </p>
      </div>
    </>
  );
}
