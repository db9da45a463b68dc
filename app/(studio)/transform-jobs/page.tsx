import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { TransformJobsPage } from "@/components/transform/transform-jobs-page";

export const metadata = { title: "Batch transforms" };

export default async function Page() {
  const { user, allowed } = await pageAccess("models:read");
  if (!allowed) return <AccessDenied role={user.role} what="batch transforms" />;
  return <TransformJobsPage />;
}
