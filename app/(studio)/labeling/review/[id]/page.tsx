import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { ReviewQueue } from "@/components/labeling/review-queue";

export const metadata = { title: "Review" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("labeling:review");
  if (!allowed) return <AccessDenied role={user.role} what="the review queue" />;
  const { id } = await params;
  return <ReviewQueue jobId={id} />;
}
