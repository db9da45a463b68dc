import { pageAccess } from "@/server/auth/require-permission";
import { can } from "@/lib/roles";
import { AccessDenied } from "@/components/shell/access-denied";
import { JobsPage } from "@/components/jobs/jobs-page";

export const metadata = { title: "Training jobs" };

export default async function Page() {
  const { user, allowed } = await pageAccess("training:read");
  if (!allowed) return <AccessDenied role={user.role} what="training jobs" />;
  return <JobsPage canWrite={can(user.role, "training:write")} />;
}
