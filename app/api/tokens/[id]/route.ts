// DELETE /api/tokens/[id] – revoke an API token
import { idParams, route } from "@/server/http/route";
import { revokeApiToken } from "@/server/tokens/revoke-api-token";

export const DELETE = route({ access: "tokens:own", params: idParams }, async ({ db, params, user, ip }) => revokeApiToken(db, params.id, user, ip));
