"use client";

import { useState } from "react";
import { api } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import type { CellDiff } from "@/lib/notebook-diff";
import { Button } from "@/components/ui/button";
import { Card, ErrorNotice } from "@/components/ui/card";
import { Badge, type Tone } from "@/components/ui/status-badge";
import { useCheckpointDiff, useCheckpoints, useHistoryAction } from "@/components/notebook/use-notebooks";

const kindLabels = { auto: "Autosave", manual: "Checkpoint", before_restore: "Before restore" } as const;
const statusTones: Record<CellDiff["status"], Tone> = { added: "green", removed: "red", modified: "blue", unchanged: "grey" };

function CellDiffView({ cell }: { cell: CellDiff }) {
  return (
    <div className="rounded border border-zinc-200 dark:border-zinc-800" data-testid={`diff-${cell.status}`}>
      <div className="flex items-center gap-2 border-b border-zinc-100 px-2 py-1 text-xs dark:border-zinc-800">
        <Badge tone={statusTones[cell.status]}>{cell.status}</Badge>
        <span className="text-zinc-500">
          {cell.cellType} cell {cell.index + 1}
          {cell.moved ? " · moved" : ""}
          {cell.outputsChanged && cell.status !== "added" ? " · outputs changed" : ""}
        </span>
      </div>
      <pre className="overflow-x-auto px-2 py-1 font-mono text-xs">
        {cell.lines
          ? cell.lines.map((l, i) => (
              <div
                key={i}
                className={l.kind === "added" ? "bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200" : l.kind === "removed" ? "bg-red-50 text-red-900 line-through dark:bg-red-950 dark:text-red-200" : ""}
              >
                {l.kind === "added" ? "+ " : l.kind === "removed" ? "- " : "  "}
                {l.text}
              </div>
            ))
          : cell.source}
      </pre>
    </div>
  );
}

/** Version history: checkpoints (automatic, on demand, before restores), a cell-level diff of any against now, and restore. */
export function HistoryPanel({ notebookId, canWrite }: { notebookId: string; canWrite: boolean }) {
  const checkpoints = useCheckpoints(notebookId);
  const [selected, setSelected] = useState<string | null>(null);
  const diff = useCheckpointDiff(notebookId, selected);
  const create = useHistoryAction(notebookId, () => api(`/api/notebooks/${notebookId}/checkpoints`, { body: {} }));
  const restore = useHistoryAction(notebookId, (checkpointId: string) => api(`/api/notebooks/${notebookId}/checkpoints/${checkpointId}/restore`, { method: "POST" }));
  const changed = diff.data?.cells.filter((c) => c.status !== "unchanged" || c.moved) ?? [];

  return (
    <Card className="p-3" aria-label="Version history">
      <div className="mb-2 flex items-center justify-between">
        <h2 className="text-sm font-semibold">Version history</h2>
        {canWrite ? (
          <Button size="sm" variant="secondary" busy={create.isPending} onClick={() => create.mutate(undefined)}>
            Create checkpoint
          </Button>
        ) : null}
      </div>
      <ErrorNotice error={checkpoints.error ?? create.error ?? restore.error} />
      {checkpoints.data?.length === 0 ? <p className="text-xs text-zinc-500">No earlier versions yet. Saves are checkpointed at most every 10 minutes.</p> : null}
      <ul className="max-h-64 space-y-1 overflow-y-auto" aria-label="Checkpoints">
        {checkpoints.data?.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              aria-pressed={selected === c.id}
              onClick={() => setSelected(selected === c.id ? null : c.id)}
              className={`w-full rounded px-2 py-1 text-left text-xs ${selected === c.id ? "bg-sky-50 dark:bg-sky-950" : "hover:bg-zinc-100 dark:hover:bg-zinc-800"}`}
            >
              <span className="font-medium">v{c.version}</span> · {kindLabels[c.kind]}
              {c.label ? ` · ${c.label}` : ""}
              <span className="block text-zinc-500">{formatDateTime(c.createdAt)}</span>
            </button>
          </li>
        ))}
      </ul>
      {selected && diff.data ? (
        <div className="mt-3 space-y-2" aria-label="Changes since this version">
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            Since this version: {diff.data.counts.added} added, {diff.data.counts.removed} removed, {diff.data.counts.modified} changed
          </p>
          {changed.map((c) => (
            <CellDiffView key={`${c.status}-${c.id}`} cell={c} />
          ))}
          {canWrite ? (
            <Button
              size="sm"
              busy={restore.isPending}
              onClick={() => {
                if (window.confirm("Restore this version? The current one is kept in the history.")) restore.mutate(selected, { onSuccess: () => setSelected(null) });
              }}
            >
              Restore this version
            </Button>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}
