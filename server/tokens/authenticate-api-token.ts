import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import type { Role } from "@/lib/roles";
import { TOKEN_PREFIX, hashToken } from "@/server/tokens/token-hash";

// lastUsedAt is written at most once a minute per token: exact enough to answer "is this token
// still in use?" without turning every API call into a database write.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Resolves a bearer token to its owner, or null if it is unknown, revoked, expired or disabled. */
export async function authenticateApiToken(db: Db, token: string, now = new Date()): Promise<Principal | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now) || row.user.disabled) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  const principal: Principal = { id: row.user.id, email: row.user.email, name: row.user.name, role: row.user.role as Role, via: "token", tokenId: row.id };
  if (row.kind !== "personal") {
    // A scoped token without its project is broken: refuse it rather than let it act unscoped.
    if (!row.projectId || (row.kind !== "kernel" && row.kind !== "job" && row.kind !== "labeling" && row.kind !== "export")) return null;
    principal.scope = { kind: row.kind, projectId: row.projectId, ...(row.jobId ? { jobId: row.jobId } : {}) };
  }
  return principal;
}
