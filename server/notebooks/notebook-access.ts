import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Permission } from "@/lib/roles";
import type { Principal } from "@/server/auth/principal";
import { requireProjectPermission } from "@/server/projects/project-access";

/** Loads a notebook the caller may read or write, by their role in its project; others get not_found. */
export async function loadNotebookFor(db: Db, notebookId: string, principal: Principal, permission: Permission) {
  const notebook = await db.notebook.findUnique({ where: { id: notebookId } });
  if (!notebook) throw new AppError("not_found", "No notebook with that id.");
  try {
    await requireProjectPermission(db, notebook.projectId, principal, permission);
  } catch (error) {
    // Outside the project, the notebook does not exist for the caller.
    if (error instanceof AppError && error.code === "not_found") throw new AppError("not_found", "No notebook with that id.");
    throw error;
  }
  return notebook;
}

/** A name not yet used by a live notebook of the project: "Name", "Name (copy)", "Name (copy 2)"… */
export async function freeNotebookName(db: Db, projectId: string, wanted: string, suffix: string): Promise<string> {
  const taken = new Set(
    (await db.notebook.findMany({ where: { projectId, trashedAt: null, name: { startsWith: wanted } }, select: { name: true } })).map((n) => n.name),
  );
  if (!taken.has(wanted)) return wanted;
  for (let i = 1; ; i++) {
    const candidate = `${wanted} (${suffix}${i === 1 ? "" : ` ${i}`})`;
    if (!taken.has(candidate)) return candidate;
  }
}

export async function assertNameFree(db: Db, projectId: string, name: string, exceptId?: string): Promise<void> {
  const clash = await db.notebook.findFirst({ where: { projectId, name, trashedAt: null, ...(exceptId ? { id: { not: exceptId } } : {}) }, select: { id: true } });
  if (clash) throw new AppError("conflict", `A notebook named "${name}" already exists in this project.`, { issues: [{ path: "name", message: "is taken" }] });
}
