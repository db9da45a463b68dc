import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { ComparePage } from "@/components/experiments/compare-page";

export const metadata = { title: "Compare runs" };

export default async function Page({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ runs?: string | string[]; keys?: string | string[] }> }) {
  const { user, allowed } = await pageAccess("training:read");
  if (!allowed) return <AccessDenied role={user.role} what="experiments" />;
  const { id } = await params;
  const { runs, keys } = await searchParams;
  const list = (v: string | string[] | undefined) => [...new Set((Array.isArray(v) ? v.join(",") : (v ?? "")).split(",").filter(Boolean))];
  return <ComparePage experimentId={id} runIds={list(runs).slice(0, 100)} initialKeys={list(keys).slice(0, 20)} />;
}
