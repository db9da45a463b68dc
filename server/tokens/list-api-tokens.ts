import "server-only";
import type { Db } from "@/server/db";
import { toApiTokenView, type ApiTokenView } from "@/server/tokens/api-token-view";

/** Lists a user's tokens, newest first, revoked ones included so their history stays visible. */
export async function listApiTokens(db: Db, userId: string): Promise<ApiTokenView[]> {
  const rows = await db.apiToken.findMany({ where: { userId, kind: "personal" }, orderBy: { createdAt: "desc" } });
  return rows.map(toApiTokenView);
}
