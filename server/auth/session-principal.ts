import "server-only";
import type { Db } from "@/server/db";
import type { Role } from "@/lib/roles";
import type { Principal } from "@/server/auth/principal";

// Kept apart from current-user.ts (which reads the session through next-auth's options): the
// notebook socket in the web process checks sessions too, without loading next-auth's providers.

/** The user of a session's claims, or null if disabled or signed out by a password change since. */
export async function principalForSession(db: Db, userId: string, sessionVersion: number): Promise<Principal | null> {
  const user = await db.user.findUnique({ where: { id: userId } });
  // A password change bumps sessionVersion, which ends every session signed before it.
  if (!user || user.disabled || user.sessionVersion !== sessionVersion) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role as Role, via: "session" };
}
