import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { LabelingDashboardPage } from "@/components/labeling/labeling-dashboard";

export const metadata = { title: "Labeling throughput" };

export default async function Page() {
  const { user, allowed } = await pageAccess("labeling:read");
  if (!allowed) return <AccessDenied role={user.role} what="the labeling dashboard" />;
  return <LabelingDashboardPage />;
}
