// GET /api/tokens – the caller's API tokens; POST /api/tokens – create one (its secret is in this response only)
import { created, route } from "@/server/http/route";
import { createApiToken, createApiTokenInput } from "@/server/tokens/create-api-token";
import { listApiTokens } from "@/server/tokens/list-api-tokens";

export const GET = route({ access: "tokens:own" }, async ({ db, user }) => listApiTokens(db, user.id));

export const POST = route({ access: "tokens:own", body: createApiTokenInput }, async ({ db, body, user, ip }) =>
  created(await createApiToken(db, body, user, ip)),
);
