import "server-only";
import type { Db } from "@/server/db";
import { roleSchema } from "@/lib/roles";
import type { Principal } from "@/server/auth/principal";

/** A user as the principal the worker acts as (writing a job's output as its creator); null if deleted or disabled. */
export async function actingUser(db: Db, userId: string | null): Promise<Principal | null> {
  const user = userId ? await db.user.findUnique({ where: { id: userId } }) : null;
  if (!user || user.disabled) return null;
  return { id: user.id, email: user.email, name: user.name, role: roleSchema.parse(user.role), via: "session" };
}
