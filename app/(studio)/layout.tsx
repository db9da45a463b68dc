import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { db } from "@/server/db";
import { sessionPrincipal } from "@/server/auth/current-user";
import { StudioShell } from "@/components/shell/studio-shell";

// Every studio page needs the signed-in user, so none of them is prerendered.
export const dynamic = "force-dynamic";

export default async function StudioLayout({ children }: { children: ReactNode }) {
  const user = await sessionPrincipal(db());
  if (!user) {
    redirect((await db().user.count()) === 0 ? "/setup" : "/login");
  }
  return <StudioShell user={{ name: user.name, email: user.email, role: user.role }}>{children}</StudioShell>;
}
