import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { can } from "@/lib/roles";
import { RunPage } from "@/components/experiments/run-page";

export const metadata = { title: "Run" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("training:read");
  if (!allowed) return <AccessDenied role={user.role} what="experiment runs" />;
  const { id } = await params;
  return <RunPage runId={id} canRegisterModels={can(user.role, "models:write")} />;
}
