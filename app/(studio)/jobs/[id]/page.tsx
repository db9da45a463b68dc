import { pageAccess } from "@/server/auth/require-permission";
import { can } from "@/lib/roles";
import { AccessDenied } from "@/components/shell/access-denied";
import { JobPage } from "@/components/jobs/job-page";

export const metadata = { title: "Training job" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("training:read");
  if (!allowed) return <AccessDenied role={user.role} what="training jobs" />;
  const { id } = await params;
  return <JobPage jobId={id} canWrite={can(user.role, "training:write")} />;
}
