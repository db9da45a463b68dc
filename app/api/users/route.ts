// GET /api/users – list users; POST /api/users – create a user with a role (admins)
import { created, route } from "@/server/http/route";
import { createUser } from "@/server/users/create-user";
import { listUsers } from "@/server/users/list-users";
import { createUserInput } from "@/server/users/user-schemas";

export const GET = route({ access: "users:manage" }, async ({ db }) => listUsers(db));

export const POST = route({ access: "users:manage", body: createUserInput }, async ({ db, body, user, ip }) =>
  created(await createUser(db, body, user, ip)),
);
