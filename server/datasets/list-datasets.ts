import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { projectIdsWhere, requireProjectPermission } from "@/server/projects/project-access";
import { datasetProfileSchema, type DatasetProfile } from "@/server/datasets/dataset-profile";
import { toVersionView, versionSelect, type DatasetVersionDetail, type DatasetVersionView, type DatasetView, type VersionRow } from "@/server/datasets/dataset-view";

/** A project's datasets, newest change first, each with its latest version. */
export async function listDatasets(db: Db, projectId: string, principal: Principal): Promise<DatasetView[]> {
  await requireProjectPermission(db, projectId, principal, "datasets:read");
  const rows = await db.dataset.findMany({
    where: { projectId },
    orderBy: { updatedAt: "desc" },
    include: { versions: { orderBy: { version: "desc" }, take: 1, select: versionSelect }, _count: { select: { versions: true } } },
  });
  return rows.map(toDatasetView);
}

// The Datasets page lists what people use now, not an archive: the most recently changed 500.
const ACROSS_PROJECTS_LIMIT = 500;

/** Datasets across every project the caller may read them in, most recently changed first (?q= searches names). */
export async function listDatasetsAcrossProjects(db: Db, principal: Principal, q?: string): Promise<(DatasetView & { projectName: string })[]> {
  const projectIds = await projectIdsWhere(db, principal, "datasets:read");
  const needle = q?.trim().toLowerCase();
  const rows = await db.dataset.findMany({
    where: projectIds ? { projectId: { in: projectIds } } : {},
    orderBy: { updatedAt: "desc" },
    include: {
      project: { select: { name: true } },
      versions: { orderBy: { version: "desc" }, take: 1, select: versionSelect },
      _count: { select: { versions: true } },
    },
    // Case-insensitive name search on both databases is done here; without one the limit is SQL's.
    ...(needle ? {} : { take: ACROSS_PROJECTS_LIMIT }),
  });
  return rows
    .filter((d) => !needle || d.name.toLowerCase().includes(needle))
    .slice(0, ACROSS_PROJECTS_LIMIT)
    .map((d) => ({ ...toDatasetView(d), projectName: d.project.name }));
}

function toDatasetView(d: {
  id: string;
  projectId: string;
  name: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
  versions: VersionRow[];
  _count: { versions: number };
}): DatasetView {
  return {
    id: d.id,
    projectId: d.projectId,
    name: d.name,
    description: d.description,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    latest: d.versions[0] ? toVersionView(d.versions[0]) : null,
    versionCount: d._count.versions,
  };
}

async function loadDatasetFor(db: Db, datasetId: string, principal: Principal) {
  const dataset = await db.dataset.findUnique({ where: { id: datasetId } });
  if (!dataset) throw new AppError("not_found", "No dataset with that id.");
  try {
    await requireProjectPermission(db, dataset.projectId, principal, "datasets:read");
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") throw new AppError("not_found", "No dataset with that id.");
    throw error;
  }
  return dataset;
}

/** One dataset with all its versions (newest first). */
export async function getDataset(db: Db, datasetId: string, principal: Principal): Promise<DatasetView & { versions: DatasetVersionView[] }> {
  const dataset = await loadDatasetFor(db, datasetId, principal);
  const versions = (await db.datasetVersion.findMany({ where: { datasetId }, orderBy: { version: "desc" }, select: versionSelect })).map(toVersionView);
  return {
    id: dataset.id,
    projectId: dataset.projectId,
    name: dataset.name,
    description: dataset.description,
    createdAt: dataset.createdAt.toISOString(),
    updatedAt: dataset.updatedAt.toISOString(),
    latest: versions[0] ?? null,
    versionCount: versions.length,
    versions,
  };
}

/** One version with its profile (schema, stats, first rows, or the files of a zip). */
export async function getDatasetVersion(db: Db, datasetId: string, version: number, principal: Principal): Promise<DatasetVersionDetail & { storageKey: string }> {
  await loadDatasetFor(db, datasetId, principal);
  const row = await db.datasetVersion.findUnique({ where: { datasetId_version: { datasetId, version } }, select: { ...versionSelect, profile: true, storageKey: true } });
  if (!row) throw new AppError("not_found", `This dataset has no version ${version}.`);
  // Stored by the worker; checked on the way out so an old or damaged profile never breaks the page.
  const parsed = row.profile === null ? null : datasetProfileSchema.safeParse(row.profile);
  const profile: DatasetProfile | null = parsed?.success ? (parsed.data as DatasetProfile) : null;
  return { ...toVersionView(row), profile, storageKey: row.storageKey };
}
