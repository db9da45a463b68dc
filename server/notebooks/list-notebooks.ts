import "server-only";
import type { z } from "zod";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { requireProjectPermission } from "@/server/projects/project-access";
import type { listNotebooksQuery } from "@/server/notebooks/notebook-schemas";
import { notebookSummarySelect, toNotebookSummary, type NotebookSummary } from "@/server/notebooks/notebook-view";

/** A project's notebooks (or its trash), most recently changed first, optionally searched by name. */
export async function listNotebooks(
  db: Db,
  projectId: string,
  query: z.infer<typeof listNotebooksQuery>,
  principal: Principal,
): Promise<NotebookSummary[]> {
  await requireProjectPermission(db, projectId, principal, "notebooks:read");
  const rows = await db.notebook.findMany({
    where: { projectId, trashedAt: query.trashed ? { not: null } : null },
    select: notebookSummarySelect,
    orderBy: { updatedAt: "desc" },
  });
  // Case-insensitive search on both databases (SQLite's LIKE and PostgreSQL's differ).
  const needle = query.q?.toLowerCase();
  return rows.filter((r) => !needle || r.name.toLowerCase().includes(needle)).map(toNotebookSummary);
}
