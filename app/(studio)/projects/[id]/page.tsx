import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { ProjectDetailPage } from "@/components/projects/project-detail-page";

export const metadata = { title: "Project" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("projects:read");
  if (!allowed) return <AccessDenied role={user.role} what="projects" />;
  const { id } = await params;
  return <ProjectDetailPage projectId={id} isStudioAdmin={user.role === "admin"} />;
}
