"use client";

import { memo, useEffect, useRef, useState, type MouseEvent } from "react";
import dynamic from "next/dynamic";
import type { Cell, Output } from "@/lib/nbformat";
import type { CellRun, InputRequest } from "@/lib/notebook-live-protocol";
import { MarkdownView, OutputView } from "@/components/notebook/output-view";
import { AnsiText } from "@/components/notebook/ansi-text";
import type { Completer, EditorCommand } from "@/components/notebook/editor/monaco-editor";

const MonacoCellEditor = dynamic(() => import("@/components/notebook/editor/monaco-editor"), {
  ssr: false,
  loading: () => <div className="h-8 animate-pulse rounded bg-zinc-100" />,
});

/** What a cell can ask the notebook to do; one stable object shared by every cell. */
export interface CellActions {
  activate(cellId: string, edit: boolean, cursor?: number | "end"): void;
  setSource(cellId: string, source: string): void;
  command(cellId: string, command: EditorCommand, cursorOffset: number): void;
  inspect(cellId: string, code: string, cursorPos: number): void;
  closeHelp(cellId: string): void;
  submitInput(value: string): void;
  toggleOutputs(cellId: string): void;
  complete: Completer | null;
}

export interface CellProps {
  cell: Cell;
  index: number;
  active: boolean;
  editing: boolean;
  /** Markdown cells show their source while being edited, else rendered. */
  run: CellRun | undefined;
  input: InputRequest | null;
  help: string | null;
  cursor: number | "end";
  canWrite: boolean;
  actions: CellActions;
}

const tokenClass = (type: string): string => {
  if (type.startsWith("keyword")) return "text-violet-700";
  if (type.startsWith("string")) return "text-emerald-700";
  if (type.startsWith("comment")) return "text-zinc-500 italic";
  if (type.startsWith("number")) return "text-sky-700";
  if (type.startsWith("delimiter") || type.startsWith("operator")) return "text-zinc-600";
  return "";
};

/** A code cell not being edited: coloured by Monaco's tokenizer once it is loaded, plain text until then. */
function StaticSource({ source, language }: { source: string; language: string }) {
  const [lines, setLines] = useState<{ offset: number; type: string }[][] | null>(null);
  const ref = useRef<HTMLPreElement>(null);
  useEffect(() => {
    let cancelled = false;
    const element = ref.current;
    if (!element || language === "plaintext") return;
    // Colour only what comes into view: a 1,000-cell notebook opens without tokenizing all of it.
    const observer = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      observer.disconnect();
      void import("@/components/notebook/editor/monaco-editor")
        .then((m) => m.tokenize(source, language))
        .then((tokens) => {
          if (!cancelled) setLines(tokens);
        });
    });
    observer.observe(element);
    return () => {
      cancelled = true;
      observer.disconnect();
    };
  }, [source, language]);
  const sourceLines = source.split("\n");
  return (
    <pre ref={ref} className="min-h-8 overflow-x-auto px-2 py-1.5 font-mono text-[13px] leading-[19px] whitespace-pre">
      {lines && lines.length === sourceLines.length
        ? sourceLines.map((line, i) => (
            <div key={i}>
              {lines[i].length === 0
                ? line || "\u200b"
                : lines[i].map((t, j) => (
                    <span key={j} className={tokenClass(t.type)}>
                      {line.slice(t.offset, lines[i][j + 1]?.offset ?? line.length)}
                    </span>
                  ))}
            </div>
          ))
        : source || "\u200b"}
    </pre>
  );
}

function elapsed(fromIso: string, toIso?: string): string {
  const ms = (toIso ? Date.parse(toIso) : Date.now()) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
}

function Timing({ execution, run }: { execution: Record<string, string> | undefined; run: CellRun | undefined }) {
  const [, tick] = useState(0);
  const running = run?.state === "running" && run.startedAt;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => tick((t) => t + 1), 1_000);
    return () => clearInterval(timer);
  }, [running]);
  if (run?.state === "queued") return <span className="text-amber-700">Queued</span>;
  if (running) return <span className="text-sky-700">Running · {elapsed(run.startedAt!)}</span>;
  const start = execution?.["iopub.status.busy"] ?? execution?.["iopub.execute_input"];
  const end = execution?.["shell.execute_reply"];
  if (!start || !end) return null;
  return (
    <span title={`Started ${new Date(start).toLocaleString()}`}>
      Ran {new Date(start).toLocaleTimeString()} · took {elapsed(start, end)}
    </span>
  );
}

function InputBox({ request, onSubmit }: { request: InputRequest; onSubmit(value: string): void }) {
  const [value, setValue] = useState("");
  return (
    <form
      className="flex items-center gap-2 px-2 py-1 font-mono text-xs"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(value);
      }}
    >
      <label htmlFor={`stdin-${request.cellId}`} className="whitespace-pre">
        {request.prompt}
      </label>
      <input
        id={`stdin-${request.cellId}`}
        aria-label="Input for the running cell"
        autoFocus
        type={request.password ? "password" : "text"}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => e.stopPropagation()}
        className="min-w-64 flex-1 rounded border border-sky-400 px-2 py-0.5 outline-none focus:ring-2 focus:ring-sky-300"
      />
    </form>
  );
}

function CellViewImpl({ cell, index, active, editing, run, input, help, cursor, canWrite, actions }: CellProps) {
  const isCode = cell.cell_type === "code";
  const outputs = isCode ? (cell.outputs as Output[]) : [];
  const jupyterMeta = (cell.metadata.jupyter as { outputs_hidden?: boolean; source_hidden?: boolean } | undefined) ?? {};
  const outputsHidden = jupyterMeta.outputs_hidden === true || cell.metadata.collapsed === true;
  const language = cell.cell_type === "code" ? "python" : cell.cell_type === "markdown" ? "markdown" : "plaintext";
  const prompt = run?.state === "running" ? "*" : run?.state === "queued" ? "…" : isCode ? (cell.execution_count ?? " ") : "";
  const showEditor = editing && canWrite;
  const onClickSource = (event: MouseEvent) => {
    if (!canWrite) return actions.activate(cell.id, false);
    // Put the cursor about where the click was: the line under the pointer, at its end.
    const rect = (event.currentTarget as HTMLElement).getBoundingClientRect();
    const line = Math.max(0, Math.floor((event.clientY - rect.top - 6) / 19));
    const lines = cell.source.split("\n");
    const offset = lines.slice(0, Math.min(line, lines.length - 1) + 1).join("\n").length;
    actions.activate(cell.id, true, offset);
  };

  return (
    <div
      data-cell-id={cell.id}
      data-cell-index={index}
      data-cell-type={cell.cell_type}
      data-active={active || undefined}
      aria-label={`${cell.cell_type === "code" ? "Code" : cell.cell_type === "markdown" ? "Markdown" : "Raw"} cell ${index + 1}`}
      role="group"
      className={`notebook-cell group relative grid grid-cols-[4.5rem_minmax(0,1fr)] gap-x-2 rounded-md border-l-4 py-1 pr-2 ${
        active ? (editing ? "border-l-emerald-500 bg-emerald-50/30" : "border-l-sky-500 bg-sky-50/40") : "border-l-transparent"
      }`}
      onMouseDown={() => {
        if (!active) actions.activate(cell.id, false);
      }}
    >
      <span className="pt-2 text-right font-mono text-xs text-zinc-500 select-none" aria-label={isCode ? `Execution count ${prompt}` : undefined}>
        {isCode ? `[${prompt}]:` : ""}
      </span>
      <div className="min-w-0">
        {cell.cell_type === "markdown" && !showEditor ? (
          <div
            className="min-h-8 cursor-text px-2 py-1"
            onDoubleClick={() => canWrite && actions.activate(cell.id, true, "end")}
            data-testid="markdown-rendered"
          >
            {cell.source.trim() ? <MarkdownView source={cell.source} attachments={cell.attachments as Record<string, Record<string, unknown>> | undefined} /> : <p className="text-sm text-zinc-400 italic">Empty Markdown cell — double-click to edit</p>}
          </div>
        ) : (
          <div className={`rounded border ${showEditor ? "border-emerald-400" : "border-zinc-200"} bg-zinc-50/80`}>
            {showEditor ? (
              <MonacoCellEditor
                value={cell.source}
                language={language}
                readOnly={!canWrite}
                initialCursor={cursor}
                complete={cell.cell_type === "code" ? actions.complete : null}
                onChange={(value) => actions.setSource(cell.id, value)}
                onCommand={(command, { cursorOffset }) => actions.command(cell.id, command, cursorOffset)}
                onInspect={(code, pos) => actions.inspect(cell.id, code, pos)}
              />
            ) : (
              <div onClick={onClickSource} data-testid="cell-source">
                <StaticSource source={cell.source} language={language} />
              </div>
            )}
          </div>
        )}
        {help ? (
          <div className="relative mt-1 max-h-72 overflow-auto rounded border border-sky-200 bg-white p-2 shadow-sm" role="tooltip" aria-label="Help from the kernel">
            <button type="button" className="absolute top-1 right-2 text-xs text-zinc-500 hover:text-zinc-800" onClick={() => actions.closeHelp(cell.id)} aria-label="Close help">
              ✕
            </button>
            <pre className="font-mono text-xs whitespace-pre-wrap">
              <AnsiText text={help} />
            </pre>
          </div>
        ) : null}
        {isCode && (run || (cell.metadata.execution as Record<string, string> | undefined)) ? (
          <div className="px-1 pt-0.5 text-[11px] text-zinc-500" data-testid="cell-timing">
            <Timing execution={cell.metadata.execution as Record<string, string> | undefined} run={run} />
          </div>
        ) : null}
      </div>
      {isCode && (outputs.length > 0 || input) ? (
        <>
          <button
            type="button"
            title={outputsHidden ? "Show outputs" : "Collapse outputs"}
            aria-label={outputsHidden ? "Show outputs" : "Collapse outputs"}
            onClick={() => actions.toggleOutputs(cell.id)}
            className="mt-1 h-full min-h-4 w-2 justify-self-end rounded-sm hover:bg-sky-300"
          />
          {outputsHidden ? (
            <button type="button" className="mt-1 text-left text-xs text-zinc-500 hover:underline" onClick={() => actions.toggleOutputs(cell.id)}>
              {outputs.length} output{outputs.length === 1 ? "" : "s"} hidden — show
            </button>
          ) : (
            <div className="mt-1 min-w-0 space-y-1" aria-label="Cell outputs" data-testid="cell-outputs">
              {outputs.map((o, i) => (
                <OutputView key={i} output={o} />
              ))}
              {input ? <InputBox request={input} onSubmit={actions.submitInput} /> : null}
            </div>
          )}
        </>
      ) : null}
    </div>
  );
}

export const CellView = memo(CellViewImpl);
