import "server-only";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { requireProjectPermission } from "@/server/projects/project-access";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { actingUser } from "@/server/users/acting-user";
import { uploadDatasetVersion } from "@/server/datasets/upload-dataset-version";
import { getLabelingJob, jobForManager } from "@/server/labeling/manage-jobs";
import { exportStream } from "@/server/labeling/export-formats";
import type { SaveExportInput } from "@/server/labeling/exchange-schemas";
import { exportFormatLabels, type ExportFormat, type LabelingExportView } from "@/lib/labeling/exchange";

// Saving an export as a dataset version: the request only records what to write; the worker
// streams the export (the same stream as a download) through uploadDatasetVersion as the next
// version of the dataset — so it is validated and profiled like any upload — reporting how many
// items it has written at most once a second. A worker that stops mid-way starts the export over
// (nothing is stored until the stream ends); one that stops after storing the version reuses it.

const PROGRESS_MS = 1_000;


const exportSelect = {
  id: true,
  format: true,
  datasetName: true,
  status: true,
  statusReason: true,
  itemsDone: true,
  itemsTotal: true,
  datasetVersionId: true,
  createdAt: true,
  finishedAt: true,
} as const;

async function toViews(db: Db, rows: { id: string; format: string; datasetName: string; status: string; statusReason: string | null; itemsDone: number; itemsTotal: number; datasetVersionId: string | null; createdAt: Date; finishedAt: Date | null }[]): Promise<LabelingExportView[]> {
  const ids = rows.flatMap((r) => (r.datasetVersionId ? [r.datasetVersionId] : []));
  const versions = ids.length ? await db.datasetVersion.findMany({ where: { id: { in: ids } }, select: { id: true, datasetId: true, version: true, status: true } }) : [];
  return rows.map((r) => ({
    id: r.id,
    format: r.format as ExportFormat,
    datasetName: r.datasetName,
    status: r.status as LabelingExportView["status"],
    statusReason: r.statusReason,
    itemsDone: r.itemsDone,
    itemsTotal: r.itemsTotal,
    version: versions.find((v) => v.id === r.datasetVersionId) ?? null,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  }));
}

/** Asks the worker to save the job's export as the next version of a dataset (default `<job>-labels`). */
export async function saveExport(db: Db, jobId: string, input: SaveExportInput, principal: Principal): Promise<LabelingExportView> {
  const job = await jobForManager(db, jobId, principal);
  await requireProjectPermission(db, job.projectId, principal, "datasets:write");
  const { consolidatedCount } = await db.labelingJob.findUniqueOrThrow({ where: { id: jobId }, select: { consolidatedCount: true } });
  if (consolidatedCount === 0) throw new AppError("conflict", `Labeling job ${job.name} has no consolidated labels yet: there is nothing to export.`);
  const row = await db.labelingExport.create({
    data: { jobId, format: input.format, datasetName: input.datasetName ?? `${job.name}-labels`, itemsTotal: consolidatedCount, createdById: principal.id },
    select: exportSelect,
  });
  const [view] = await toViews(db, [row]);
  return view;
}

/** The job's saved exports, newest first. */
export async function listExports(db: Db, jobId: string, principal: Principal): Promise<LabelingExportView[]> {
  await getLabelingJob(db, jobId, principal);
  return toViews(db, await db.labelingExport.findMany({ where: { jobId }, orderBy: { createdAt: "desc" }, take: 20, select: exportSelect }));
}

/** Writes one export as a dataset version; completed with the version, or failed with the reason. */
export async function runExport(db: Db, store: ArtifactStore, exportId: string): Promise<void> {
  const row = await db.labelingExport.findUniqueOrThrow({ where: { id: exportId }, select: { ...exportSelect, jobId: true, createdById: true, job: { select: { name: true, projectId: true } } } });
  const format = row.format as ExportFormat;
  try {
    const principal = await actingUser(db, row.createdById);
    if (!principal) throw new Error("the user who asked for it no longer exists or is disabled, so the version cannot be written as them");
    let done = 0;
    const { filename, stream } = await exportStream(db, row.jobId, principal, format, (items) => (done += items));
    // Taken over from a worker that stopped after storing the version (the stream ends before the
    // version exists) and before saying so: reuse that version.
    const taken = row.status === "running" ? (await db.labelingExport.findMany({ where: { jobId: row.jobId, datasetVersionId: { not: null } }, select: { datasetVersionId: true } })).map((e) => e.datasetVersionId!) : [];
    const earlier =
      row.status === "running"
        ? await db.datasetVersion.findFirst({
            where: { dataset: { projectId: row.job.projectId, name: row.datasetName }, filename, createdById: row.createdById, createdAt: { gte: row.createdAt }, id: { notIn: taken } },
            select: { id: true },
          })
        : null;
    let versionId = earlier?.id;
    if (versionId) {
      await stream.cancel();
      done = row.itemsTotal;
    } else {
      await db.labelingExport.update({ where: { id: exportId }, data: { status: "running", itemsDone: 0 } });
      const progress = setInterval(() => {
        db.labelingExport.update({ where: { id: exportId }, data: { itemsDone: done } }).catch(() => undefined);
      }, PROGRESS_MS);
      try {
        const stored = await uploadDatasetVersion(
          db,
          store,
          row.job.projectId,
          { name: row.datasetName, filename, description: `Labels of labeling job ${row.job.name}.` },
          Readable.fromWeb(stream as NodeReadableStream<Uint8Array>),
          principal,
        );
        versionId = stored.version.id;
      } finally {
        clearInterval(progress);
      }
    }
    await db.labelingExport.update({ where: { id: exportId }, data: { status: "completed", statusReason: null, datasetVersionId: versionId, itemsDone: done, itemsTotal: done, finishedAt: new Date() } });
    await recordAuditEvent(db, {
      action: "labeling.export",
      actor: principal,
      target: { type: "labeling_job", id: row.jobId },
      detail: { job: row.job.name, format, dataset: row.datasetName, items: done, versionId },
    });
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    await db.labelingExport.update({ where: { id: exportId }, data: { status: "failed", statusReason: `Saving the ${exportFormatLabels[format]} as a version of dataset ${row.datasetName} failed: ${message}`.slice(0, 4_000), finishedAt: new Date() } });
  }
}

let exporting = false;

/**
 * The worker's pass: works through waiting exports one at a time in the background (a large
 * export must not hold up the labeling pass), taking over exports left running by a worker that
 * stopped. Resolves when the queue is empty (at once if a pass is already at work).
 */
export async function runLabelingExports(db: Db, store: ArtifactStore): Promise<void> {
  if (exporting) return;
  exporting = true;
  try {
    for (;;) {
      const next = await db.labelingExport.findFirst({ where: { status: { in: ["pending", "running"] } }, orderBy: { createdAt: "asc" }, select: { id: true } });
      if (!next) return;
      await runExport(db, store, next.id);
    }
  } catch (error) {
    console.error("[worker] labeling exports pass failed:", error);
  } finally {
    exporting = false;
  }
}
