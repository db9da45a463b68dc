import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { freeNotebookName, loadNotebookFor } from "@/server/notebooks/notebook-access";
import { toNotebookDocument, type NotebookDocument } from "@/server/notebooks/notebook-view";

/** Copies a notebook (content, host and kernel) as "Name (copy)" in the same project. */
export async function duplicateNotebook(db: Db, notebookId: string, actor: Principal): Promise<NotebookDocument> {
  const source = await loadNotebookFor(db, notebookId, actor, "notebooks:write");
  const row = await db.notebook.create({
    data: {
      projectId: source.projectId,
      name: await freeNotebookName(db, source.projectId, source.name, "copy"),
      content: source.content as object,
      hostId: source.hostId,
      kernelName: source.kernelName,
      createdById: actor.id,
    },
  });
  return toNotebookDocument(row);
}
