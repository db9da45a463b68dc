// GET /api/users/directory – active users' names and emails, for adding project members
import { route } from "@/server/http/route";
import { listUserDirectory } from "@/server/users/list-users";

export const GET = route({ access: "projects:read" }, async ({ db, user }) => listUserDirectory(db, user));
