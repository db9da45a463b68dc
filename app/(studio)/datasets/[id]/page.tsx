import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { DatasetPage } from "@/components/datasets/dataset-page";

export const metadata = { title: "Dataset" };

export default async function Page({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ version?: string | string[] }> }) {
  const { user, allowed } = await pageAccess("datasets:read");
  if (!allowed) return <AccessDenied role={user.role} what="datasets" />;
  const { id } = await params;
  const requested = Number((await searchParams).version);
  return <DatasetPage datasetId={id} initialVersion={Number.isInteger(requested) && requested > 0 ? requested : null} />;
}
