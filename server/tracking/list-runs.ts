import "server-only";
import { jsonValue } from "@/server/db-driver";
import type { Db } from "@/server/db";
import { driverOf } from "@/server/db-driver";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { projectIdsWhere, requireProjectPermission } from "@/server/projects/project-access";
import { requireRunAccess } from "@/server/tracking/run-access";
import { runViewInclude } from "@/server/tracking/create-run";
import { toRunView, type RunColumns, type RunView } from "@/server/tracking/run-view";
import { downsample, readMetricColumns, type MetricHistory } from "@/server/tracking/metric-history";

export interface ExperimentView {
  id: string;
  projectId: string;
  projectName: string;
  name: string;
  description: string;
  runCount: number;
  lastRunAt: string | null;
  createdAt: string;
}

async function experimentViews(db: Db, where: { projectId?: string | { in: string[] }; id?: string }): Promise<ExperimentView[]> {
  const rows = await db.experiment.findMany({
    where,
    orderBy: { updatedAt: "desc" },
    include: { project: { select: { name: true } }, _count: { select: { runs: true } } },
  });
  const last = await db.run.groupBy({ by: ["experimentId"], where: { experimentId: { in: rows.map((r) => r.id) } }, _max: { startedAt: true } });
  const lastBy = new Map(last.map((l) => [l.experimentId, l._max.startedAt]));
  return rows
    .map((r) => ({
      id: r.id,
      projectId: r.projectId,
      projectName: r.project.name,
      name: r.name,
      description: r.description,
      runCount: r._count.runs,
      lastRunAt: lastBy.get(r.id)?.toISOString() ?? null,
      createdAt: r.createdAt.toISOString(),
    }))
    .sort((a, b) => (b.lastRunAt ?? b.createdAt).localeCompare(a.lastRunAt ?? a.createdAt));
}

/** Experiments in every project where the caller may read training results. */
export async function listExperiments(db: Db, principal: Principal, projectId?: string): Promise<ExperimentView[]> {
  if (projectId) {
    await requireProjectPermission(db, projectId, principal, "training:read");
    return experimentViews(db, { projectId });
  }
  const ids = await projectIdsWhere(db, principal, "training:read");
  return experimentViews(db, ids ? { projectId: { in: ids } } : {});
}

export async function getExperiment(db: Db, experimentId: string, principal: Principal): Promise<ExperimentView> {
  const experiment = await db.experiment.findUnique({ where: { id: experimentId }, select: { projectId: true } });
  if (!experiment) throw new AppError("not_found", "No experiment with that id.");
  await requireProjectPermission(db, experiment.projectId, principal, "training:read").catch((error: unknown) => {
    throw error instanceof AppError && error.code === "not_found" ? new AppError("not_found", "No experiment with that id.") : error;
  });
  const [view] = await experimentViews(db, { id: experimentId });
  return view;
}

/**
 * Every run of an experiment with its params, tags and metric summaries: the runs table sorts and
 * filters these in the browser (thousands of rows, virtualised).
 */
export async function listRuns(db: Db, experimentId: string, principal: Principal): Promise<{ experiment: ExperimentView; runs: RunView[] }> {
  const experiment = await getExperiment(db, experimentId, principal);
  // Four plain queries through the driver: thousands of runs with their params and metrics took
  // ~2 s through Prisma's per-row cost, and take well under 100 ms this way.
  const driver = driverOf(db);
  const runs = await driver.all<RunRowRaw>(
    `SELECT "id", "experimentId", "projectId", "name", "status", "source", "jobId", "notebookId", "hostName", "inputs", "createdById", "startedAt", "endedAt" FROM "Run" WHERE "experimentId" = ? ORDER BY "startedAt" DESC`,
    [experimentId],
  );
  const byRun = new Map(runs.map((r) => [r.id, { params: [] as { key: string; value: string }[], tags: [] as { key: string; value: string }[], metrics: [] as { key: string; summary: string }[] }]));
  const join = `JOIN "Run" r ON r."id" = x."runId" WHERE r."experimentId" = ?`;
  const [params, tags, metrics] = await Promise.all([
    driver.all<{ runId: string; key: string; value: string }>(`SELECT x."runId", x."key", x."value" FROM "RunParam" x ${join}`, [experimentId]),
    driver.all<{ runId: string; key: string; value: string }>(`SELECT x."runId", x."key", x."value" FROM "RunTag" x ${join}`, [experimentId]),
    driver.all<{ runId: string; key: string; summary: string }>(`SELECT x."runId", x."key", x."summary" FROM "MetricSeries" x ${join}`, [experimentId]),
  ]);
  for (const p of params) byRun.get(p.runId)?.params.push(p);
  for (const t of tags) byRun.get(t.runId)?.tags.push(t);
  for (const m of metrics) byRun.get(m.runId)?.metrics.push(m);
  const date = (value: string | Date | null) => (value === null ? null : value instanceof Date ? value : new Date(value));
  return {
    experiment,
    runs: runs.map((r) =>
      toRunView({
        ...r,
        inputs: jsonValue(r.inputs, null),
        startedAt: date(r.startedAt)!,
        endedAt: date(r.endedAt),
        experiment: { name: experiment.name },
        ...byRun.get(r.id)!,
      }),
    ),
  };
}

type RunRowRaw = RunColumns<string | Date>;

export interface RunArtifactView {
  path: string;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
}

export async function getRun(db: Db, runId: string, principal: Principal): Promise<RunView & { artifacts: RunArtifactView[]; hasCode: boolean }> {
  await requireRunAccess(db, runId, principal, "training:read");
  const row = await db.run.findUniqueOrThrow({ where: { id: runId }, include: { ...runViewInclude, artifacts: { orderBy: { path: "asc" } } } });
  return {
    ...toRunView(row),
    artifacts: row.artifacts.map((a) => ({ path: a.path, sizeBytes: Number(a.sizeBytes), sha256: a.sha256, createdAt: a.createdAt.toISOString() })),
    hasCode: row.codeKey !== null,
  };
}

/** Curves of several runs for the compare view: each downsampled on the server. */
export async function compareRuns(
  db: Db,
  experimentId: string,
  query: { runIds: string[]; keys: string[]; minStep?: number; maxStep?: number; maxPoints?: number },
  principal: Principal,
): Promise<MetricHistory[]> {
  await getExperiment(db, experimentId, principal);
  const runs = await db.run.findMany({ where: { id: { in: query.runIds }, experimentId }, select: { id: true } });
  if (runs.length !== new Set(query.runIds).size) throw new AppError("not_found", "Some of those runs are not in this experiment.");
  const out: MetricHistory[] = [];
  for (const runId of query.runIds) {
    for (const key of query.keys) {
      const columns = await readMetricColumns(db, runId, key, query);
      out.push({ runId, key, ...downsample(columns, query) });
    }
  }
  return out;
}
