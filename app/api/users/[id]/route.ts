// PATCH /api/users/[id] – change a user's name, role, password or disabled flag (admins)
import { idParams, route } from "@/server/http/route";
import { updateUser } from "@/server/users/update-user";
import { updateUserInput } from "@/server/users/user-schemas";

export const PATCH = route({ access: "users:manage", params: idParams, body: updateUserInput }, async ({ db, params, body, user, ip }) =>
  updateUser(db, params.id, body, user, ip),
);
