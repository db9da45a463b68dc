import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import type { Role } from "@/lib/roles";
import { loadProjectFor } from "@/server/projects/project-access";
import { toProjectView, type ProjectMemberView, type ProjectView } from "@/server/projects/project-view";

/** One project with its members, if the caller may see it. */
export async function getProject(
  db: Db,
  projectId: string,
  principal: Principal,
): Promise<ProjectView & { members: ProjectMemberView[] }> {
  const { project, myRole } = await loadProjectFor(db, projectId, principal);
  const members = await db.projectMember.findMany({
    where: { projectId },
    include: { user: true },
    orderBy: { createdAt: "asc" },
  });
  return {
    ...toProjectView(project, project._count.members, myRole),
    members: members.map((m) => ({
      userId: m.userId,
      email: m.user.email,
      name: m.user.name,
      role: m.role as Role,
      addedAt: m.createdAt.toISOString(),
    })),
  };
}
