import "server-only";
import type { Db } from "@/server/db";
import { can } from "@/lib/roles";
import type { Principal } from "@/server/auth/principal";
import { requireProjectPermission } from "@/server/projects/project-access";
import { loadNotebookFor } from "@/server/notebooks/notebook-access";
import { toNotebookDocument, type NotebookDocument } from "@/server/notebooks/notebook-view";

/** One notebook with its content, and whether the caller may change it. */
export async function getNotebook(db: Db, notebookId: string, principal: Principal): Promise<NotebookDocument & { canWrite: boolean }> {
  const notebook = await loadNotebookFor(db, notebookId, principal, "notebooks:read");
  const { role } = await requireProjectPermission(db, notebook.projectId, principal, "notebooks:read");
  return { ...toNotebookDocument(notebook), canWrite: can(role, "notebooks:write") };
}
