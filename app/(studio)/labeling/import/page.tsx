import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { ImportLabelsPage } from "@/components/labeling/import-labels";

export const metadata = { title: "Import labels" };

export default async function Page() {
  const { user, allowed } = await pageAccess("labeling:manage");
  if (!allowed) return <AccessDenied role={user.role} what="importing labels" />;
  return <ImportLabelsPage />;
}
