import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import type { Role } from "@/lib/roles";
import { toProjectView, type ProjectView } from "@/server/projects/project-view";

/** Lists the projects the caller may see (admins: all; everyone else: where they are members). */
export async function listProjects(db: Db, principal: Principal): Promise<ProjectView[]> {
  const rows = await db.project.findMany({
    where: principal.role === "admin" ? {} : { members: { some: { userId: principal.id } } },
    include: { members: { where: { userId: principal.id } }, _count: { select: { members: true } } },
    orderBy: { name: "asc" },
  });
  return rows.map((p) => toProjectView(p, p._count.members, (p.members[0]?.role as Role | undefined) ?? null));
}
