import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { projectIdsWhere, requireProjectPermission } from "@/server/projects/project-access";
import type { Permission } from "@/lib/roles";
import { userNames } from "@/server/users/user-names";
import { jobInputsSchema, jobViewInclude, toJobView, type JobRow, type JobView } from "@/server/jobs/job-view";

/** Views of job rows, with the names of their hosts, experiments, creators and dataset versions (4 queries, not 4 per job). */
export async function jobViews(db: Db, rows: JobRow[]): Promise<JobView[]> {
  const ids = (pick: (r: JobRow) => string | null) => [...new Set(rows.map(pick).filter((x): x is string => x !== null))];
  const versionIds = [...new Set(rows.flatMap((r) => (jobInputsSchema.safeParse(r.inputs).data ?? []).map((i) => i.datasetVersionId)))];
  const [hosts, experiments, users, versions] = await Promise.all([
    db.computeHost.findMany({ where: { id: { in: ids((r) => r.hostId) } }, select: { id: true, name: true } }),
    db.experiment.findMany({ where: { id: { in: ids((r) => r.experimentId) } }, select: { id: true, name: true } }),
    userNames(db, rows.map((r) => r.createdById)),
    db.datasetVersion.findMany({ where: { id: { in: versionIds } }, select: { id: true, version: true, datasetId: true, dataset: { select: { name: true } } } }),
  ]);
  const ctx = {
    hosts: new Map(hosts.map((h) => [h.id, h.name])),
    experiments: new Map(experiments.map((e) => [e.id, e.name])),
    users,
    versions: new Map(versions.map((v) => [v.id, { datasetId: v.datasetId, name: v.dataset.name, version: v.version }])),
  };
  return rows.map((r) => toJobView(r, ctx));
}

/** Jobs of one project, or of every project where the caller may read training (newest first). */
export async function listTrainingJobs(db: Db, principal: Principal, projectId?: string): Promise<JobView[]> {
  let where: { projectId?: string | { in: string[] } } = {};
  if (projectId) {
    await requireProjectPermission(db, projectId, principal, "training:read");
    where = { projectId };
  } else {
    const ids = await projectIdsWhere(db, principal, "training:read");
    if (ids) where = { projectId: { in: ids } };
  }
  const rows = await db.trainingJob.findMany({ where, orderBy: { createdAt: "desc" }, take: 1_000, include: jobViewInclude });
  return jobViews(db, rows);
}

/** The job row, if the caller's role in its project allows `permission` (non-members: not_found). */
export async function loadJobFor(db: Db, jobId: string, principal: Principal, permission: Permission) {
  const job = await db.trainingJob.findUnique({ where: { id: jobId }, include: jobViewInclude });
  if (!job) throw new AppError("not_found", "No training job with that id.");
  await requireProjectPermission(db, job.projectId, principal, permission).catch((error: unknown) => {
    throw error instanceof AppError && error.code === "not_found" ? new AppError("not_found", "No training job with that id.") : error;
  });
  if (principal.scope?.kind === "job" && principal.scope.jobId !== jobId) throw new AppError("not_found", "No training job with that id.");
  return job;
}

export async function getTrainingJob(db: Db, jobId: string, principal: Principal): Promise<JobView> {
  const [view] = await jobViews(db, [await loadJobFor(db, jobId, principal, "training:read")]);
  return view;
}
