import "server-only";
import type { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import type { Principal } from "@/server/auth/principal";
import { slugify, type createProjectInput } from "@/server/projects/project-schemas";
import { toProjectView, type ProjectView } from "@/server/projects/project-view";

/** Creates a project; its creator becomes the project's first admin. */
export async function createProject(
  db: Db,
  input: z.infer<typeof createProjectInput>,
  actor: Principal,
  ip?: string | null,
): Promise<ProjectView> {
  const slug = input.slug ?? slugify(input.name);
  if (await db.project.findUnique({ where: { slug }, select: { id: true } })) {
    throw new AppError("conflict", `A project with the slug "${slug}" already exists. Choose another name or slug.`, {
      issues: [{ path: "slug", message: "is taken" }],
    });
  }
  const project = await db.project.create({
    data: {
      name: input.name,
      slug,
      description: input.description,
      createdById: actor.id,
      members: { create: { userId: actor.id, role: "admin" } },
    },
  });
  await recordAuditEvent(db, { action: "project.create", actor, target: { type: "project", id: project.id }, ip, detail: { slug } });
  return toProjectView(project, 1, "admin");
}
