// GET /api/projects/[id] – a project with its members; PATCH – rename or describe it (project admins)
import { idParams, route } from "@/server/http/route";
import { getProject } from "@/server/projects/get-project";
import { updateProject } from "@/server/projects/update-project";
import { updateProjectInput } from "@/server/projects/project-schemas";

export const GET = route({ access: "projects:read", params: idParams }, async ({ db, params, user }) => getProject(db, params.id, user));

export const PATCH = route({ access: "projects:read", params: idParams, body: updateProjectInput }, async ({ db, params, body, user, ip }) => {
  await updateProject(db, params.id, body, user, ip);
  return getProject(db, params.id, user);
});
