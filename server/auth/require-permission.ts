import "server-only";
import { redirect } from "next/navigation";
import { db } from "@/server/db";
import { can, type Permission } from "@/lib/roles";
import { sessionPrincipal } from "@/server/auth/current-user";
import type { Principal } from "@/server/auth/principal";

/**
 * For server-rendered pages: the signed-in user and whether their role has the permission.
 * Pages show an access-denied notice when it does not; the API enforces the same rule.
 */
export async function pageAccess(permission: Permission): Promise<{ user: Principal; allowed: boolean }> {
  const user = await sessionPrincipal(db());
  if (!user) redirect("/login");
  return { user, allowed: can(user.role, permission) };
}
