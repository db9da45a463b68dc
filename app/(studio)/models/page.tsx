import { pageAccess } from "@/server/auth/require-permission";
import { can } from "@/lib/roles";
import { AccessDenied } from "@/components/shell/access-denied";
import { ModelsPage } from "@/components/models/models-page";

export const metadata = { title: "Model registry" };

export default async function Page() {
  const { user, allowed } = await pageAccess("models:read");
  if (!allowed) return <AccessDenied role={user.role} what="the model registry" />;
  return <ModelsPage canWrite={can(user.role, "models:write")} isStudioAdmin={user.role === "admin"} />;
}
