import "server-only";
import type { Db } from "@/server/db";
import type { TokenScope } from "@/server/auth/principal";
import { generateToken, hashToken } from "@/server/tokens/token-hash";

/**
 * A token for a notebook's kernel, a training job, a round of automated labeling or an ONNX export
 * (jobId: the round's or the model version's id): acts for `userId`, inside `projectId` only, on
 * SDK routes only (server/http/route.ts `sdk`). Never listed on the user's tokens page; revoked
 * when the kernel, job, round or export ends, and expires on its own in case that is never seen.
 */
export async function createScopedToken(
  db: Db,
  input: { kind: TokenScope["kind"]; userId: string; projectId: string; jobId?: string; name: string; ttlMs: number },
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
      expiresAt: new Date(Date.now() + input.ttlMs),
    },
  });
  return token;
}

export async function revokeJobTokens(db: Db, jobId: string, kind: "job" | "labeling" | "export" = "job"): Promise<void> {
  await db.apiToken.updateMany({ where: { jobId, kind, revokedAt: null }, data: { revokedAt: new Date() } });
}
