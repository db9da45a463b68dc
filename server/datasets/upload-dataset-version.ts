import "server-only";
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { z } from "zod";
import type { Db } from "@/server/db";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { requireProjectPermission } from "@/server/projects/project-access";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { DatasetFormatError, sniffFormat } from "@/server/datasets/profile-dataset";
import type { uploadDatasetQuery } from "@/server/datasets/dataset-schemas";
import { toVersionView, versionSelect, type DatasetVersionView } from "@/server/datasets/dataset-view";


/**
 * Stores an uploaded file as the next version of a project's dataset (created on first upload).
 * The file is streamed to the artifact store, never held in memory; a file that is not CSV, JSON
 * Lines, Parquet or zip is refused (422) and nothing is kept. The worker then validates the whole
 * file and profiles it (status processing → ready or failed).
 */
export async function uploadDatasetVersion(
  db: Db,
  store: ArtifactStore,
  projectId: string,
  input: z.infer<typeof uploadDatasetQuery>,
  body: Readable,
  actor: Principal,
  maxBytes = env().STUDIO_MAX_UPLOAD_BYTES,
): Promise<{ datasetId: string; version: DatasetVersionView }> {
  await requireProjectPermission(db, projectId, actor, "datasets:write");
  const pending = await store.write(body, { maxBytes });
  try {
    if (pending.size === 0) throw new AppError("validation_failed", "The file is empty.", { issues: [{ path: "file", message: "is empty" }] });
    let format: string;
    try {
      format = sniffFormat(pending.head, input.filename);
    } catch (error) {
      if (error instanceof DatasetFormatError) throw new AppError("validation_failed", error.message, { issues: [{ path: "file", message: error.message }] });
      throw error;
    }
    const storageKey = `datasets/${projectId}/${randomUUID()}`;
    await pending.commit(storageKey);
    try {
      return await createVersionRow(db, projectId, input, { format, storageKey, size: pending.size, sha256: pending.sha256 }, actor);
    } catch (error) {
      await store.delete(storageKey);
      throw error;
    }
  } finally {
    await pending.discard();
  }
}

async function createVersionRow(
  db: Db,
  projectId: string,
  input: z.infer<typeof uploadDatasetQuery>,
  file: { format: string; storageKey: string; size: number; sha256: string },
  actor: Principal,
): Promise<{ datasetId: string; version: DatasetVersionView }> {
  // Two uploads to one dataset at the same moment race for the next number: the loser retries.
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.$transaction(async (tx) => {
        const dataset = await tx.dataset.upsert({
          where: { projectId_name: { projectId, name: input.name } },
          create: { projectId, name: input.name, description: input.description ?? "", createdById: actor.id },
          update: input.description === undefined ? {} : { description: input.description },
        });
        const last = await tx.datasetVersion.findFirst({ where: { datasetId: dataset.id }, orderBy: { version: "desc" }, select: { version: true } });
        const row = await tx.datasetVersion.create({
          data: {
            datasetId: dataset.id,
            version: (last?.version ?? 0) + 1,
            format: file.format,
            filename: input.filename,
            sizeBytes: BigInt(file.size),
            sha256: file.sha256,
            storageKey: file.storageKey,
            createdById: actor.id,
          },
          select: versionSelect,
        });
        await tx.dataset.update({ where: { id: dataset.id }, data: { updatedAt: new Date() } });
        return { datasetId: dataset.id, version: toVersionView(row) };
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt < 3 && (code === "P2002" || code === "P2034")) continue;
      throw error;
    }
  }
}
