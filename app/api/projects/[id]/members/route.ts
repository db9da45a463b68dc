// POST /api/projects/[id]/members – add a member or change their role (project admins)
import { idParams, route } from "@/server/http/route";
import { getProject } from "@/server/projects/get-project";
import { projectMemberInput } from "@/server/projects/project-schemas";
import { setProjectMember } from "@/server/projects/set-project-member";

export const POST = route({ access: "projects:read", params: idParams, body: projectMemberInput }, async ({ db, params, body, user, ip }) => {
  await setProjectMember(db, params.id, body, user, ip);
  return getProject(db, params.id, user);
});
