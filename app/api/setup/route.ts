// POST /api/setup – create the first admin while the studio has no users
import { created, publicRoute } from "@/server/http/route";
import { setupFirstAdmin, setupFirstAdminInput } from "@/server/users/setup-first-admin";

export const POST = publicRoute({ body: setupFirstAdminInput }, async ({ db, body, ip }) =>
  created(await setupFirstAdmin(db, body, ip)),
);
