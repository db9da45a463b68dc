import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { DatasetPage } from "@/components/datasets/dataset-page";

export const metadata = { title: "Dataset" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("datasets:read");
  if (!allowed) return <AccessDenied role={user.role} what="datasets" />;
  const { id } = await params;
  return <DatasetPage datasetId={id} />;
}
