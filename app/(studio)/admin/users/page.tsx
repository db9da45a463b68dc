import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { UsersPage } from "@/components/admin/users-page";

export const metadata = { title: "Users & roles" };

export default async function Page() {
  const { user, allowed } = await pageAccess("users:manage");
  if (!allowed) return <AccessDenied role={user.role} what="users and roles" />;
  return <UsersPage currentUserId={user.id} />;
}
