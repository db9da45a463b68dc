import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { MyQueuePage } from "@/components/labeling/labeling-jobs";

export const metadata = { title: "My queue" };

export default async function Page() {
  const { user, allowed } = await pageAccess("labeling:work");
  if (!allowed) return <AccessDenied role={user.role} what="labeling queues" />;
  return <MyQueuePage />;
}
