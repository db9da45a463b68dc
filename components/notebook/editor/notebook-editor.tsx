"use client";

import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import Link from "next/link";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import { newCellId, type Cell } from "@/lib/nbformat";
import type { KernelState } from "@/lib/notebook-live-protocol";
import { Button } from "@/components/ui/button";
import { ErrorNotice } from "@/components/ui/card";
import { useHosts } from "@/components/hosts/use-hosts";
import { HistoryPanel } from "@/components/notebook/history-panel";
import { CellView, type CellActions } from "@/components/notebook/editor/cell-view";
import { useLiveNotebook, type LiveNotebook } from "@/components/notebook/editor/use-live-notebook";
import type { Completion, EditorCommand } from "@/components/notebook/editor/monaco-editor";

type Mode = "command" | "edit";

const blankCell = (cellType: Cell["cell_type"], source = ""): Cell =>
  (cellType === "code"
    ? { id: newCellId(), cell_type: "code", source, metadata: {}, execution_count: null, outputs: [] }
    : { id: newCellId(), cell_type: cellType, source, metadata: {} }) as Cell;

/** A copy of cells with fresh ids (paste, undo of a delete into a notebook that has them again). */
const cloneCells = (cells: Cell[]): Cell[] => cells.map((c) => ({ ...structuredClone(c), id: newCellId() }));

const statusTone: Record<KernelState["status"], string> = {
  none: "bg-zinc-300",
  starting: "bg-amber-400 animate-pulse",
  idle: "bg-emerald-500",
  busy: "bg-sky-500 animate-pulse",
  restarting: "bg-amber-400 animate-pulse",
  dead: "bg-red-600",
  culled: "bg-zinc-500",
  disconnected: "bg-orange-500 animate-pulse",
  unreachable: "bg-red-600",
};

const statusLabel: Record<KernelState["status"], string> = {
  none: "No kernel",
  starting: "Starting",
  idle: "Idle",
  busy: "Busy",
  restarting: "Restarting",
  dead: "Dead",
  culled: "Shut down (idle)",
  disconnected: "Reconnecting to host",
  unreachable: "Host unreachable",
};

function KernelPicker({ notebookId, kernel, disabled }: { notebookId: string; kernel: KernelState; disabled: boolean }) {
  const { data: hosts } = useHosts();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const options = (hosts ?? []).filter((h) => h.enabled).flatMap((h) => h.kernelSpecs.map((k) => ({ value: `${h.id}|${k.name}`, label: `${h.name} · ${k.displayName}` })));
  const current = `${kernel.hostId ?? ""}|${kernel.kernelName}`;
  if (!hosts) return <span className="text-xs text-zinc-500">{kernel.hostName ?? "local"} · {kernel.kernelDisplayName ?? kernel.kernelName}</span>;
  return (
    <span className="inline-flex items-center gap-1">
      <select
        aria-label="Compute host and kernel"
        className="h-7 max-w-64 rounded border border-zinc-300 bg-white px-1 text-xs"
        value={options.some((o) => o.value === current) ? current : ""}
        disabled={disabled}
        onChange={async (e) => {
          const [hostId, kernelName] = e.target.value.split("|");
          setError(null);
          try {
            await api(`/api/notebooks/${notebookId}`, { method: "PATCH", body: { hostId, kernelName } });
            await queryClient.invalidateQueries({ queryKey: queryKeys.notebooks.detail(notebookId) });
          } catch (err) {
            setError(err);
          }
        }}
      >
        {options.some((o) => o.value === current) ? null : <option value="">{kernel.hostName ?? "local"} · {kernel.kernelDisplayName ?? kernel.kernelName}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error ? <span className="text-xs text-red-700">{(error as Error).message}</span> : null}
    </span>
  );
}

function Banner({ live }: { live: LiveNotebook }) {
  const { connection, state } = live;
  if (connection.state === "closed") {
    return (
      <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
        {connection.reason} <Link href="/notebooks" className="underline">Back to notebooks</Link>
      </div>
    );
  }
  if (connection.state === "reconnecting") {
    return (
      <div role="alert" className="flex items-center gap-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
        Connection to the studio lost; reconnecting (attempt {connection.attempt}). Your edits are kept and sent when it is back.
        <Button size="sm" variant="secondary" onClick={live.reconnectNow}>
          Retry now
        </Button>
      </div>
    );
  }
  const kernel = state?.kernel;
  if (!kernel?.message) return null;
  const action =
    kernel.status === "dead" || kernel.status === "culled" || kernel.status === "unreachable"
      ? { label: "Start a new kernel", run: () => live.send({ type: "kernel", action: "start" }) }
      : null;
  const tone = kernel.status === "restarting" || kernel.status === "disconnected" ? "border-amber-300 bg-amber-50 text-amber-900" : "border-red-300 bg-red-50 text-red-900";
  return (
    <div role="alert" className={`flex items-center gap-3 rounded-md border px-3 py-2 text-sm ${tone}`} data-testid="kernel-banner">
      <span>{kernel.message}</span>
      {action && state?.canWrite ? (
        <Button size="sm" variant="secondary" onClick={action.run}>
          {action.label}
        </Button>
      ) : null}
    </div>
  );
}

/** The notebook editor: cells on a kernel the studio server holds, live across tabs and reconnects. */
export function NotebookEditor({ notebookId, projectId }: { notebookId: string; projectId: string }) {
  const live = useLiveNotebook(notebookId);
  const { state } = live;
  const [chosenId, setActiveId] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>("command");
  const [cursor, setCursor] = useState<number | "end">("end");
  const [help, setHelp] = useState<{ cellId: string; text: string } | null>(null);
  const [showHistory, setShowHistory] = useState(false);
  const containerRef = useRef<HTMLDivElement>(null);
  const deletedStack = useRef<{ cells: Cell[]; afterId: string | null }[]>([]);
  const clipboard = useRef<Cell[]>([]);
  const lastKey = useRef<{ key: string; at: number }>({ key: "", at: 0 });
  const cells = useMemo(() => state?.content.cells ?? [], [state?.content.cells]);
  // The chosen cell, or the first one (a notebook opens with its first cell selected; a cell
  // deleted in another tab hands the selection back to the top).
  const activeId = chosenId && cells.some((c) => c.id === chosenId) ? chosenId : (cells[0]?.id ?? null);
  const canWrite = state?.canWrite ?? false;

  // Latest values for callbacks that must stay stable (cells are memoised on them).
  const latest = useRef({ cells, activeId, live, canWrite });
  useEffect(() => {
    latest.current = { cells, activeId, live, canWrite };
  });

  const indexOf = (id: string | null) => latest.current.cells.findIndex((c) => c.id === id);

  const focusContainer = () => containerRef.current?.focus({ preventScroll: true });

  const select = useCallback((id: string | null, edit = false, at: number | "end" = "end") => {
    setActiveId(id);
    setMode(edit ? "edit" : "command");
    setCursor(at);
    if (!edit) requestAnimationFrame(focusContainer);
    if (id) requestAnimationFrame(() => document.querySelector(`[data-cell-id="${id}"]`)?.scrollIntoView({ block: "nearest" }));
  }, []);

  const insert = useCallback((where: "above" | "below", cellType: Cell["cell_type"] = "code", source = "") => {
    const { cells, activeId, live } = latest.current;
    const index = cells.findIndex((c) => c.id === activeId);
    const afterId = where === "below" ? (activeId ?? cells[cells.length - 1]?.id ?? null) : index > 0 ? cells[index - 1].id : null;
    const cell = blankCell(cellType, source);
    live.edit([{ op: "insert_cells", afterId, cells: [cell] }]);
    return cell.id;
  }, []);

  const run = useCallback(
    (ids: string[]) => {
      const { cells, live } = latest.current;
      const code = ids.filter((id) => cells.find((c) => c.id === id)?.cell_type === "code");
      if (code.length > 0) live.send({ type: "execute", cellIds: code });
    },
    [],
  );

  const runActive = useCallback(
    (then: "stay" | "next" | "insert") => {
      const { cells, activeId } = latest.current;
      if (!activeId) return;
      run([activeId]);
      const index = cells.findIndex((c) => c.id === activeId);
      if (then === "stay") return select(activeId);
      if (then === "insert" || index === cells.length - 1) {
        const id = insert("below");
        return select(id, true);
      }
      select(cells[index + 1].id);
    },
    [run, select, insert],
  );

  const deleteCells = useCallback(
    (ids: string[]) => {
      const { cells, live } = latest.current;
      const index = cells.findIndex((c) => c.id === ids[0]);
      deletedStack.current.push({ cells: cells.filter((c) => ids.includes(c.id)), afterId: index > 0 ? cells[index - 1].id : null });
      if (deletedStack.current.length > 50) deletedStack.current.shift();
      live.edit([{ op: "delete_cells", cellIds: ids }]);
      const rest = cells.filter((c) => !ids.includes(c.id));
      select(rest[Math.min(index, rest.length - 1)]?.id ?? null);
    },
    [select],
  );

  const move = useCallback((direction: -1 | 1) => {
    const { cells, activeId, live } = latest.current;
    const index = cells.findIndex((c) => c.id === activeId);
    if (index === -1 || !activeId) return;
    if (direction === -1 && index > 0) live.edit([{ op: "move_cells", cellIds: [activeId], afterId: index > 1 ? cells[index - 2].id : null }]);
    if (direction === 1 && index < cells.length - 1) live.edit([{ op: "move_cells", cellIds: [activeId], afterId: cells[index + 1].id }]);
  }, []);

  const setType = useCallback((cellType: Cell["cell_type"]) => {
    const { activeId, live } = latest.current;
    if (activeId) live.edit([{ op: "set_cell_type", cellId: activeId, cellType }]);
  }, []);

  const split = useCallback(
    (cellId: string, offset: number) => {
      const { cells, live } = latest.current;
      const cell = cells.find((c) => c.id === cellId);
      if (!cell) return;
      const second = { ...blankCell(cell.cell_type, cell.source.slice(offset).replace(/^\n/, "")) };
      live.edit([
        { op: "set_source", cellId, source: cell.source.slice(0, offset).replace(/\n$/, "") },
        { op: "insert_cells", afterId: cellId, cells: [second] },
      ]);
      select(second.id, true, 0);
    },
    [select],
  );

  const mergeBelow = useCallback(() => {
    const { cells, activeId, live } = latest.current;
    const index = cells.findIndex((c) => c.id === activeId);
    if (index === -1 || index === cells.length - 1) return;
    const [a, b] = [cells[index], cells[index + 1]];
    live.edit([
      { op: "set_source", cellId: a.id, source: `${a.source}\n${b.source}` },
      { op: "delete_cells", cellIds: [b.id] },
    ]);
  }, []);

  const clearOutputs = useCallback((ids: string[]) => {
    const code = ids.filter((id) => latest.current.cells.find((c) => c.id === id)?.cell_type === "code");
    if (code.length) latest.current.live.edit([{ op: "clear_outputs", cellIds: code }]);
  }, []);

  const complete = useCallback(async (code: string, cursorPos: number): Promise<Completion | null> => {
    const reply = await latest.current.live.request({ type: "complete", code, cursorPos });
    if (!reply.ok || reply.content.status !== "ok") return null;
    const c = reply.content as { matches: string[]; cursor_start: number; cursor_end: number; metadata?: { _jupyter_types_experimental?: { type?: string }[] } };
    return { matches: c.matches, cursorStart: c.cursor_start, cursorEnd: c.cursor_end, types: c.metadata?._jupyter_types_experimental?.map((t) => t.type) };
  }, []);

  const actions: CellActions = useMemo(
    () => ({
      activate: (cellId, edit, at = "end") => select(cellId, edit && latest.current.canWrite, at),
      setSource: (cellId, source) => latest.current.live.setSource(cellId, source),
      command: (cellId, command: EditorCommand, cursorOffset) => {
        switch (command) {
          case "run":
            return runActive("stay");
          case "run-next":
            return runActive("next");
          case "run-insert":
            return runActive("insert");
          case "command-mode":
            return select(cellId);
          case "split":
            return split(cellId, cursorOffset);
          case "save":
            return latest.current.live.edit([]);
          case "previous-cell":
          case "next-cell": {
            const { cells } = latest.current;
            const index = cells.findIndex((c) => c.id === cellId) + (command === "next-cell" ? 1 : -1);
            if (index >= 0 && index < cells.length) select(cells[index].id, true, command === "next-cell" ? 0 : "end");
            return;
          }
        }
      },
      inspect: async (cellId, code, cursorPos) => {
        const reply = await latest.current.live.request({ type: "inspect", code, cursorPos, detailLevel: 0 });
        if (!reply.ok) return setHelp({ cellId, text: reply.error });
        const data = reply.content.data as Record<string, string> | undefined;
        setHelp({ cellId, text: reply.content.found ? (data?.["text/plain"] ?? "") : "No help found for the name at the cursor." });
      },
      closeHelp: () => setHelp(null),
      submitInput: (value) => latest.current.live.send({ type: "input_reply", value }),
      toggleOutputs: (cellId) => {
        const cell = latest.current.cells.find((c) => c.id === cellId);
        if (!cell || !latest.current.canWrite) return;
        const jupyter = (cell.metadata.jupyter as Record<string, unknown> | undefined) ?? {};
        const hidden = jupyter.outputs_hidden === true || cell.metadata.collapsed === true;
        const { collapsed: _collapsed, ...rest } = cell.metadata;
        void _collapsed;
        latest.current.live.edit([{ op: "set_cell_metadata", cellId, metadata: { ...rest, jupyter: { ...jupyter, outputs_hidden: !hidden } } }]);
      },
      complete,
    }),
    [select, runActive, split, complete],
  );

  const kernelAction = (action: "start" | "interrupt" | "restart" | "shutdown") => live.send({ type: "kernel", action });
  const runAll = () => run(cells.map((c) => c.id));
  const restartRunAll = () => {
    kernelAction("restart");
    runAll();
  };

  // Command mode: Jupyter's keys, on the notebook when no editor or input has focus.
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    if (target.closest("input, textarea, select, [data-testid=cell-editor]")) return;
    const { cells, activeId, canWrite } = latest.current;
    const index = indexOf(activeId);
    const key = event.key;
    const double = (k: string) => {
      const hit = lastKey.current.key === k && Date.now() - lastKey.current.at < 600;
      lastKey.current = { key: hit ? "" : k, at: Date.now() };
      return hit;
    };
    const handled = () => {
      event.preventDefault();
      event.stopPropagation();
    };
    if (event.ctrlKey || event.metaKey) {
      if (key === "s") {
        handled();
        live.edit([]);
      } else if (key === "Enter" && canWrite) {
        handled();
        runActive("stay");
      }
      return;
    }
    if (key === "Enter" && event.shiftKey && canWrite) return (handled(), runActive("next"));
    if (key === "Enter" && event.altKey && canWrite) return (handled(), runActive("insert"));
    if (event.altKey) return;
    switch (key) {
      case "Escape":
        // An Esc that reaches the notebook while a cell is still opening its editor (A, B, Enter
        // under load): command mode now, or the editor would take the keys that follow when it mounts.
        handled();
        if (mode === "edit" && activeId) select(activeId);
        return;
      case "ArrowUp":
      case "k":
        handled();
        if (index > 0) select(cells[index - 1].id);
        return;
      case "ArrowDown":
      case "j":
        handled();
        if (index < cells.length - 1) select(cells[index + 1].id);
        return;
      case "Home":
        handled();
        if (cells.length) select(cells[0].id);
        return;
      case "End":
        handled();
        if (cells.length) select(cells[cells.length - 1].id);
        return;
    }
    if (!canWrite || !activeId) return;
    switch (key) {
      case "Enter":
        handled();
        return select(activeId, true, "end");
      case "a":
        handled();
        return select(insert("above"), true);
      case "b":
        handled();
        return select(insert("below"), true);
      case "d":
        handled();
        if (double("d")) deleteCells([activeId]);
        return;
      case "z": {
        handled();
        const last = deletedStack.current.pop();
        if (last) {
          const present = new Set(cells.map((c) => c.id));
          const restored = last.cells.some((c) => present.has(c.id)) ? cloneCells(last.cells) : last.cells;
          live.edit([{ op: "insert_cells", afterId: last.afterId, cells: restored }]);
          select(restored[0].id);
        }
        return;
      }
      case "m":
        handled();
        return setType("markdown");
      case "y":
        handled();
        return setType("code");
      case "r":
        handled();
        return setType("raw");
      case "c":
        handled();
        clipboard.current = cells.filter((c) => c.id === activeId);
        return;
      case "x":
        handled();
        clipboard.current = cells.filter((c) => c.id === activeId);
        return deleteCells([activeId]);
      case "v":
        handled();
        if (clipboard.current.length) {
          const pasted = cloneCells(clipboard.current);
          live.edit([{ op: "insert_cells", afterId: activeId, cells: pasted }]);
          select(pasted[pasted.length - 1].id);
        }
        return;
      case "M":
        handled();
        return mergeBelow();
      case "o":
        handled();
        return actions.toggleOutputs(activeId);
      case "i":
        handled();
        if (double("i")) kernelAction("interrupt");
        return;
      case "0":
        handled();
        if (double("0")) kernelAction("restart");
        return;
    }
  };

  if (!state) {
    if (live.connection.state === "closed") return <ErrorNotice error={new Error(live.connection.reason)} />;
    return <p className="text-sm text-zinc-500">Opening notebook…</p>;
  }

  const kernel = state.kernel;
  const activeIndex = cells.findIndex((c) => c.id === activeId);
  const activeCell = cells[activeIndex];
  const toolbarButton = "h-7 rounded px-2 text-xs font-medium text-zinc-700 hover:bg-zinc-200 disabled:opacity-40";

  return (
    <div className="flex min-h-0 flex-col gap-2">
      <header className="flex flex-wrap items-center justify-between gap-2">
        <div className="min-w-0">
          <h1 className="truncate text-lg font-semibold" data-testid="notebook-name">
            {state.name}
          </h1>
          <p className="text-xs text-zinc-500">
            <Link href={`/projects/${projectId}`} className="text-sky-700 hover:underline">
              Project
            </Link>{" "}
            · {cells.length} cells · <span data-testid="save-state">{state.savedAt ? `Saved ${new Date(state.savedAt).toLocaleTimeString()}` : `Version ${state.version}`}</span>
            {canWrite ? "" : " · read-only (your role in this project)"}
          </p>
        </div>
        <div className="flex items-center gap-2 text-xs">
          <span className="inline-flex items-center gap-1.5 rounded-full border border-zinc-200 bg-white px-2 py-1" data-testid="kernel-status" data-status={kernel.status}>
            <span className={`size-2.5 rounded-full ${statusTone[kernel.status]}`} aria-hidden />
            Kernel: {statusLabel[kernel.status]}
          </span>
          {canWrite && (kernel.status === "none" || kernel.status === "culled" || kernel.status === "dead") ? (
            <button type="button" className={`${toolbarButton} border border-zinc-300 bg-white`} onClick={() => kernelAction("start")}>
              Start kernel
            </button>
          ) : null}
          <KernelPicker notebookId={notebookId} kernel={kernel} disabled={!canWrite} />
          <a href={`/api/notebooks/${notebookId}/export`} className={`${toolbarButton} inline-flex items-center border border-zinc-300 bg-white`}>
            Export .ipynb
          </a>
          <button type="button" className={`${toolbarButton} border border-zinc-300 bg-white`} onClick={() => setShowHistory((s) => !s)} aria-pressed={showHistory}>
            History
          </button>
        </div>
      </header>

      {canWrite ? (
        <div role="toolbar" aria-label="Notebook actions" className="sticky top-0 z-10 flex flex-wrap items-center gap-0.5 rounded-md border border-zinc-200 bg-white/95 px-1 py-1 backdrop-blur">
          <button type="button" className={toolbarButton} title="Insert a cell below (B)" onClick={() => select(insert("below"), true)}>
            + Cell
          </button>
          <button type="button" className={toolbarButton} title="Run the cell and select the next (Shift+Enter)" onClick={() => runActive("next")} disabled={!activeCell}>
            ▶ Run
          </button>
          <button type="button" className={toolbarButton} title="Interrupt the kernel (I, I)" onClick={() => kernelAction("interrupt")} disabled={kernel.status !== "busy"}>
            ■ Interrupt
          </button>
          <button type="button" className={toolbarButton} title="Restart the kernel (0, 0)" onClick={() => kernelAction("restart")}>
            ↻ Restart
          </button>
          <button type="button" className={toolbarButton} onClick={restartRunAll}>
            Restart &amp; run all
          </button>
          <span className="mx-1 h-5 w-px bg-zinc-200" />
          <button type="button" className={toolbarButton} onClick={runAll}>
            Run all
          </button>
          <button type="button" className={toolbarButton} onClick={() => run(cells.slice(0, Math.max(activeIndex, 0)).map((c) => c.id))} disabled={activeIndex <= 0}>
            Run above
          </button>
          <button type="button" className={toolbarButton} onClick={() => run(cells.slice(Math.max(activeIndex, 0)).map((c) => c.id))} disabled={activeIndex < 0}>
            Run cell and below
          </button>
          <span className="mx-1 h-5 w-px bg-zinc-200" />
          <button type="button" className={toolbarButton} title="Move up" aria-label="Move cell up" onClick={() => move(-1)} disabled={activeIndex <= 0}>
            ↑
          </button>
          <button type="button" className={toolbarButton} title="Move down" aria-label="Move cell down" onClick={() => move(1)} disabled={activeIndex < 0 || activeIndex >= cells.length - 1}>
            ↓
          </button>
          <button type="button" className={toolbarButton} title="Delete cell (D, D)" onClick={() => activeId && deleteCells([activeId])} disabled={!activeId}>
            Delete
          </button>
          <button type="button" className={toolbarButton} title="Merge with the cell below (Shift+M)" onClick={mergeBelow} disabled={activeIndex < 0 || activeIndex >= cells.length - 1}>
            Merge ↓
          </button>
          <select
            aria-label="Cell type"
            className="h-7 rounded border border-zinc-300 bg-white px-1 text-xs"
            value={activeCell?.cell_type ?? "code"}
            onChange={(e) => setType(e.target.value as Cell["cell_type"])}
            disabled={!activeCell}
          >
            <option value="code">Code</option>
            <option value="markdown">Markdown</option>
            <option value="raw">Raw</option>
          </select>
          <span className="mx-1 h-5 w-px bg-zinc-200" />
          <button type="button" className={toolbarButton} onClick={() => activeId && clearOutputs([activeId])} disabled={!activeId}>
            Clear output
          </button>
          <button type="button" className={toolbarButton} onClick={() => clearOutputs(cells.map((c) => c.id))}>
            Clear all outputs
          </button>
          <button type="button" className={toolbarButton} onClick={() => kernelAction("shutdown")} disabled={kernel.status === "none"}>
            Shut down kernel
          </button>
        </div>
      ) : null}

      <Banner live={live} />
      {live.notices.map((n) => (
        <div key={n.id} role="alert" className="flex items-center justify-between rounded-md border border-red-200 bg-red-50 px-3 py-1.5 text-sm text-red-900">
          {n.message}
          <button type="button" className="text-xs underline" onClick={() => live.dismissNotice(n.id)}>
            Dismiss
          </button>
        </div>
      ))}

      <div className={`grid items-start gap-4 ${showHistory ? "xl:grid-cols-[1fr_20rem]" : ""}`}>
        <div
          ref={containerRef}
          tabIndex={0}
          onKeyDown={onKeyDown}
          aria-label={`Notebook ${state.name}`}
          role="region"
          data-mode={mode}
          className="min-w-0 space-y-0.5 rounded-lg border border-zinc-200 bg-white p-2 outline-none focus-visible:ring-2 focus-visible:ring-sky-300"
        >
          {cells.length === 0 ? (
            <p className="p-4 text-sm text-zinc-500">This notebook has no cells. {canWrite ? "Press B or “+ Cell” to add one." : ""}</p>
          ) : null}
          {cells.map((cell, index) => (
            <div key={cell.id} style={{ contentVisibility: "auto", containIntrinsicSize: "auto 48px" }}>
              <CellView
                cell={cell}
                index={index}
                active={cell.id === activeId}
                editing={cell.id === activeId && mode === "edit"}
                run={state.runs[cell.id]}
                input={state.input?.cellId === cell.id ? state.input : null}
                help={help?.cellId === cell.id ? help.text : null}
                cursor={cell.id === activeId ? cursor : "end"}
                canWrite={canWrite}
                actions={actions}
              />
            </div>
          ))}
        </div>
        {showHistory ? <HistoryPanel notebookId={notebookId} canWrite={canWrite} /> : null}
      </div>
    </div>
  );
}
