// GET /api/me – the caller, with the permissions of their role
import { permissions, can } from "@/lib/roles";
import { route } from "@/server/http/route";

export const GET = route({ access: "signed-in" }, async ({ user }) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  via: user.via,
  permissions: permissions.filter((p) => can(user.role, p)),
}));
