import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { can, type Permission, type Role } from "@/lib/roles";
import { loadProjectFor } from "@/server/projects/project-access";

/**
 * The caller's role in the project of a model, version or endpoint (`what`), if it allows
 * `permission`. Whoever may not even read models there gets not_found, as if it did not exist.
 */
export async function requireModelAccess(db: Db, projectId: string, principal: Principal, permission: Permission, what: string): Promise<Role> {
  const { myRole } = await loadProjectFor(db, projectId, principal).catch(() => {
    throw new AppError("not_found", `No ${what} with that id.`);
  });
  const role: Role | null = principal.role === "admin" ? "admin" : myRole;
  if (!role || !can(role, "models:read")) throw new AppError("not_found", `No ${what} with that id.`);
  if (!can(role, permission)) throw new AppError("forbidden", "Your role in this project does not allow this.");
  return role;
}
