"use client";

import Link from "next/link";
import { formatDateTime } from "@/lib/format";
import type { Cell } from "@/lib/nbformat";
import { ErrorNotice, PageHeader } from "@/components/ui/card";
import { MarkdownView, OutputView } from "@/components/notebook/output-view";
import { useNotebook } from "@/components/notebook/use-notebooks";
import { HistoryPanel } from "@/components/notebook/history-panel";

function CellView({ cell }: { cell: Cell }) {
  if (cell.cell_type === "markdown") {
    return (
      <div className="px-3 py-2" data-cell-type="markdown">
        <MarkdownView source={cell.source} attachments={cell.attachments as Record<string, Record<string, unknown>> | undefined} />
      </div>
    );
  }
  if (cell.cell_type === "raw") {
    return <pre className="px-3 py-2 font-mono text-xs whitespace-pre-wrap text-zinc-600 dark:text-zinc-400" data-cell-type="raw">{cell.source}</pre>;
  }
  return (
    <div className="grid grid-cols-[4.5rem_1fr] gap-x-2 py-1" data-cell-type="code">
      <span className="pt-2 text-right font-mono text-xs text-zinc-500">[{cell.execution_count ?? " "}]:</span>
      <pre className="overflow-x-auto rounded border border-zinc-200 bg-zinc-50 px-3 py-2 font-mono text-xs dark:border-zinc-800 dark:bg-zinc-900">{cell.source}</pre>
      {cell.outputs.length > 0 ? (
        <>
          <span />
          <div className="mt-1 space-y-1" aria-label="Cell outputs">
            {cell.outputs.map((o, i) => (
              <OutputView key={i} output={o} />
            ))}
          </div>
        </>
      ) : null}
    </div>
  );
}

/** A notebook as saved: cells and outputs rendered safely, with export. Running it needs the editor. */
export function NotebookPreview({ notebookId }: { notebookId: string }) {
  const { data: notebook, error, isLoading } = useNotebook(notebookId);
  if (isLoading) return <p className="text-sm text-zinc-500">Loading notebook…</p>;
  if (error || !notebook) return <ErrorNotice error={error ?? new Error("Notebook not found.")} />;
  const kernel = (notebook.content.metadata.kernelspec as { display_name?: string } | undefined)?.display_name;
  return (
    <>
      <PageHeader
        title={notebook.name}
        description={
          <>
            <Link href={`/projects/${notebook.projectId}`} className="text-sky-700 hover:underline dark:text-sky-400">
              Project
            </Link>{" "}
            · version {notebook.version} · saved {formatDateTime(notebook.updatedAt)}
            {kernel ? ` · ${kernel}` : ""} · {notebook.content.cells.length} cells · read-only preview
          </>
        }
        actions={
          <a
            href={`/api/notebooks/${notebook.id}/export`}
            className="inline-flex h-9 items-center rounded-md border border-zinc-300 bg-white px-3.5 text-sm font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
          >
            Export .ipynb
          </a>
        }
      />
      <div className="grid items-start gap-4 xl:grid-cols-[1fr_20rem]">
        <article aria-label={`Notebook ${notebook.name}`} className="min-w-0 space-y-1 rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-950">
          {notebook.content.cells.map((cell) => (
            <CellView key={cell.id} cell={cell} />
          ))}
        </article>
        <HistoryPanel notebookId={notebook.id} canWrite={notebook.canWrite} />
      </div>
    </>
  );
}
