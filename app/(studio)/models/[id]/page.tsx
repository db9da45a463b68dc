import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { ModelPage } from "@/components/models/model-page";

export const metadata = { title: "Model" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("models:read");
  if (!allowed) return <AccessDenied role={user.role} what="the model registry" />;
  const { id } = await params;
  return <ModelPage modelId={id} />;
}
