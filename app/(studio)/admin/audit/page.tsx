import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { AuditPage } from "@/components/admin/audit-page";

export const metadata = { title: "Audit log" };

export default async function Page() {
  const { user, allowed } = await pageAccess("audit:read");
  if (!allowed) return <AccessDenied role={user.role} what="the audit log" />;
  return <AuditPage />;
}
