import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { hashPassword } from "@/server/auth/password";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import type { Principal } from "@/server/auth/principal";
import { toUserView, type UserView } from "@/server/users/user-view";
import type { CreateUserInput } from "@/server/users/user-schemas";

/** Creates a user with a role; an admin hands the initial password over out of band. */
export async function createUser(
  db: Db,
  input: CreateUserInput,
  actor: Principal | null,
  ip?: string | null,
): Promise<UserView> {
  const existing = await db.user.findUnique({ where: { email: input.email }, select: { id: true } });
  if (existing) throw new AppError("conflict", `A user with the email ${input.email} already exists.`);
  const user = await db.user.create({
    data: { email: input.email, name: input.name, role: input.role, passwordHash: await hashPassword(input.password) },
  });
  await recordAuditEvent(db, {
    action: "user.create",
    actor,
    target: { type: "user", id: user.id },
    ip,
    detail: { email: user.email, role: user.role },
  });
  return toUserView(user);
}
