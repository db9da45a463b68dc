import { pageAccess } from "@/server/auth/require-permission";
import { can } from "@/lib/roles";
import { AccessDenied } from "@/components/shell/access-denied";
import { TransformJobPage } from "@/components/transform/transform-job-page";

export const metadata = { title: "Batch transform" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("models:read");
  if (!allowed) return <AccessDenied role={user.role} what="batch transforms" />;
  const { id } = await params;
  // The server checks the caller's role in the job's project on every request.
  return <TransformJobPage jobId={id} canWrite={can(user.role, "models:write")} />;
}
