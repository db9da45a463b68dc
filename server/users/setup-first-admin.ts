import "server-only";
import { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { hashPassword } from "@/server/auth/password";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { emailSchema, passwordSchema } from "@/server/users/user-schemas";
import { isLoopback } from "@/server/http/client-ip";
import { toUserView, type UserView } from "@/server/users/user-view";

export const SETUP_FROM_LOOPBACK_ONLY =
  "First-run setup only works from the machine the studio runs on: open http://localhost:<port>/setup there, or restart with STUDIO_ADMIN_EMAIL and STUDIO_ADMIN_PASSWORD set.";

export const setupFirstAdminInput = z.object({
  email: emailSchema,
  name: z.string().trim().min(1, "is required").max(120),
  password: passwordSchema,
});

/** First-run setup: creates the admin account, only while the studio has no users at all. */
export async function setupFirstAdmin(
  db: Db,
  input: z.infer<typeof setupFirstAdminInput>,
  ip?: string | null,
): Promise<UserView> {
  // Until an admin exists, whoever reaches the setup page owns the studio: only someone at the
  // machine itself (or who set STUDIO_ADMIN_EMAIL/PASSWORD) may be that person.
  if (!isLoopback(ip)) throw new AppError("forbidden", SETUP_FROM_LOOPBACK_ONLY);
  const alreadySetUp = () => new AppError("conflict", "The studio is already set up. Sign in instead.");
  // Checked before the (deliberately slow) hash, so the public endpoint costs nothing once set up.
  if ((await db.user.count()) > 0) throw alreadySetUp();
  const passwordHash = await hashPassword(input.password);
  const user = await db.$transaction(
    async (tx) => {
      if ((await tx.user.count()) > 0) throw alreadySetUp();
      return tx.user.create({ data: { email: input.email, name: input.name, role: "admin", passwordHash } });
    },
    { isolationLevel: "Serializable" },
  );
  await recordAuditEvent(db, { action: "auth.setup_admin", actor: user, target: { type: "user", id: user.id }, ip });
  return toUserView(user);
}
