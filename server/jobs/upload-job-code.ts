import "server-only";
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { requireProjectPermission } from "@/server/projects/project-access";
import { DatasetFormatError, profileZip } from "@/server/datasets/profile-dataset";

// Code is small; a folder with a bundled model or data belongs in a dataset instead.
const MAX_CODE_BYTES = 200 * 1024 * 1024;

export function jobCodeKey(projectId: string, uploadId: string): string {
  return `job-code/${projectId}/${uploadId}`;
}

export interface JobCodeUpload {
  codeUploadId: string;
  filename: string;
  sizeBytes: number;
  /** Python files in a zip (up to the first 100), for choosing the entry point. */
  pythonFiles: string[];
}

/**
 * Stores a training script (.py) or a zipped folder (.zip) for a job about to be created. A zip
 * must be a real, safe archive (no absolute paths or ".."); anything else is refused with nothing kept.
 */
export async function uploadJobCode(db: Db, store: ArtifactStore, projectId: string, filename: string, body: Readable, actor: Principal): Promise<JobCodeUpload> {
  await requireProjectPermission(db, projectId, actor, "training:write");
  const kind = /\.py$/i.test(filename) ? "py" : /\.zip$/i.test(filename) ? "zip" : null;
  if (!kind) throw new AppError("validation_failed", `filename: "${filename}" is neither a Python script (.py) nor a zipped folder (.zip).`, { issues: [{ path: "filename", message: "must end in .py or .zip" }] });
  const pending = await store.write(body, { maxBytes: MAX_CODE_BYTES });
  try {
    if (pending.size === 0) throw new AppError("validation_failed", "The file is empty.", { issues: [{ path: "file", message: "is empty" }] });
    if (kind === "zip" && pending.head.subarray(0, 4).toString("latin1") !== "PK\u0003\u0004") {
      throw new AppError("validation_failed", `${filename} is not a zip file.`, { issues: [{ path: "file", message: "is not a zip file" }] });
    }
    const uploadId = `${randomUUID()}.${kind}`;
    const key = jobCodeKey(projectId, uploadId);
    await pending.commit(key);
    let pythonFiles: string[] = [];
    const local = store.localPath(key);
    if (kind === "zip" && local) {
      try {
        const listing = await profileZip(local);
        pythonFiles = listing.sample.map((f) => f.path).filter((p) => p.endsWith(".py")).slice(0, 100);
      } catch (error) {
        await store.delete(key);
        if (error instanceof DatasetFormatError) throw new AppError("validation_failed", error.message, { issues: [{ path: "file", message: error.message }] });
        throw error;
      }
    }
    return { codeUploadId: uploadId, filename, sizeBytes: pending.size, pythonFiles };
  } finally {
    await pending.discard();
  }
}
