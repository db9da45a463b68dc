import "server-only";
import path from "node:path";
import type { Readable } from "node:stream";
import type { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { getModelVersionFile, loadVersionFor } from "@/server/models/list-models";
import type { onnxExportReportInput } from "@/server/models/model-schemas";

// What an ONNX export's kernel calls (server/models/export-onnx.ts starts it on a compute host;
// kernels/sdk/studio/onnx_export.py `run_for_studio` is the other side): the version's files to
// download, the converted graph, and the report. Only that export's token may call them, and each
// call may be repeated (the kernel re-sends what the studio did not acknowledge).

/** Where a converted graph is kept among the version's files. */
export const ONNX_EXPORT_PATH = "onnx/model.onnx";
const MAX_GRAPH_BYTES = 4 * 1024 ** 3;

async function exportingVersion(db: Db, versionId: string, principal: Principal, permission: "models:read" | "models:write") {
  // route() lets only export tokens in; one reaches its own version only.
  if (principal.scope?.kind !== "export") throw new AppError("forbidden", "Only the kernel exporting this version to ONNX may do this.");
  if (principal.scope.jobId !== versionId) throw new AppError("not_found", "No model version with that id.");
  return loadVersionFor(db, versionId, principal, permission);
}

export interface OnnxExportSpec {
  versionId: string;
  modelName: string;
  version: number;
  /** The version's own files (a previous export's graph left out), each with where to download it. */
  files: { path: string; sizeBytes: number; downloadPath: string }[];
}

export async function getOnnxExportSpec(db: Db, versionId: string, principal: Principal): Promise<OnnxExportSpec> {
  const version = await exportingVersion(db, versionId, principal, "models:read");
  const files = await db.modelVersionFile.findMany({ where: { versionId, path: { not: ONNX_EXPORT_PATH } }, select: { path: true, sizeBytes: true }, orderBy: { path: "asc" } });
  return {
    versionId,
    modelName: version.model.name,
    version: version.version,
    files: files.map((f) => ({ path: f.path, sizeBytes: Number(f.sizeBytes), downloadPath: `/api/model-versions/${versionId}/onnx/export/files?path=${encodeURIComponent(f.path)}` })),
  };
}

/** One of the version's files, for the export's kernel to download. */
export async function getOnnxExportFile(db: Db, versionId: string, filePath: string, principal: Principal) {
  await exportingVersion(db, versionId, principal, "models:read");
  return getModelVersionFile(db, versionId, filePath, principal);
}

async function requirePending(db: Db, versionId: string): Promise<{ storageKey: string }> {
  const [version, manifest] = await Promise.all([
    db.modelVersion.findUnique({ where: { id: versionId }, select: { onnxStatus: true, version: true } }),
    db.modelVersionFile.findUnique({ where: { versionId_path: { versionId, path: "studio-model.json" } }, select: { storageKey: true } }),
  ]);
  if (!version || !manifest) throw new AppError("not_found", "No model version with that id.");
  if (version.onnxStatus !== "pending") throw new AppError("conflict", `Version ${version.version} is not being exported to ONNX (it is ${version.onnxStatus}).`);
  return manifest;
}

/** The converted graph (the body, streamed): kept as the version's file onnx/model.onnx, replacing an earlier one. */
export async function putOnnxExportGraph(db: Db, store: ArtifactStore, versionId: string, body: Readable, principal: Principal) {
  await exportingVersion(db, versionId, principal, "models:write");
  const manifest = await requirePending(db, versionId);
  const pending = await store.write(body, { maxBytes: MAX_GRAPH_BYTES });
  try {
    // Beside the version's own files, under a path no registered file can have taken.
    const storageKey = `${path.posix.dirname(manifest.storageKey)}/${ONNX_EXPORT_PATH}`;
    await pending.commit(storageKey);
    const file = { path: ONNX_EXPORT_PATH, sizeBytes: BigInt(pending.size), sha256: pending.sha256, storageKey };
    await db
      .$transaction([db.modelVersionFile.deleteMany({ where: { versionId, path: ONNX_EXPORT_PATH } }), db.modelVersionFile.create({ data: { versionId, ...file } })])
      .catch(async (error: unknown) => {
        // Deleted while it was exported: the file goes with it.
        await store.delete(storageKey);
        throw error;
      });
    return { file: { path: file.path, sizeBytes: pending.size, sha256: pending.sha256 } };
  } finally {
    await pending.discard();
  }
}

/**
 * The export's outcome: converted (`file`: the graph sent before, at the path PUT answered with,
 * or an uploaded ONNX file served as it is), failed or unsupported, with the reason. A report for
 * a version no longer being exported (sent again after the studio took it) changes nothing.
 */
export async function reportOnnxExport(db: Db, versionId: string, input: z.infer<typeof onnxExportReportInput>, principal: Principal): Promise<{ accepted: boolean }> {
  await exportingVersion(db, versionId, principal, "models:write");
  const version = await db.modelVersion.findUniqueOrThrow({ where: { id: versionId }, select: { onnxStatus: true } });
  if (version.onnxStatus !== "pending") return { accepted: false };
  if (input.status === "converted") {
    if (!input.serving || !input.file) throw new AppError("bad_request", "A converted export names its file and how to feed it (file, serving).");
    // The graph this export sent (PUT answered with its path), or an uploaded ONNX model served as it is.
    const file = await db.modelVersionFile.findUnique({ where: { versionId_path: { versionId, path: input.file } }, select: { path: true } });
    if (!file && input.file === ONNX_EXPORT_PATH) throw new AppError("conflict", "Send the graph (PUT …/onnx/export) before reporting the export converted.");
    if (!file) throw new AppError("bad_request", `The version has no file "${input.file}" to serve.`);
  }
  const updated = await db.modelVersion.updateMany({ where: { id: versionId, onnxStatus: "pending" }, data: { onnxStatus: input.status, onnx: input as object } });
  return { accepted: updated.count > 0 };
}
