import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { NewJobPage } from "@/components/jobs/new-job-page";

export const metadata = { title: "New training job" };

export default async function Page({ searchParams }: { searchParams: Promise<{ projectId?: string | string[]; cloneFrom?: string | string[] }> }) {
  const { user, allowed } = await pageAccess("training:write");
  if (!allowed) return <AccessDenied role={user.role} what="training jobs" />;
  const { projectId, cloneFrom } = await searchParams;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;
  return <NewJobPage initialProjectId={one(projectId)} cloneFrom={one(cloneFrom)} isStudioAdmin={user.role === "admin"} />;
}
