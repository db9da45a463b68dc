import "server-only";
import type { Db } from "@/server/db";
import { generateToken, hashToken } from "@/server/tokens/token-hash";

/**
 * A token for a notebook's kernel, a training job or an ONNX export: acts for `userId`, inside
 * `projectId` only, on SDK routes only (server/http/route.ts `sdk`; an export's token only on
 * routes marked `exportToken`, for its own version). Never listed on the user's tokens page;
 * revoked when the kernel, job or export ends, and expires on its own in case that is never seen.
 */
export async function createScopedToken(
  db: Db,
  input: { kind: "kernel" | "job" | "export"; userId: string; projectId: string; jobId?: string; modelVersionId?: string; name: string; ttlMs: number },
): Promise<string> {
  const token = generateToken();
  await db.apiToken.create({
    data: {
      userId: input.userId,
      name: input.name,
      prefix: token.slice(0, 12),
      tokenHash: hashToken(token),
      kind: input.kind,
      projectId: input.projectId,
      jobId: input.jobId ?? null,
      modelVersionId: input.modelVersionId ?? null,
      expiresAt: new Date(Date.now() + input.ttlMs),
    },
  });
  return token;
}

export async function revokeJobTokens(db: Db, jobId: string): Promise<void> {
  await db.apiToken.updateMany({ where: { jobId, kind: "job", revokedAt: null }, data: { revokedAt: new Date() } });
}

export async function revokeExportTokens(db: Db, modelVersionId: string): Promise<void> {
  await db.apiToken.updateMany({ where: { modelVersionId, kind: "export", revokedAt: null }, data: { revokedAt: new Date() } });
}
