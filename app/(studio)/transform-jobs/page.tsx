import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { TransformJobsPage } from "@/components/transform/transform-jobs-page";

export const metadata = { title: "Batch transforms" };

export default async function Page({ searchParams }: { searchParams: Promise<{ projectId?: string | string[] }> }) {
  const { user, allowed } = await pageAccess("models:read");
  if (!allowed) return <AccessDenied role={user.role} what="batch transforms" />;
  const { projectId } = await searchParams;
  return <TransformJobsPage projectId={typeof projectId === "string" && projectId ? projectId : undefined} />;
}
