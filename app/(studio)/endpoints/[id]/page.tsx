import { pageAccess } from "@/server/auth/require-permission";
import { can } from "@/lib/roles";
import { AccessDenied } from "@/components/shell/access-denied";
import { EndpointPage } from "@/components/endpoints/endpoint-page";

export const metadata = { title: "Endpoint" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("models:read");
  if (!allowed) return <AccessDenied role={user.role} what="endpoints" />;
  const { id } = await params;
  return <EndpointPage endpointId={id} canWrite={can(user.role, "models:write")} />;
}
