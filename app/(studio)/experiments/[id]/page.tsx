import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { ExperimentPage } from "@/components/experiments/experiment-page";

export const metadata = { title: "Experiment" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("training:read");
  if (!allowed) return <AccessDenied role={user.role} what="experiments" />;
  const { id } = await params;
  return <ExperimentPage experimentId={id} />;
}
