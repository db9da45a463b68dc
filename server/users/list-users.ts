import "server-only";
import type { Db } from "@/server/db";
import { toUserView, type UserView } from "@/server/users/user-view";

/** Lists every user, admins first, then by email. */
export async function listUsers(db: Db): Promise<UserView[]> {
  const users = await db.user.findMany({ orderBy: [{ email: "asc" }] });
  return users.map(toUserView).sort((a, b) => Number(b.role === "admin") - Number(a.role === "admin"));
}

/** Names and emails of active users: what someone adding project members needs, nothing more. */
export async function listUserDirectory(db: Db): Promise<{ id: string; name: string; email: string }[]> {
  return db.user.findMany({ where: { disabled: false }, select: { id: true, name: true, email: true }, orderBy: { name: "asc" } });
}
