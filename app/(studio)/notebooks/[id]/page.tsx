import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { NotebookPage } from "@/components/notebook/editor/notebook-page";

export const metadata = { title: "Notebook" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { user, allowed } = await pageAccess("notebooks:read");
  if (!allowed) return <AccessDenied role={user.role} what="notebooks" />;
  const { id } = await params;
  return <NotebookPage notebookId={id} />;
}
