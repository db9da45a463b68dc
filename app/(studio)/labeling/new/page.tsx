import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { NewLabelingJobPage } from "@/components/labeling/labeling-jobs";

export const metadata = { title: "New labeling job" };

export default async function Page() {
  const { user, allowed } = await pageAccess("labeling:manage");
  if (!allowed) return <AccessDenied role={user.role} what="labeling job set-up" />;
  return <NewLabelingJobPage />;
}
