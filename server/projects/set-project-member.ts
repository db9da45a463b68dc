import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import type { Principal } from "@/server/auth/principal";
import type { Role } from "@/lib/roles";
import { assertCanManageProject, loadProjectFor } from "@/server/projects/project-access";

/** Adds a user to a project with a role, or changes the role of an existing member. */
export async function setProjectMember(
  db: Db,
  projectId: string,
  input: { userId: string; role: Role },
  actor: Principal,
  ip?: string | null,
): Promise<void> {
  const { myRole } = await loadProjectFor(db, projectId, actor);
  assertCanManageProject(actor, myRole);
  const user = await db.user.findUnique({ where: { id: input.userId }, select: { id: true, email: true } });
  if (!user) throw new AppError("validation_failed", "No user with that id.", { issues: [{ path: "userId", message: "unknown user" }] });
  const existing = await db.projectMember.findUnique({ where: { projectId_userId: { projectId, userId: input.userId } } });
  await db.$transaction(
    async (tx) => {
      await tx.projectMember.upsert({
        where: { projectId_userId: { projectId, userId: input.userId } },
        create: { projectId, userId: input.userId, role: input.role },
        update: { role: input.role },
      });
      if (existing?.role === "admin" && input.role !== "admin") await assertProjectKeepsAnAdmin(tx, projectId);
    },
    { isolationLevel: "Serializable" },
  );
  await recordAuditEvent(db, {
    action: existing ? "project.member_update" : "project.member_add",
    actor,
    target: { type: "project", id: projectId },
    ip,
    detail: { email: user.email, role: input.role, ...(existing ? { from: existing.role } : {}) },
  });
}

/** Removes a user from a project. */
export async function removeProjectMember(
  db: Db,
  projectId: string,
  userId: string,
  actor: Principal,
  ip?: string | null,
): Promise<void> {
  const { myRole } = await loadProjectFor(db, projectId, actor);
  assertCanManageProject(actor, myRole);
  const existing = await db.projectMember.findUnique({ where: { projectId_userId: { projectId, userId } }, include: { user: true } });
  if (!existing) throw new AppError("not_found", "That user is not a member of this project.");
  await db.$transaction(
    async (tx) => {
      await tx.projectMember.delete({ where: { projectId_userId: { projectId, userId } } });
      if (existing.role === "admin") await assertProjectKeepsAnAdmin(tx, projectId);
    },
    { isolationLevel: "Serializable" },
  );
  await recordAuditEvent(db, {
    action: "project.member_remove",
    actor,
    target: { type: "project", id: projectId },
    ip,
    detail: { email: existing.user.email },
  });
}

// Checked after the change, inside a serializable transaction, so that two admins removing each
// other at the same moment cannot both succeed; throwing rolls the change back.
async function assertProjectKeepsAnAdmin(tx: Pick<Db, "projectMember">, projectId: string): Promise<void> {
  const admins = await tx.projectMember.count({ where: { projectId, role: "admin" } });
  if (admins === 0) throw new AppError("conflict", "A project needs at least one admin. Make another member an admin first.");
}
