"use client";

import { useRef, useState, type PointerEvent as ReactPointerEvent } from "react";
import { clampBox } from "@/lib/labeling/boxes";
import type { BoxAnswerItem } from "@/lib/labeling/tasks";
import { ImageStage, type Stage } from "@/components/labeling/image-stage";
import { labelColor, labelKey, LabelChips, UndoButton, useQueueKeys, useUndoable, type EditorProps } from "@/components/labeling/label-picker";

// Bounding boxes, keyboard first: a number key picks the class for the next box (or changes the
// selected box's class); drag on the image draws a box; Tab / Shift+Tab select the next / previous
// box, arrows move it a pixel (Shift: 10), Ctrl+arrows resize it (right/down grow, left/up shrink),
// Delete removes it, Esc lets go of it, Z undoes. A selected box can also be dragged, and resized by
// its corners. Boxes stay inside the image (clamped as they are drawn and moved), in whole pixels.

type Box = BoxAnswerItem;
type Corner = "nw" | "ne" | "sw" | "se";
type Gesture = { kind: "draw"; x: number; y: number } | { kind: "move"; index: number; x: number; y: number; from: Box } | { kind: "resize"; index: number; corner: Corner; from: Box };

/** The box spanned by two points, in whole pixels inside the image. */
function spanned(x1: number, y1: number, x2: number, y2: number, classId: number, stage: Stage): Box {
  const left = Math.round(Math.min(x1, x2));
  const top = Math.round(Math.min(y1, y2));
  const box = { classId, left, top, width: Math.round(Math.max(x1, x2)) - left, height: Math.round(Math.max(y1, y2)) - top };
  return clampBox(box, stage.width, stage.height).box;
}

/** The box moved by (dx, dy), kept whole inside the image. */
function moved(box: Box, dx: number, dy: number, width: number, height: number): Box {
  return { ...box, left: Math.min(Math.max(0, Math.round(box.left + dx)), width - box.width), top: Math.min(Math.max(0, Math.round(box.top + dy)), height - box.height) };
}

export function BoxEditor({ item, labels, onChange }: EditorProps) {
  const boxes = useUndoable<Box[]>([], (value) => onChange({ boxes: value }, null));
  const [selected, setSelected] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [draft, setDraft] = useState<Box | null>(null);
  const gesture = useRef<Gesture | null>(null);
  const width = item.width ?? 0;
  const height = item.height ?? 0;


  const replace = (index: number, box: Box) => boxes.set(boxes.value.map((b, i) => (i === index ? box : b)));
  const remove = (index: number) => {
    boxes.set(boxes.value.filter((_, i) => i !== index));
    setSelected(null);
  };
  const pick = (classId: number) => {
    if (classId >= labels.length) return;
    setActive(classId);
    if (selected !== null && boxes.value[selected]) replace(selected, { ...boxes.value[selected], classId });
  };

  useQueueKeys((e) => {
    const index = labelKey(e.key);
    if (index !== null && !e.ctrlKey && !e.altKey) return pick(index), true;
    if (e.key.toLowerCase() === "z" && !e.altKey) {
      boxes.undo();
      setSelected(null);
      return true;
    }
    const count = boxes.value.length;
    if (e.key === "Tab" && count) {
      setSelected((s) => (s === null ? (e.shiftKey ? count - 1 : 0) : (s + (e.shiftKey ? count - 1 : 1)) % count));
      return true;
    }
    if (selected === null || !boxes.value[selected]) return false;
    const box = boxes.value[selected];
    if (e.key === "Escape") return setSelected(null), true;
    if (e.key === "Delete" || e.key === "Backspace") return remove(selected), true;
    const step = e.shiftKey ? 10 : 1;
    const arrows: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const arrow = arrows[e.key];
    if (!arrow) return false;
    if (e.ctrlKey) {
      // Resize from the bottom-right corner, at least 1 pixel, never past the image.
      const w = Math.min(Math.max(1, box.width + arrow[0]), width - box.left);
      const h = Math.min(Math.max(1, box.height + arrow[1]), height - box.top);
      replace(selected, { ...box, width: w, height: h });
    } else replace(selected, moved(box, arrow[0], arrow[1], width, height));
    return true;
  });

  const overlay = (stage: Stage) => {
    const stroke = 2 / stage.scale;
    const down = (e: ReactPointerEvent<SVGElement>, next: Gesture) => {
      if (e.button !== 0) return;
      e.stopPropagation();
      (e.currentTarget.ownerSVGElement ?? e.currentTarget).setPointerCapture(e.pointerId);
      gesture.current = next;
    };
    const onMove = (e: ReactPointerEvent<SVGSVGElement>) => {
      const g = gesture.current;
      if (!g) return;
      const p = stage.toImage(e);
      if (g.kind === "draw") setDraft(spanned(g.x, g.y, p.x, p.y, active, stage));
      else if (g.kind === "move") setDraft(moved(g.from, p.x - g.x, p.y - g.y, width, height));
      else {
        const b = g.from;
        const fixedX = g.corner.endsWith("w") ? b.left + b.width : b.left;
        const fixedY = g.corner.startsWith("n") ? b.top + b.height : b.top;
        setDraft(spanned(fixedX, fixedY, p.x, p.y, b.classId, stage));
      }
    };
    const onUp = () => {
      const g = gesture.current;
      gesture.current = null;
      const box = draft;
      setDraft(null);
      if (!g || !box) return;
      if (box.width < 2 || box.height < 2) return; // a click, not a drag
      if (g.kind === "draw") {
        boxes.set([...boxes.value, box]);
        setSelected(boxes.value.length);
      } else replace(g.index, box);
    };
    const shown = boxes.value.map((b, i) => (draft && gesture.current && gesture.current.kind !== "draw" && gesture.current.index === i ? draft : b));
    const handle = 8 / stage.scale;
    return (
      <svg
        className="absolute inset-0 size-full"
        viewBox={`0 0 ${stage.width} ${stage.height}`}
        preserveAspectRatio="none"
        onPointerDown={(e) => {
          const p = stage.toImage(e);
          setSelected(null);
          down(e, { kind: "draw", x: p.x, y: p.y });
        }}
        onPointerMove={onMove}
        onPointerUp={onUp}
        aria-label="Boxes"
      >
        {shown.map((b, i) => (
          <g key={i} data-testid={`box-${i + 1}`}>
            <rect
              x={b.left}
              y={b.top}
              width={b.width}
              height={b.height}
              fill={selected === i ? `${labelColor(b.classId)}33` : "transparent"}
              stroke={labelColor(b.classId)}
              strokeWidth={selected === i ? stroke * 1.5 : stroke}
              className="cursor-move"
              onPointerDown={(e) => {
                setSelected(i);
                down(e, { kind: "move", index: i, x: stage.toImage(e).x, y: stage.toImage(e).y, from: b });
              }}
            />
            <text x={b.left + stroke} y={Math.max(b.top - stroke * 2, 10 / stage.scale)} fontSize={12 / stage.scale} fill={labelColor(b.classId)} className="pointer-events-none font-sans">
              {i + 1}. {labels[b.classId]?.name}
            </text>
            {selected === i
              ? (["nw", "ne", "sw", "se"] as const).map((corner) => (
                  <rect
                    key={corner}
                    x={(corner.endsWith("w") ? b.left : b.left + b.width) - handle / 2}
                    y={(corner.startsWith("n") ? b.top : b.top + b.height) - handle / 2}
                    width={handle}
                    height={handle}
                    fill="white"
                    stroke={labelColor(b.classId)}
                    strokeWidth={stroke / 2}
                    className={corner === "nw" || corner === "se" ? "cursor-nwse-resize" : "cursor-nesw-resize"}
                    onPointerDown={(e) => down(e, { kind: "resize", index: i, corner, from: b })}
                  />
                ))
              : null}
          </g>
        ))}
        {draft && gesture.current?.kind === "draw" ? <rect x={draft.left} y={draft.top} width={draft.width} height={draft.height} fill="none" stroke={labelColor(draft.classId)} strokeWidth={stroke} strokeDasharray={`${4 / stage.scale}`} /> : null}
      </svg>
    );
  };

  return (
    <>
      <div className="flex min-h-0 flex-1 gap-3">
        <ImageStage src={item.imageUrl ?? ""} width={item.width} height={item.height} drawing overlay={overlay} />
        <aside aria-label="Boxes drawn" className="w-56 shrink-0 overflow-auto rounded-lg border border-zinc-200 bg-white p-2 text-xs dark:border-zinc-800 dark:bg-zinc-900">
          <h2 className="mb-1 font-semibold">
            Boxes ({boxes.value.length}) <span className="font-normal text-zinc-500">· {width} × {height}</span>
          </h2>
          {boxes.value.length === 0 ? <p className="text-zinc-500">Drag on the image to draw a box. Submitting none says the image has no objects.</p> : null}
          <ol className="space-y-1">
            {boxes.value.map((b, i) => (
              <li key={i}>
                <button
                  type="button"
                  aria-pressed={selected === i}
                  onClick={() => setSelected(i)}
                  className={`w-full rounded px-1.5 py-1 text-left tabular-nums ${selected === i ? "bg-sky-100 dark:bg-sky-900" : "hover:bg-zinc-50 dark:hover:bg-zinc-800"}`}
                  data-testid={`box-row-${i + 1}`}
                >
                  <span className="mr-1 inline-block size-2 rounded-sm" style={{ background: labelColor(b.classId) }} />
                  {i + 1}. {labels[b.classId]?.name}: {b.left}, {b.top} · {b.width} × {b.height}
                </button>
              </li>
            ))}
          </ol>
        </aside>
      </div>
      <div className="space-y-2">
        <LabelChips labels={labels} on={[selected !== null && boxes.value[selected] ? boxes.value[selected].classId : active]} multi={false} onPick={pick} swatches />
        <p className="flex items-center gap-2 text-xs text-zinc-500">
          <UndoButton onClick={() => boxes.undo()} disabled={!boxes.canUndo} />
          Number key: class · drag: draw · Tab: next box · arrows: move (Shift ×10) · Ctrl+arrows: resize · Delete: remove · Space+drag: pan
        </p>
      </div>
    </>
  );
}
