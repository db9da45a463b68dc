import { pageAccess } from "@/server/auth/require-permission";
import { can } from "@/lib/roles";
import { AccessDenied } from "@/components/shell/access-denied";
import { LabelingJobsPage } from "@/components/labeling/labeling-jobs";

export const metadata = { title: "Labeling jobs" };

export default async function Page() {
  const { user, allowed } = await pageAccess("labeling:read");
  if (!allowed) return <AccessDenied role={user.role} what="labeling jobs" />;
  return <LabelingJobsPage canManage={can(user.role, "labeling:manage")} />;
}
