import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { readHead, type ArtifactStore } from "@/server/artifacts/artifact-store";
import { projectIdsWhere, requireProjectPermission } from "@/server/projects/project-access";
import { requireModelAccess } from "@/server/models/model-access";
import { SERVABLE_LOADERS, SERVABLE_TEXT } from "@/server/endpoints/manage-endpoints";
import { jsonValue } from "@/server/db-driver";
import { userNames } from "@/server/users/user-names";
import type { Signature } from "@/lib/model-registry";
import {
  configProblems,
  contentTypeOfFormat,
  parseFilter,
  SUPPORTED_FILTERS,
  terminalTransformStatuses,
  type TransformConfig,
  type TransformJobDetail,
  type TransformJobView,
  type TransformStatus,
} from "@/lib/transform-jobs";
import type { CreateTransformJobInput } from "@/server/transform/transform-schemas";

const jobInclude = {
  project: { select: { name: true } },
  modelVersion: { select: { id: true, modelId: true, version: true, model: { select: { name: true } } } },
  inputVersion: { select: { datasetId: true, version: true, filename: true, format: true, dataset: { select: { name: true } } } },
  outputVersion: { select: { datasetId: true, version: true, status: true, statusReason: true, storageKey: true, dataset: { select: { name: true } } } },
} as const;

function loadRow(db: Db, id: string) {
  return db.transformJob.findUnique({ where: { id }, include: jobInclude });
}
type JobRow = NonNullable<Awaited<ReturnType<typeof loadRow>>>;

export function configOf(row: Pick<JobRow, "contentType" | "splitType" | "batchStrategy" | "maxPayloadInMB" | "assembleWith" | "accept" | "joinSource" | "inputFilter" | "outputFilter">): TransformConfig {
  return {
    contentType: row.contentType as TransformConfig["contentType"],
    splitType: row.splitType as TransformConfig["splitType"],
    batchStrategy: row.batchStrategy as TransformConfig["batchStrategy"],
    maxPayloadInMB: row.maxPayloadInMB,
    assembleWith: row.assembleWith as TransformConfig["assembleWith"],
    accept: row.accept as TransformConfig["accept"],
    joinSource: row.joinSource as TransformConfig["joinSource"],
    inputFilter: row.inputFilter,
    outputFilter: row.outputFilter,
  };
}

async function toViews(db: Db, rows: JobRow[]): Promise<TransformJobView[]> {
  const names = await userNames(db, rows.map((r) => r.createdById));
  return rows.map((row) => ({
    id: row.id,
    projectId: row.projectId,
    projectName: row.project.name,
    name: row.name,
    status: row.status as TransformStatus,
    failureReason: row.failureReason,
    modelVersion: { id: row.modelVersion.id, modelId: row.modelVersion.modelId, modelName: row.modelVersion.model.name, version: row.modelVersion.version },
    input: { datasetId: row.inputVersion.datasetId, datasetName: row.inputVersion.dataset.name, version: row.inputVersion.version, filename: row.inputVersion.filename, format: row.inputVersion.format },
    config: configOf(row),
    outputDatasetName: row.outputDatasetName,
    outputFilename: `${row.inputVersion.filename}.out`,
    output: row.outputVersion
      ? { datasetId: row.outputVersion.datasetId, datasetName: row.outputVersion.dataset.name, version: row.outputVersion.version, status: row.outputVersion.status, statusReason: row.outputVersion.statusReason }
      : null,
    recordsDone: row.recordsDone,
    recordsTotal: row.recordsTotal,
    bytesDone: Number(row.bytesDone),
    bytesTotal: Number(row.bytesTotal),
    attempts: row.attempts,
    createdBy: row.createdById ? (names.get(row.createdById) ?? null) : null,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    endedAt: row.endedAt?.toISOString() ?? null,
    updatedAt: row.updatedAt.toISOString(),
  }));
}

const invalid = (path: string, message: string) => new AppError("validation_failed", `${path}: ${message}`, { issues: [{ path, message }] });

/**
 * Stores a batch transform (InProgress); the worker runs it. Everything that can be checked before
 * a record is read is checked here: the model version (servable, with an input schema) and the
 * dataset version (ready, CSV or JSON Lines) are the project's, the filters are in the supported
 * JSONPath subset (400 otherwise) and the settings fit together.
 */
export async function createTransformJob(db: Db, projectId: string, input: CreateTransformJobInput, actor: Principal): Promise<TransformJobView> {
  await requireProjectPermission(db, projectId, actor, "models:write");
  await requireProjectPermission(db, projectId, actor, "datasets:write");
  const version = await db.modelVersion.findUnique({ where: { id: input.modelVersionId }, select: { id: true, version: true, manifest: true, signature: true, model: { select: { projectId: true, name: true } } } });
  if (!version || version.model.projectId !== projectId) throw invalid("modelVersionId", "names no model version of this project");
  const loader = jsonValue<{ loader?: string } | null>(version.manifest, null)?.loader ?? "joblib";
  if (!SERVABLE_LOADERS.has(loader)) throw invalid("modelVersionId", `${version.model.name} version ${version.version} is a ${loader} model; batch transform runs ${SERVABLE_TEXT} (an uploaded ONNX file is served by endpoints only)`);
  if (jsonValue<Signature>(version.signature, { inputs: [], outputs: [] }).inputs.length === 0) {
    throw invalid("modelVersionId", `${version.model.name} version ${version.version} has no input schema, so records cannot be checked; register it with one`);
  }

  const data = await db.datasetVersion.findUnique({
    where: { id: input.datasetVersionId },
    select: { id: true, version: true, format: true, status: true, sizeBytes: true, rowCount: true, filename: true, dataset: { select: { projectId: true, name: true } } },
  });
  if (!data || data.dataset.projectId !== projectId) throw invalid("datasetVersionId", "names no dataset version of this project");
  if (data.status !== "ready") throw invalid("datasetVersionId", `${data.dataset.name} v${data.version} is ${data.status === "processing" ? "still being validated" : "a refused upload"}; pick a ready version`);
  const contentType = contentTypeOfFormat[data.format];
  if (!contentType) {
    throw invalid("datasetVersionId", `${data.dataset.name} v${data.version} is a ${data.format} file; batch transform reads CSV and JSON Lines versions`);
  }
  if (input.contentType && input.contentType !== contentType) throw invalid("contentType", `${data.dataset.name} v${data.version} is ${contentType}, not ${input.contentType}`);

  const config = { contentType, accept: input.accept ?? contentType, joinSource: input.joinSource, inputFilter: input.inputFilter || "$", outputFilter: input.outputFilter || "$" };
  for (const key of ["inputFilter", "outputFilter"] as const) {
    if (!parseFilter(config[key])) {
      const message = `${config[key]} is not supported: use ${SUPPORTED_FILTERS}`;
      throw new AppError("bad_request", `${key === "inputFilter" ? "InputFilter" : "OutputFilter"} ${message}`, { issues: [{ path: key, message }] });
    }
  }
  const problems = configProblems(config);
  if (problems.length > 0) throw new AppError("validation_failed", problems.map((p) => `${p.path}: ${p.message}`).join("; "), { issues: problems });

  const outputDatasetName = input.outputDatasetName ?? `${data.dataset.name}-predictions`.slice(0, 120);
  if (outputDatasetName === data.dataset.name) throw invalid("outputDatasetName", "is the input's dataset: name another one for the predictions");
  if (await db.transformJob.findUnique({ where: { projectId_name: { projectId, name: input.name } }, select: { id: true } })) {
    throw invalid("name", `a transform job named ${input.name} already exists in this project`);
  }
  const row = await db.transformJob.create({
    data: {
      projectId,
      name: input.name,
      modelVersionId: version.id,
      inputVersionId: data.id,
      ...config,
      splitType: input.splitType,
      batchStrategy: input.batchStrategy,
      maxPayloadInMB: input.maxPayloadInMB,
      assembleWith: input.assembleWith,
      outputDatasetName,
      recordsTotal: data.rowCount,
      bytesTotal: data.sizeBytes,
      createdById: actor.id,
    },
    include: jobInclude,
  });
  const [view] = await toViews(db, [row]);
  return view;
}

async function loadFor(db: Db, jobId: string, principal: Principal, permission: "models:read" | "models:write"): Promise<JobRow> {
  const row = await loadRow(db, jobId);
  if (!row) throw new AppError("not_found", "No transform job with that id.");
  await requireModelAccess(db, row.projectId, principal, permission, "transform job");
  return row;
}

export async function listTransformJobs(db: Db, principal: Principal, query: { projectId?: string }): Promise<TransformJobView[]> {
  const projectIds = await projectIdsWhere(db, principal, "models:read");
  if (query.projectId && projectIds && !projectIds.includes(query.projectId)) return [];
  const rows = await db.transformJob.findMany({
    where: { ...(projectIds ? { projectId: { in: projectIds } } : {}), ...(query.projectId ? { projectId: query.projectId } : {}) },
    include: jobInclude,
    orderBy: { createdAt: "desc" },
    take: 500,
  });
  return toViews(db, rows);
}

const PREVIEW_LINES = 20;
const PREVIEW_BYTES = 64 * 1024;

/** The first lines of a stored file (at most PREVIEW_BYTES read). */
async function firstLines(store: ArtifactStore, key: string): Promise<string[] | null> {
  if ((await store.size(key)) === null) return null;
  const text = (await readHead(store, key, PREVIEW_BYTES)).toString("utf8");
  return text.split("\n").slice(0, PREVIEW_LINES).filter((line, i, all) => line !== "" || i < all.length - 1);
}

export async function getTransformJob(db: Db, store: ArtifactStore, jobId: string, principal: Principal): Promise<TransformJobDetail> {
  const row = await loadFor(db, jobId, principal, "models:read");
  const [view] = await toViews(db, [row]);
  const preview = row.status === "Completed" && row.outputVersion && row.outputVersion.status !== "failed" ? await firstLines(store, row.outputVersion.storageKey) : null;
  return { ...view, preview };
}

/** Stops a transform: the worker ends its process and marks it Stopped (the output so far is dropped). */
export async function stopTransformJob(db: Db, store: ArtifactStore, jobId: string, actor: Principal): Promise<TransformJobDetail> {
  const row = await loadFor(db, jobId, actor, "models:write");
  if (terminalTransformStatuses.includes(row.status as TransformStatus)) throw new AppError("conflict", `The transform job is already ${row.status}.`);
  await db.transformJob.updateMany({ where: { id: jobId, status: "InProgress" }, data: { status: "Stopping", stopRequestedAt: new Date() } });
  return getTransformJob(db, store, jobId, actor);
}
