import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { hashPassword } from "@/server/auth/password";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import type { Principal } from "@/server/auth/principal";
import { toUserView, type UserView } from "@/server/users/user-view";
import type { UpdateUserInput } from "@/server/users/user-schemas";

/** Changes a user's name, role, password or disabled flag; the studio always keeps one active admin. */
export async function updateUser(
  db: Db,
  userId: string,
  input: UpdateUserInput,
  actor: Principal,
  ip?: string | null,
): Promise<UserView> {
  const user = await db.user.findUnique({ where: { id: userId } });
  if (!user) throw new AppError("not_found", "No user with that id.");

  const losesAdmin =
    user.role === "admin" && !user.disabled && ((input.role && input.role !== "admin") || input.disabled === true);
  if (losesAdmin) {
    const activeAdmins = await db.user.count({ where: { role: "admin", disabled: false } });
    if (activeAdmins <= 1) {
      throw new AppError("conflict", "This is the only active admin. Make another user an admin first.");
    }
  }

  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  const updated = await db.$transaction(async (tx) => {
    const row = await tx.user.update({
      where: { id: userId },
      data: {
        name: input.name,
        role: input.role,
        disabled: input.disabled,
        // A new password signs out every existing session of this user.
        ...(passwordHash ? { passwordHash, sessionVersion: { increment: 1 } } : {}),
      },
    });
    // Re-counted inside the transaction: two admins demoting each other at once must not both win.
    if (losesAdmin && (await tx.user.count({ where: { role: "admin", disabled: false } })) === 0) {
      throw new AppError("conflict", "This is the only active admin. Make another user an admin first.");
    }
    return row;
  }, { isolationLevel: "Serializable" });

  const target = { type: "user", id: user.id };
  if (input.role && input.role !== user.role) {
    await recordAuditEvent(db, { action: "user.role_change", actor, target, ip, detail: { email: user.email, from: user.role, to: input.role } });
  }
  if (input.disabled !== undefined && input.disabled !== user.disabled) {
    await recordAuditEvent(db, { action: input.disabled ? "user.disable" : "user.enable", actor, target, ip, detail: { email: user.email } });
  }
  if (input.password) {
    await recordAuditEvent(db, { action: "user.password_reset", actor, target, ip, detail: { email: user.email } });
  }
  if (input.name && input.name !== user.name) {
    await recordAuditEvent(db, { action: "user.update", actor, target, ip, detail: { email: user.email, name: input.name } });
  }
  return toUserView(updated);
}
