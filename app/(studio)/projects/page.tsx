import { can } from "@/lib/roles";
import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { ProjectsPage } from "@/components/projects/projects-page";

export const metadata = { title: "Projects" };

export default async function Page() {
  const { user, allowed } = await pageAccess("projects:read");
  if (!allowed) return <AccessDenied role={user.role} what="projects" />;
  return <ProjectsPage canCreate={can(user.role, "projects:create")} />;
}
