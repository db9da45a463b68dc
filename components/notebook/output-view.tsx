"use client";

import { useMemo, useRef, useState } from "react";
import MarkdownIt from "markdown-it";
import markdownItKatex from "@vscode/markdown-it-katex";
import "katex/dist/katex.min.css";
import type { Output } from "@/lib/nbformat";
import { AnsiText } from "@/components/notebook/ansi-text";
import { JsonTree } from "@/components/notebook/json-tree";

// html: false — markdown from notebooks and outputs is untrusted: raw HTML in it is shown as text.
// LaTeX ($…$, $$…$$) rendered by KaTeX, bundled with its fonts (no CDN). KaTeX's default
// trust: false refuses \href/\url with script URLs and similar commands.
const markdown = new MarkdownIt({ html: false, linkify: true }).use(markdownItKatex, { throwOnError: false });

type Attachments = Record<string, Record<string, unknown>>;

// `![alt](attachment:name.png)` points into the cell's attachments (images pasted into Jupyter).
const defaultImage = markdown.renderer.rules.image!;
markdown.renderer.rules.image = (tokens, idx, options, env: { attachments?: Attachments }, self) => {
  const token = tokens[idx];
  const src = token.attrGet("src") ?? "";
  if (src.startsWith("attachment:")) {
    const bundle = env.attachments?.[decodeURIComponent(src.slice("attachment:".length))];
    const mime = bundle && Object.keys(bundle).find((m) => /^image\/(png|jpeg|gif)$/.test(m));
    if (bundle && mime) token.attrSet("src", `data:${mime};base64,${String(bundle[mime]).replace(/\s/g, "")}`);
  }
  return defaultImage(tokens, idx, options, env, self);
};

export function MarkdownView({ source, attachments }: { source: string; attachments?: Attachments }) {
  const html = useMemo(() => markdown.render(source, { attachments }), [source, attachments]);
  return <div className="notebook-markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}

// Beyond this, a stream shows its tail and offers the rest: the page must stay responsive with
// outputs of any size.
const TAIL_CHARS = 100_000;

/** Saves text as a file, for outputs too long to read on the page. */
function download(text: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function StreamView({ text, name }: { text: string; name: string }) {
  const [all, setAll] = useState(false);
  const clipped = !all && text.length > TAIL_CHARS;
  const shown = clipped ? text.slice(-TAIL_CHARS) : text;
  return (
    <div className={name === "stderr" ? "bg-red-50/60 dark:bg-red-950/30" : undefined}>
      {clipped ? (
        <p className="px-2 pt-1 text-xs text-zinc-500">
          {(text.length - TAIL_CHARS).toLocaleString()} earlier characters hidden.{" "}
          <button type="button" className="text-sky-700 underline dark:text-sky-400" onClick={() => setAll(true)}>
            Show all
          </button>{" "}
          <button type="button" className="text-sky-700 underline dark:text-sky-400" onClick={() => download(text, `${name}.txt`)}>
            Download
          </button>
        </p>
      ) : null}
      <pre className="overflow-x-auto px-2 py-1 font-mono text-xs whitespace-pre-wrap">
        <AnsiText text={shown} />
      </pre>
    </div>
  );
}

/**
 * HTML output in an iframe without `allow-scripts`: nothing in it can run (no <script>, no event
 * handler attributes), so it cannot reach the studio. `allow-same-origin` only lets this page
 * measure the content's height.
 */
function HtmlView({ html }: { html: string }) {
  const ref = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(60);
  return (
    <iframe
      ref={ref}
      title="HTML output"
      sandbox="allow-same-origin"
      srcDoc={`<!doctype html><meta charset="utf-8"><style>body{margin:4px;font:12px system-ui,sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px}</style>${html}`}
      onLoad={() => setHeight(Math.min(2000, (ref.current?.contentDocument?.documentElement.scrollHeight ?? 60) + 4))}
      style={{ height }}
      className="w-full border-0 bg-white"
    />
  );
}

const asText = (value: unknown) => (Array.isArray(value) ? value.join("") : typeof value === "string" ? value : JSON.stringify(value));

function MimeView({ data }: { data: Record<string, unknown> }) {
  if ("text/html" in data) return <HtmlView html={asText(data["text/html"])} />;
  // SVG as an <img>: browsers never run scripts inside images.
  if ("image/svg+xml" in data) {
    const svg = asText(data["image/svg+xml"]);
    // Data URIs of kernel output: next/image has nothing to optimise here.
    // eslint-disable-next-line @next/next/no-img-element
    return <img alt="SVG output" className="max-w-full" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`} />;
  }
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    // eslint-disable-next-line @next/next/no-img-element
    if (mime in data) return <img alt="Image output" className="max-w-full" src={`data:${mime};base64,${asText(data[mime]).replace(/\s/g, "")}`} />;
  }
  if ("text/markdown" in data) return <MarkdownView source={asText(data["text/markdown"])} />;
  if ("application/json" in data) {
    return (
      <div className="overflow-x-auto py-1 font-mono text-xs" aria-label="JSON output">
        <JsonTree value={data["application/json"]} />
      </div>
    );
  }
  if ("text/plain" in data) return <StreamView text={asText(data["text/plain"])} name="stdout" />;
  return <p className="px-2 py-1 text-xs text-zinc-500">Output of type {Object.keys(data).join(", ") || "(empty)"} cannot be shown.</p>;
}

export function OutputView({ output }: { output: Output }) {
  switch (output.output_type) {
    case "stream":
      return <StreamView text={output.text} name={output.name} />;
    case "error":
      return (
        <pre className="overflow-x-auto bg-red-50/60 px-2 py-1 font-mono text-xs whitespace-pre-wrap dark:bg-red-950/30">
          <AnsiText text={output.traceback.length > 0 ? output.traceback.join("\n") : `${output.ename}: ${output.evalue}`} />
        </pre>
      );
    default:
      return <MimeView data={output.data} />;
  }
}
