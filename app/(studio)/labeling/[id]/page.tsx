import { pageAccess } from "@/server/auth/require-permission";
import { can } from "@/lib/roles";
import { LabelingJobPage } from "@/components/labeling/labeling-jobs";

export const metadata = { title: "Labeling job" };

// Managers and viewers of the project, and the job's own labelers (the API decides which jobs).
export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user } = await pageAccess("projects:read");
  const { id } = await params;
  return <LabelingJobPage jobId={id} canManage={can(user.role, "labeling:manage")} canReview={can(user.role, "labeling:review")} />;
}
