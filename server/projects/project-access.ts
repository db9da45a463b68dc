import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { can, type Permission, type Role } from "@/lib/roles";

/**
 * Loads a project the caller may see: admins see every project, others only their own.
 * Someone who is not a member gets not_found, so project ids do not leak.
 */
export async function loadProjectFor(db: Db, projectId: string, principal: Principal) {
  const project = await db.project.findUnique({
    where: { id: projectId },
    include: { members: { where: { userId: principal.id } }, _count: { select: { members: true } } },
  });
  const myRole = (project?.members[0]?.role as Role | undefined) ?? null;
  const outOfScope = principal.scope !== undefined && principal.scope.projectId !== projectId;
  if (!project || outOfScope || (!myRole && principal.role !== "admin")) throw new AppError("not_found", "No project with that id.");
  return { project, myRole };
}

/** Studio admins and a project's own admins manage its settings and members. */
export function assertCanManageProject(principal: Principal, myRole: Role | null): void {
  if (principal.role !== "admin" && myRole !== "admin") {
    throw new AppError("forbidden", "Only the project's admins can change its settings and members.");
  }
}

/**
 * The project, if the caller's role in it allows the permission: studio admins always, everyone
 * else by their role in this project. Non-members get not_found, members without the right forbidden.
 */
export async function requireProjectPermission(db: Db, projectId: string, principal: Principal, permission: Permission) {
  const { project, myRole } = await loadProjectFor(db, projectId, principal);
  const role: Role | null = principal.role === "admin" ? "admin" : myRole;
  if (!role || !can(role, permission)) throw new AppError("forbidden", "Your role in this project does not allow this.");
  return { project, role };
}

/**
 * The projects whose data the caller's role there allows `permission` on, for listings across
 * projects: undefined for studio admins (every project), else the ids of their memberships.
 */
export async function projectIdsWhere(db: Db, principal: Principal, permission: Permission): Promise<string[] | undefined> {
  if (principal.scope) {
    const { role } = await requireProjectPermission(db, principal.scope.projectId, principal, permission).catch(() => ({ role: null }));
    return role ? [principal.scope.projectId] : [];
  }
  if (principal.role === "admin") return undefined;
  const memberships = await db.projectMember.findMany({ where: { userId: principal.id }, select: { projectId: true, role: true } });
  return memberships.filter((m) => can(m.role as Role, permission)).map((m) => m.projectId);
}
