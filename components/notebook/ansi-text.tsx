"use client";

import Anser from "anser";
import { useMemo } from "react";

/**
 * Text with ANSI colours (tracebacks, coloured logs) as React spans: the text is never parsed as
 * HTML, so output cannot inject markup into the studio's page.
 */
export function AnsiText({ text }: { text: string }) {
  const parts = useMemo(() => Anser.ansiToJson(text, { use_classes: false, remove_empty: true }), [text]);
  return (
    <>
      {parts.map((p, i) => (
        <span
          key={i}
          style={{
            color: p.fg ? `rgb(${p.fg})` : undefined,
            backgroundColor: p.bg ? `rgb(${p.bg})` : undefined,
            fontWeight: p.decorations.includes("bold") ? 600 : undefined,
          }}
        >
          {p.content}
        </span>
      ))}
    </>
  );
}
