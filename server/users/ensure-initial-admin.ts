import "server-only";
import type { Db } from "@/server/db";
import { createUserInput } from "@/server/users/user-schemas";
import { createUser } from "@/server/users/create-user";

/**
 * Creates the first admin from STUDIO_ADMIN_EMAIL / STUDIO_ADMIN_PASSWORD when the studio has no
 * users yet. Without those variables the first visitor gets the setup page instead.
 */
export async function ensureInitialAdmin(
  db: Db,
  vars: { email?: string; password?: string },
): Promise<"created" | "exists" | "needs_setup"> {
  if ((await db.user.count()) > 0) return "exists";
  if (!vars.email || !vars.password) return "needs_setup";
  const input = createUserInput.parse({ email: vars.email, name: "Administrator", role: "admin", password: vars.password });
  await createUser(db, input, null);
  return "created";
}
