import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { getLabelingJob } from "@/server/labeling/manage-jobs";
import { IMAGE_TYPES } from "@/server/labeling/prepare-items";
import { zipFileBytes } from "@/server/labeling/zip-index";

/** An image item's bytes and type, for its job's labelers and the project's managers and viewers. */
export async function itemImage(db: Db, store: ArtifactStore, jobId: string, itemId: string, principal: Principal): Promise<{ bytes: Buffer; contentType: string }> {
  await getLabelingJob(db, jobId, principal);
  const item = await db.labelingItem.findUnique({ where: { id: itemId }, select: { jobId: true, sourceRef: true, job: { select: { datasetVersion: { select: { storageKey: true } } } } } });
  if (!item || item.jobId !== jobId || !item.sourceRef) throw new AppError("not_found", "No image item with that id in this job.");
  const contentType = IMAGE_TYPES[item.sourceRef.toLowerCase().split(".").pop() ?? ""];
  const file = store.localPath(item.job.datasetVersion.storageKey);
  if (!contentType || !file) throw new AppError("not_found", "The item's image is not available.");
  const bytes = await zipFileBytes(file, item.sourceRef);
  if (bytes === null) throw new AppError("not_found", `${item.sourceRef} is no longer in the dataset's zip.`);
  return { bytes, contentType };
}
