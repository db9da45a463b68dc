import "server-only";
import type { Readable } from "node:stream";
import type { Db } from "@/server/db";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { requireRunAccess } from "@/server/tracking/run-access";

/** A path inside a run: relative, `/`-separated, no `.`/`..` parts, printable. */
export function checkArtifactPath(path: string): string {
  const parts = path.split("/");
  if (
    path.length === 0 ||
    path.length > 1_000 ||
    path.startsWith("/") ||
    parts.some((p) => p === "" || p === "." || p === "..") ||
    /[\x00-\x1f\x7f\\]/.test(path)
  ) {
    throw new AppError("validation_failed", `path: "${path}" is not a relative artifact path (like model/model.joblib).`, { issues: [{ path: "path", message: "must be a relative path without . or .. parts" }] });
  }
  return path;
}

/** Streams a file into the artifact store as `path` of the run (replacing a file of that path). */
export async function putRunArtifact(db: Db, store: ArtifactStore, runId: string, path: string, body: Readable, principal: Principal) {
  checkArtifactPath(path);
  const run = await requireRunAccess(db, runId, principal, "training:write");
  const pending = await store.write(body, { maxBytes: env().STUDIO_MAX_UPLOAD_BYTES });
  try {
    const storageKey = `runs/${run.projectId}/${runId}/${pending.sha256.slice(0, 16)}-${Date.now().toString(36)}`;
    await pending.commit(storageKey);
    const previous = await db.runArtifact.findUnique({ where: { runId_path: { runId, path } }, select: { storageKey: true } });
    const row = await db.runArtifact.upsert({
      where: { runId_path: { runId, path } },
      create: { runId, path, sizeBytes: BigInt(pending.size), sha256: pending.sha256, storageKey },
      update: { sizeBytes: BigInt(pending.size), sha256: pending.sha256, storageKey, createdAt: new Date() },
    });
    if (previous && previous.storageKey !== storageKey) await store.delete(previous.storageKey);
    return { artifact: { path: row.path, sizeBytes: Number(row.sizeBytes), sha256: row.sha256 } };
  } finally {
    await pending.discard();
  }
}

export async function getRunArtifact(db: Db, runId: string, path: string, principal: Principal) {
  checkArtifactPath(path);
  await requireRunAccess(db, runId, principal, "training:read");
  const row = await db.runArtifact.findUnique({ where: { runId_path: { runId, path } } });
  if (!row) throw new AppError("not_found", `The run has no artifact "${path}".`);
  return row;
}

/** The code snapshot a run ran (a training job's script, zipped folder or notebook). */
export async function getRunCode(db: Db, runId: string, principal: Principal): Promise<{ key: string; filename: string }> {
  const access = await requireRunAccess(db, runId, principal, "training:read");
  const run = await db.run.findUniqueOrThrow({ where: { id: runId }, select: { codeKey: true } });
  if (!run.codeKey) throw new AppError("not_found", "No code snapshot is stored with this run (runs of training jobs have one).");
  const job = access.jobId ? await db.trainingJob.findUnique({ where: { id: access.jobId }, select: { codeFilename: true } }) : null;
  return { key: run.codeKey, filename: job?.codeFilename ?? "code" };
}
