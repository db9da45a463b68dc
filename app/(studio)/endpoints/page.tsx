import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { EndpointsPage } from "@/components/endpoints/endpoints-page";
import { can } from "@/lib/roles";

export const metadata = { title: "Endpoints" };

export default async function Page() {
  const { user, allowed } = await pageAccess("models:read");
  if (!allowed) return <AccessDenied role={user.role} what="endpoints" />;
  return <EndpointsPage canWrite={can(user.role, "models:write")} />;
}
