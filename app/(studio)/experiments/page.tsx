import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { ExperimentsPage } from "@/components/experiments/experiments-page";

export const metadata = { title: "Experiments" };

export default async function Page() {
  const { user, allowed } = await pageAccess("training:read");
  if (!allowed) return <AccessDenied role={user.role} what="experiments" />;
  return <ExperimentsPage />;
}
