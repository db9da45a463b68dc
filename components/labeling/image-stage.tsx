"use client";

import { useEffect, useLayoutEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type ReactNode, type WheelEvent } from "react";

// An item's image fitted to the space it has, zoomed with the wheel or + and −, panned by dragging
// (with `drawing`, the left button belongs to the overlay: pan with the middle or right button, or
// hold Space); double-click resets. The overlay is drawn in image pixels (an SVG whose viewBox is
// the image), so what is drawn stays on the image at any zoom.

export interface Stage {
  width: number;
  height: number;
  /** Screen pixels per image pixel. */
  scale: number;
  /** A pointer position in image pixels (may lie outside the image), from an event on the overlay. */
  toImage: (e: { clientX: number; clientY: number; currentTarget: Element }) => { x: number; y: number };
}

const MIN_ZOOM = 0.25;
const MAX_ZOOM = 8;

export function ImageStage({ src, width, height, drawing = false, overlay }: { src: string; width: number | null; height: number | null; drawing?: boolean; overlay?: (stage: Stage) => ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [room, setRoom] = useState({ width: 0, height: 0 });
  const [natural, setNatural] = useState<{ width: number; height: number } | null>(width && height ? { width, height } : null);
  const [zoom, setZoom] = useState(1);
  const [offset, setOffset] = useState({ x: 0, y: 0 });
  const [failed, setFailed] = useState(false);
  const drag = useRef<{ x: number; y: number } | null>(null);
  const space = useRef(false);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setRoom({ width: entry.contentRect.width, height: entry.contentRect.height }));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
      if (e.key === " ") {
        space.current = e.type === "keydown";
        if (e.type === "keydown") e.preventDefault();
      }
      if (e.type !== "keydown") return;
      if (e.key === "+" || e.key === "=") setZoom((z) => Math.min(MAX_ZOOM, z * 1.25));
      if (e.key === "-") setZoom((z) => Math.max(MIN_ZOOM, z / 1.25));
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener("keyup", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("keyup", onKey);
    };
  }, []);

  const size = natural ?? { width: 1, height: 1 };
  const fit = room.width && room.height ? Math.min(room.width / size.width, room.height / size.height) : 0;
  const shown = { width: size.width * fit * zoom, height: size.height * fit * zoom };
  const stage: Stage = {
    width: size.width,
    height: size.height,
    scale: fit * zoom,
    toImage: (e) => {
      // The overlay covers the picture exactly.
      const rect = (e.currentTarget.closest("[data-picture]") ?? e.currentTarget).getBoundingClientRect();
      if (!rect.width) return { x: 0, y: 0 };
      return { x: ((e.clientX - rect.left) / rect.width) * size.width, y: ((e.clientY - rect.top) / rect.height) * size.height };
    },
  };

  const onWheel = (e: WheelEvent<HTMLDivElement>) => setZoom((z) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z * (e.deltaY < 0 ? 1.1 : 1 / 1.1))));
  // Panning takes the pointer before the overlay sees it (capture phase).
  const onDownCapture = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (drawing && e.button === 0 && !space.current) return;
    drag.current = { x: e.clientX - offset.x, y: e.clientY - offset.y };
    e.currentTarget.setPointerCapture(e.pointerId);
    e.stopPropagation();
  };
  const onMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (drag.current) setOffset({ x: e.clientX - drag.current.x, y: e.clientY - drag.current.y });
  };
  return (
    <div
      ref={box}
      aria-label="Image to label"
      className={`relative min-h-0 flex-1 touch-none overflow-hidden rounded-lg border border-zinc-200 bg-zinc-100 select-none dark:border-zinc-800 dark:bg-zinc-950 ${drawing ? "cursor-crosshair" : "cursor-grab"}`}
      onWheel={onWheel}
      onPointerDownCapture={onDownCapture}
      onPointerMove={onMove}
      onPointerUp={() => (drag.current = null)}
      onContextMenu={(e) => e.preventDefault()}
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
        <div
          data-picture
          className="absolute"
          style={{ width: shown.width, height: shown.height, left: (room.width - shown.width) / 2 + offset.x, top: (room.height - shown.height) / 2 + offset.y }}
        >
          {/* eslint-disable-next-line @next/next/no-img-element -- an item of a private dataset, served by the studio's API, not an optimisable static asset */}
          <img
            src={src}
            alt="The item to label"
            draggable={false}
            onLoad={(e) => natural ?? setNatural({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })}
            onError={() => setFailed(true)}
            className="block size-full"
          />
          {overlay && natural && fit ? overlay(stage) : null}
        </div>
      )}
      <span className="absolute right-2 bottom-2 rounded bg-black/60 px-1.5 py-0.5 font-mono text-xs text-white">{Math.round(zoom * 100)}%</span>
    </div>
  );
}
