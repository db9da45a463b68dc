import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { RecentNotebooksPage } from "@/components/notebook/recent-notebooks-page";

export const metadata = { title: "Notebooks" };

export default async function Page() {
  const { user, allowed } = await pageAccess("notebooks:read");
  if (!allowed) return <AccessDenied role={user.role} what="notebooks" />;
  return <RecentNotebooksPage />;
}
