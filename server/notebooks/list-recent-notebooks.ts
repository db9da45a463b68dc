import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { projectIdsWhere } from "@/server/projects/project-access";
import { notebookSummarySelect, toNotebookSummary, type NotebookSummary } from "@/server/notebooks/notebook-view";

// The Notebooks page shows what people are working on, not an archive: the most recent 200.
const RECENT_LIMIT = 200;

/** Notebooks across every project the caller may read them in, most recently changed first. */
export async function listRecentNotebooks(db: Db, principal: Principal, q?: string): Promise<(NotebookSummary & { projectName: string })[]> {
  const projectIds = await projectIdsWhere(db, principal, "notebooks:read");
  const needle = q?.trim().toLowerCase();
  const rows = await db.notebook.findMany({
    where: { trashedAt: null, ...(projectIds ? { projectId: { in: projectIds } } : {}) },
    select: { ...notebookSummarySelect, project: { select: { name: true } } },
    orderBy: { updatedAt: "desc" },
    // Name search is done here for case-insensitivity on both databases; without one, the limit applies in SQL.
    ...(needle ? {} : { take: RECENT_LIMIT }),
  });
  return rows
    .filter((r) => !needle || r.name.toLowerCase().includes(needle))
    .slice(0, RECENT_LIMIT)
    .map((r) => ({ ...toNotebookSummary(r), projectName: r.project.name }));
}
