import { pageAccess } from "@/server/auth/require-permission";
import { AccessDenied } from "@/components/shell/access-denied";
import { TokensPage } from "@/components/tokens/tokens-page";

export const metadata = { title: "API tokens" };

export default async function Page() {
  const { user, allowed } = await pageAccess("tokens:own");
  if (!allowed) return <AccessDenied role={user.role} what="API tokens" />;
  return <TokensPage />;
}
