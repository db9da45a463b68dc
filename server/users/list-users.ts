import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { can } from "@/lib/roles";
import type { Principal } from "@/server/auth/principal";
import { toUserView, type UserView } from "@/server/users/user-view";

/** Lists every user, admins first, then by email. */
export async function listUsers(db: Db): Promise<UserView[]> {
  const users = await db.user.findMany({ orderBy: [{ email: "asc" }] });
  return users.map(toUserView).sort((a, b) => Number(b.role === "admin") - Number(a.role === "admin"));
}

/**
 * Names and emails of active users: what someone adding project members needs, nothing more.
 * For people who may create projects or who administer at least one project.
 */
export async function listUserDirectory(db: Db, caller: Principal): Promise<{ id: string; name: string; email: string }[]> {
  if (!can(caller.role, "projects:create") && !(await db.projectMember.findFirst({ where: { userId: caller.id, role: "admin" }, select: { userId: true } }))) {
    throw new AppError("forbidden", "Only project admins can list users to add.");
  }
  return db.user.findMany({ where: { disabled: false }, select: { id: true, name: true, email: true }, orderBy: { name: "asc" } });
}
