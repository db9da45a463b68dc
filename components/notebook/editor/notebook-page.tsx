"use client";

import { ErrorNotice } from "@/components/ui/card";
import { useNotebookSummary } from "@/components/notebook/use-notebooks";
import { NotebookEditor } from "@/components/notebook/editor/notebook-editor";

/** Checks the notebook exists for this user over HTTP (a clear error if not), then opens it live. */
export function NotebookPage({ notebookId }: { notebookId: string }) {
  const { data: notebook, error, isLoading } = useNotebookSummary(notebookId);
  if (isLoading) return <p className="text-sm text-zinc-500">Loading notebook…</p>;
  if (error || !notebook) return <ErrorNotice error={error ?? new Error("Notebook not found.")} />;
  if (notebook.trashedAt) return <ErrorNotice error={new Error("This notebook is in the trash. Restore it from its project's trash to open it.")} />;
  return <NotebookEditor notebookId={notebookId} projectId={notebook.projectId} />;
}
