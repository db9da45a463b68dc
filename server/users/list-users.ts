import "server-only";
import type { Db } from "@/server/db";
import { toUserView, type UserView } from "@/server/users/user-view";

/** Lists every user, admins first, then by email. */
export async function listUsers(db: Db): Promise<UserView[]> {
  const users = await db.user.findMany({ orderBy: [{ email: "asc" }] });
  return users.map(toUserView).sort((a, b) => Number(b.role === "admin") - Number(a.role === "admin"));
}
