import { pageAccess } from "@/server/auth/require-permission";
import { can } from "@/lib/roles";
import { AccessDenied } from "@/components/shell/access-denied";
import { ModelVersionPage } from "@/components/models/model-version-page";

export const metadata = { title: "Model version" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("models:read");
  if (!allowed) return <AccessDenied role={user.role} what="the model registry" />;
  const { id } = await params;
  // The server checks the caller's role in the version's project on every change.
  return <ModelVersionPage versionId={id} canApprove={can(user.role, "models:approve")} canDeploy={can(user.role, "models:write")} />;
}
