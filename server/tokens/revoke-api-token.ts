import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import type { Principal } from "@/server/auth/principal";
import { toApiTokenView, type ApiTokenView } from "@/server/tokens/api-token-view";

/** Revokes one of the caller's tokens (admins may revoke anyone's); it stops working at once. */
export async function revokeApiToken(db: Db, tokenId: string, actor: Principal, ip?: string | null): Promise<ApiTokenView> {
  const row = await db.apiToken.findUnique({ where: { id: tokenId } });
  if (!row || (row.userId !== actor.id && actor.role !== "admin")) throw new AppError("not_found", "No API token with that id.");
  if (row.revokedAt) return toApiTokenView(row);
  const updated = await db.apiToken.update({ where: { id: tokenId }, data: { revokedAt: new Date() } });
  await recordAuditEvent(db, {
    action: "token.revoke",
    actor,
    target: { type: "api_token", id: row.id },
    ip,
    detail: { name: row.name, prefix: row.prefix },
  });
  return toApiTokenView(updated);
}
