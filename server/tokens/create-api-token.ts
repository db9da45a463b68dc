import "server-only";
import { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import type { Principal } from "@/server/auth/principal";
import { generateToken, hashToken } from "@/server/tokens/token-hash";
import { toApiTokenView, type ApiTokenView } from "@/server/tokens/api-token-view";

export const createApiTokenInput = z.object({
  name: z.string().trim().min(1, "is required").max(80),
  /** Days until the token stops working; omitted means it never expires. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

/** Creates a personal API token. The plaintext is returned once here and never stored. */
export async function createApiToken(
  db: Db,
  input: z.infer<typeof createApiTokenInput>,
  owner: Principal,
  ip?: string | null,
): Promise<{ token: string; apiToken: ApiTokenView }> {
  // A leaked token must not be able to mint a longer-lived one that survives its revocation.
  if (owner.via !== "session") {
    throw new AppError("forbidden", "API tokens are created from a signed-in browser session (Settings → API tokens), not with another token.");
  }
  const token = generateToken();
  const row = await db.apiToken.create({
    data: {
      userId: owner.id,
      name: input.name,
      prefix: token.slice(0, 12),
      tokenHash: hashToken(token),
      expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null,
    },
  });
  await recordAuditEvent(db, {
    action: "token.create",
    actor: owner,
    target: { type: "api_token", id: row.id },
    ip,
    detail: { name: row.name, prefix: row.prefix },
  });
  return { token, apiToken: toApiTokenView(row) };
}
