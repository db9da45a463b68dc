import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { AllDatasetsPage } from "@/components/datasets/all-datasets-page";

export const metadata = { title: "Datasets" };

export default async function Page() {
  const { user, allowed } = await pageAccess("datasets:read");
  if (!allowed) return <AccessDenied role={user.role} what="datasets" />;
  return <AllDatasetsPage />;
}
