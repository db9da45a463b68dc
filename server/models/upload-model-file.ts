import "server-only";
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { Db } from "@/server/db";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { requireProjectPermission } from "@/server/projects/project-access";

/** An upload's id is `<uuid>-<sha256>`: the key has to exist, so the hash in it cannot be made up. */
export function modelUploadKey(projectId: string, uploadId: string): string {
  return `model-uploads/${projectId}/${uploadId}`;
}

export function uploadSha256(uploadId: string): string {
  return uploadId.slice(37);
}

const startsWith = (head: Buffer, ...magic: (string | number[])[]) =>
  magic.some((m) => {
    const bytes = typeof m === "string" ? Buffer.from(m, "latin1") : Buffer.from(m);
    return head.subarray(0, bytes.length).equals(bytes);
  });

/**
 * Why the first bytes cannot be a model file with this extension (null when they can). Only the
 * container is checked here; loading the model is what proves it.
 */
export function sniffModelFile(extension: string, head: Buffer): string | null {
  switch (extension) {
    case ".onnx":
      // An ONNX ModelProto starts with field 1 (ir_version, a varint): tag byte 0x08.
      return head[0] === 0x08 ? null : "is not an ONNX model (a protobuf ModelProto starts with its ir_version)";
    case ".pt":
    case ".pth":
      return startsWith(head, "PK\u0003\u0004") ? null : "is not a TorchScript archive (torch.jit.save writes a zip file)";
    case ".json":
    case ".ubj": {
      const first = head.toString("latin1").trimStart()[0];
      return first === "{" ? null : `is not an XGBoost model (${extension === ".json" ? "JSON" : "UBJSON"} starting with "{")`;
    }
    default:
      // joblib/pickle: a pickle (protocol 2+ starts with 0x80) or joblib's compressed forms.
      return startsWith(head, [0x80], [0x78], [0x1f, 0x8b], "BZh", [0xfd, 0x37, 0x7a, 0x58, 0x5a], [0x5d, 0x00, 0x00], [0x04, 0x22, 0x4d, 0x18])
        ? null
        : "is not a joblib or pickle file";
  }
}

/** Stores a model file for a version about to be registered (the body is the file, streamed). */
export async function uploadModelFile(db: Db, store: ArtifactStore, projectId: string, filename: string, body: Readable, actor: Principal) {
  await requireProjectPermission(db, projectId, actor, "models:write");
  const pending = await store.write(body, { maxBytes: env().STUDIO_MAX_UPLOAD_BYTES });
  try {
    if (pending.size === 0) throw new AppError("validation_failed", "file: is empty.", { issues: [{ path: "file", message: "is empty" }] });
    const uploadId = `${randomUUID()}-${pending.sha256}`;
    await pending.commit(modelUploadKey(projectId, uploadId));
    return { uploadId, filename, sizeBytes: pending.size, sha256: pending.sha256 };
  } finally {
    await pending.discard();
  }
}
