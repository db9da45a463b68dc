import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { loadNotebookFor } from "@/server/notebooks/notebook-access";
import { toNotebookDocument, type NotebookDocument } from "@/server/notebooks/notebook-view";

/** One notebook with its content. */
export async function getNotebook(db: Db, notebookId: string, principal: Principal): Promise<NotebookDocument> {
  return toNotebookDocument(await loadNotebookFor(db, notebookId, principal, "notebooks:read"));
}
