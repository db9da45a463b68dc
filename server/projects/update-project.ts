import "server-only";
import type { z } from "zod";
import type { Db } from "@/server/db";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import type { Principal } from "@/server/auth/principal";
import { assertCanManageProject, loadProjectFor } from "@/server/projects/project-access";
import type { updateProjectInput } from "@/server/projects/project-schemas";

/** Renames a project or changes its description (the slug stays, so links keep working). */
export async function updateProject(
  db: Db,
  projectId: string,
  input: z.infer<typeof updateProjectInput>,
  actor: Principal,
  ip?: string | null,
): Promise<void> {
  const { myRole } = await loadProjectFor(db, projectId, actor);
  assertCanManageProject(actor, myRole);
  await db.project.update({ where: { id: projectId }, data: input });
  await recordAuditEvent(db, { action: "project.update", actor, target: { type: "project", id: projectId }, ip, detail: input });
}
