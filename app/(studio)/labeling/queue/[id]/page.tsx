import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { LabelingQueue } from "@/components/labeling/labeling-queue";

export const metadata = { title: "Labeling" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("labeling:work");
  if (!allowed) return <AccessDenied role={user.role} what="labeling queues" />;
  const { id } = await params;
  return <LabelingQueue jobId={id} />;
}
