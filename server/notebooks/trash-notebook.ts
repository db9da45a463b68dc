import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { freeNotebookName, loadNotebookFor } from "@/server/notebooks/notebook-access";
import { notebookSummarySelect, toNotebookSummary, type NotebookSummary } from "@/server/notebooks/notebook-view";
import { notifyNotebookChanged } from "@/server/notebooks/live/live-registry";

/** Moves a notebook to the project's trash; it keeps its content and checkpoints until deleted. */
export async function trashNotebook(db: Db, notebookId: string, actor: Principal): Promise<NotebookSummary> {
  await loadNotebookFor(db, notebookId, actor, "notebooks:write");
  const summary = toNotebookSummary(await db.notebook.update({ where: { id: notebookId }, data: { trashedAt: new Date() }, select: notebookSummarySelect }));
  // Open tabs close and the kernel is shut down: a trashed notebook holds no host resources.
  notifyNotebookChanged(notebookId, "trashed");
  return summary;
}

/** Restores a notebook from the trash, renamed "Name (restored)" if the name was taken meanwhile. */
export async function restoreNotebook(db: Db, notebookId: string, actor: Principal): Promise<NotebookSummary> {
  const notebook = await loadNotebookFor(db, notebookId, actor, "notebooks:write");
  if (!notebook.trashedAt) throw new AppError("conflict", "This notebook is not in the trash.");
  const name = await freeNotebookName(db, notebook.projectId, notebook.name, "restored");
  return toNotebookSummary(await db.notebook.update({ where: { id: notebookId }, data: { trashedAt: null, name }, select: notebookSummarySelect }));
}

/** Deletes a notebook for good, with its checkpoints; only from the trash, so nothing goes by one click. */
export async function deleteNotebook(db: Db, notebookId: string, actor: Principal): Promise<void> {
  const notebook = await loadNotebookFor(db, notebookId, actor, "notebooks:write");
  if (!notebook.trashedAt) throw new AppError("conflict", "Move the notebook to the trash first; delete it from there.");
  await db.notebook.delete({ where: { id: notebookId } });
  notifyNotebookChanged(notebookId, "deleted");
}
