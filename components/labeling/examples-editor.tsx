"use client";

import type { Examples } from "@/lib/labeling/tasks";
import { Button } from "@/components/ui/button";
import { controlClass } from "@/components/ui/field";

// Good and bad examples for a job's instructions: what the item looks like, the label it should (or
// should not) get, and why. Labelers see them beside the item (the ? panel of their queue).

type Kind = "good" | "bad";

export function ExamplesEditor({ value, labels, onChange, issue }: { value: Examples; labels: string[]; onChange: (next: Examples) => void; issue: (path: string) => string | undefined }) {
  const rows = (["good", "bad"] as const).flatMap((kind) => value[kind].map((example, index) => ({ kind, index, example })));
  const update = (kind: Kind, index: number, patch: Partial<Examples[Kind][number]>) => onChange({ ...value, [kind]: value[kind].map((e, i) => (i === index ? { ...e, ...patch } : e)) });
  const remove = (kind: Kind, index: number) => onChange({ ...value, [kind]: value[kind].filter((_, i) => i !== index) });
  const add = (kind: Kind) => onChange({ ...value, [kind]: [...value[kind], { text: "", label: labels[0] ?? "", why: "" }] });
  return (
    <fieldset className="space-y-2">
      <legend className="text-xs font-medium text-zinc-700 dark:text-zinc-300">Examples for labelers (shown with the instructions)</legend>
      {rows.map(({ kind, index, example }) => {
        const path = `examples.${kind}.${index}`;
        const error = issue(`${path}.text`) ?? issue(`${path}.label`) ?? issue(`${path}.why`);
        return (
          <div key={`${kind}-${index}`} className={`grid grid-cols-[5rem_1fr_9rem_1fr_auto] items-start gap-2 rounded border-l-4 p-2 ${kind === "good" ? "border-emerald-500" : "border-red-500"}`} role="group" aria-label={`${kind === "good" ? "Good" : "Bad"} example ${index + 1}`}>
            <span className="pt-1.5 text-xs font-medium">{kind === "good" ? "Good" : "Bad"}</span>
            <textarea rows={2} aria-label="Example" placeholder="The item, or what it shows" className={controlClass} value={example.text} onChange={(e) => update(kind, index, { text: e.target.value })} />
            <select aria-label="Its label" className={controlClass} value={example.label} onChange={(e) => update(kind, index, { label: e.target.value })}>
              {labels.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
            <textarea rows={2} aria-label="Why" placeholder="Why it is (or is not) labeled so" className={controlClass} value={example.why} onChange={(e) => update(kind, index, { why: e.target.value })} />
            <Button size="sm" variant="secondary" onClick={() => remove(kind, index)} aria-label={`Remove ${kind} example ${index + 1}`}>
              ×
            </Button>
            {error ? <p className="col-span-5 text-xs text-red-600">{error}</p> : null}
          </div>
        );
      })}
      <div className="flex gap-2">
        <Button size="sm" variant="secondary" onClick={() => add("good")} disabled={value.good.length >= 10}>
          Add a good example
        </Button>
        <Button size="sm" variant="secondary" onClick={() => add("bad")} disabled={value.bad.length >= 10}>
          Add a bad example
        </Button>
      </div>
    </fieldset>
  );
}
