// GET /api/projects – projects the caller may see; POST /api/projects – create a project
import { created, route } from "@/server/http/route";
import { createProject } from "@/server/projects/create-project";
import { listProjects } from "@/server/projects/list-projects";
import { createProjectInput } from "@/server/projects/project-schemas";

export const GET = route({ access: "projects:read" }, async ({ db, user }) => listProjects(db, user));

export const POST = route({ access: "projects:create", body: createProjectInput }, async ({ db, body, user, ip }) =>
  created(await createProject(db, body, user, ip)),
);
