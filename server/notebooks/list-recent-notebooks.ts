import "server-only";
import type { Db } from "@/server/db";
import { can, type Role } from "@/lib/roles";
import type { Principal } from "@/server/auth/principal";
import { notebookSummarySelect, toNotebookSummary, type NotebookSummary } from "@/server/notebooks/notebook-view";

// The Notebooks page shows what people are working on, not an archive: the most recent 200.
const RECENT_LIMIT = 200;

/** Notebooks across every project the caller may read them in, most recently changed first. */
export async function listRecentNotebooks(db: Db, principal: Principal, q?: string): Promise<(NotebookSummary & { projectName: string })[]> {
  let projectIds: string[] | undefined;
  if (principal.role !== "admin") {
    const memberships = await db.projectMember.findMany({ where: { userId: principal.id }, select: { projectId: true, role: true } });
    projectIds = memberships.filter((m) => can(m.role as Role, "notebooks:read")).map((m) => m.projectId);
  }
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
