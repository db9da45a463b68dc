// DELETE /api/projects/[id]/members/[userId] – remove a member (project admins)
import { idParams, route } from "@/server/http/route";
import { getProject } from "@/server/projects/get-project";
import { removeProjectMember } from "@/server/projects/set-project-member";

const memberParams = idParams.extend({ userId: idParams.shape.id });

export const DELETE = route({ access: "projects:read", params: memberParams }, async ({ db, params, user, ip }) => {
  await removeProjectMember(db, params.id, params.userId, user, ip);
  return getProject(db, params.id, user);
});
