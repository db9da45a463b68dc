import { can } from "@/lib/roles";
import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { HostsPage } from "@/components/hosts/hosts-page";

export const metadata = { title: "Compute hosts" };

export default async function Page() {
  const { user, allowed } = await pageAccess("hosts:read");
  if (!allowed) return <AccessDenied role={user.role} what="compute hosts" />;
  return <HostsPage canManage={can(user.role, "hosts:manage")} />;
}
