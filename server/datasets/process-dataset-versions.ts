import "server-only";
import type { Db } from "@/server/db";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import type { DatasetFormat } from "@/server/datasets/dataset-profile";
import { DatasetFormatError, profileDataset } from "@/server/datasets/profile-dataset";

/**
 * Worker step: validates and profiles uploaded versions, oldest first. A bad file ends as
 * `failed` with the reason and its bytes deleted (nothing half-usable stays); a good one as
 * `ready` with its profile. Returns how many versions were handled.
 */
export async function processPendingDatasetVersions(db: Db, store: ArtifactStore, limit = 2): Promise<number> {
  const pending = await db.datasetVersion.findMany({ where: { status: "processing" }, orderBy: { createdAt: "asc" }, take: limit, select: { id: true, format: true, storageKey: true } });
  for (const version of pending) {
    const file = store.localPath(version.storageKey);
    if (!file || (await store.size(version.storageKey)) === null) {
      await db.datasetVersion.update({ where: { id: version.id }, data: { status: "failed", statusReason: "The uploaded file is missing from the artifact store.", processedAt: new Date() } });
      continue;
    }
    try {
      const profile = await profileDataset(file, version.format as DatasetFormat);
      await db.datasetVersion.update({
        where: { id: version.id },
        data: { status: "ready", statusReason: null, profile: profile as object, rowCount: profile.kind === "table" ? profile.rowCount : profile.fileCount, processedAt: new Date() },
      });
    } catch (error) {
      const reason =
        error instanceof DatasetFormatError ? error.message : `The file could not be read: ${(error as Error)?.message ?? String(error)}`;
      await db.datasetVersion.update({ where: { id: version.id }, data: { status: "failed", statusReason: reason, processedAt: new Date() } });
      await store.delete(version.storageKey);
      if (!(error instanceof DatasetFormatError)) console.error(`[worker] profiling dataset version ${version.id} failed:`, error);
    }
  }
  return pending.length;
}
