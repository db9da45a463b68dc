import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { dataCaptureConfig, type EndpointLogLine, type EndpointStatus, type EndpointView, type ReplicaView } from "@/lib/endpoints";
import type { ApprovalStatus, Framework, Signature } from "@/lib/model-registry";
import { projectIdsWhere, requireProjectPermission } from "@/server/projects/project-access";
import { requireModelAccess } from "@/server/models/model-access";
import { jsonValue } from "@/server/db-driver";
import { userNames } from "@/server/users/user-names";
import type { CreateEndpointInput } from "@/server/endpoints/endpoint-schemas";

/** Frameworks the model server (studio.serving) loads today. */
export const SERVABLE_LOADERS: ReadonlySet<string> = new Set(["joblib", "xgboost"]);

const endpointInclude = {
  project: { select: { name: true } },
  variants: {
    orderBy: { createdAt: "asc" },
    include: {
      modelVersion: { select: { id: true, modelId: true, version: true, framework: true, approvalStatus: true, signature: true, model: { select: { name: true } } } },
      replicaRows: { orderBy: { startedAt: "asc" } },
    },
  },
} as const;

type EndpointRow = NonNullable<Awaited<ReturnType<typeof loadRow>>>;

function loadRow(db: Db, where: { id: string } | { name: string }) {
  return db.endpoint.findUnique({ where, include: endpointInclude });
}

async function toViews(db: Db, rows: EndpointRow[]): Promise<EndpointView[]> {
  const names = await userNames(db, rows.map((r) => r.createdById));
  return rows.map((row) => {
    const total = row.variants.reduce((sum, v) => sum + v.weight, 0);
    return {
      id: row.id,
      projectId: row.projectId,
      projectName: row.project.name,
      name: row.name,
      description: row.description,
      status: row.status as EndpointStatus,
      statusReason: row.statusReason,
      production: row.production,
      dataCapture: row.dataCapture ? dataCaptureConfig.parse(jsonValue(row.dataCapture, null)) : null,
      capturePrefix: `capture/${row.name}/`,
      createdBy: row.createdById ? (names.get(row.createdById) ?? null) : null,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      invocationPath: `/endpoints/${row.name}/invocations`,
      variants: row.variants.map((v) => ({
        id: v.id,
        name: v.name,
        weight: v.weight,
        share: total > 0 ? v.weight / total : 0,
        replicas: v.replicas,
        readyReplicas: v.replicaRows.filter((r) => r.status === "ready").length,
        modelVersion: {
          id: v.modelVersion.id,
          modelId: v.modelVersion.modelId,
          modelName: v.modelVersion.model.name,
          version: v.modelVersion.version,
          framework: v.modelVersion.framework as Framework,
          approvalStatus: v.modelVersion.approvalStatus as ApprovalStatus,
        },
        inputs: jsonValue<Signature>(v.modelVersion.signature, { inputs: [], outputs: [] }).inputs,
        replicaStates: v.replicaRows.map(
          (r): ReplicaView => ({
            id: r.id,
            status: r.status as ReplicaView["status"],
            restarts: r.restarts,
            lastError: r.lastError,
            startedAt: r.startedAt.toISOString(),
            readyAt: r.readyAt?.toISOString() ?? null,
          }),
        ),
      })),
    };
  });
}

const invalid = (path: string, message: string) => new AppError("validation_failed", `${path}: ${message}`, { issues: [{ path, message }] });

/**
 * Creates an endpoint in the project; the worker starts its model servers and marks it InService
 * once every variant answers its health check. A production endpoint takes approved versions only.
 */
export async function createEndpoint(db: Db, projectId: string, input: CreateEndpointInput, actor: Principal): Promise<EndpointView> {
  await requireProjectPermission(db, projectId, actor, "models:write");
  const versions = await db.modelVersion.findMany({
    where: { id: { in: input.variants.map((v) => v.modelVersionId) } },
    select: { id: true, version: true, approvalStatus: true, manifest: true, model: { select: { projectId: true, name: true } } },
  });
  for (const [i, variant] of input.variants.entries()) {
    const version = versions.find((v) => v.id === variant.modelVersionId);
    if (!version || version.model.projectId !== projectId) throw invalid(`variants.${i}.modelVersionId`, "names no model version of this project");
    if (input.production && version.approvalStatus !== "Approved") {
      throw invalid(`variants.${i}.modelVersionId`, `${version.model.name} version ${version.version} is ${version.approvalStatus}: a production endpoint serves approved versions only`);
    }
    const manifest = jsonValue<{ loader?: string } | null>(version.manifest, null);
    const loader = manifest?.loader ?? "joblib";
    if (!SERVABLE_LOADERS.has(loader)) {
      throw invalid(`variants.${i}.modelVersionId`, `${version.model.name} version ${version.version} is a ${loader} model; endpoints serve joblib/pickle and XGBoost models so far`);
    }
  }
  if (await db.endpoint.findUnique({ where: { name: input.name }, select: { id: true } })) throw invalid("name", `an endpoint named ${input.name} already exists`);
  const row = await db.endpoint.create({
    data: {
      projectId,
      name: input.name,
      description: input.description,
      production: input.production,
      dataCapture: input.dataCapture ?? undefined,
      createdById: actor.id,
      statusReason: "Starting the model servers.",
      variants: { create: input.variants.map((v) => ({ name: v.name, modelVersionId: v.modelVersionId, weight: v.weight, replicas: v.replicas })) },
    },
    include: endpointInclude,
  });
  const [view] = await toViews(db, [row]);
  return view;
}

async function loadFor(db: Db, endpointId: string, principal: Principal, permission: "models:read" | "models:write"): Promise<EndpointRow> {
  const row = await loadRow(db, { id: endpointId });
  if (!row) throw new AppError("not_found", "No endpoint with that id.");
  await requireModelAccess(db, row.projectId, principal, permission, "endpoint");
  return row;
}

export async function getEndpoint(db: Db, endpointId: string, principal: Principal): Promise<EndpointView> {
  const [view] = await toViews(db, [await loadFor(db, endpointId, principal, "models:read")]);
  return view;
}

export async function listEndpoints(db: Db, principal: Principal, query: { projectId?: string }): Promise<EndpointView[]> {
  const projectIds = await projectIdsWhere(db, principal, "models:read");
  if (query.projectId && projectIds && !projectIds.includes(query.projectId)) return [];
  const rows = await db.endpoint.findMany({
    where: { ...(projectIds ? { projectId: { in: projectIds } } : {}), ...(query.projectId ? { projectId: query.projectId } : {}) },
    include: endpointInclude,
    orderBy: { createdAt: "desc" },
    take: 500,
  });
  return toViews(db, rows);
}

/** Marks the endpoint Deleting: the worker stops its model servers and then removes it. */
export async function deleteEndpoint(db: Db, endpointId: string, principal: Principal): Promise<void> {
  await loadFor(db, endpointId, principal, "models:write");
  await db.endpoint.update({ where: { id: endpointId }, data: { status: "Deleting", statusReason: "Stopping the model servers." } });
}

/** The newest log lines of an endpoint's model servers (after `after`, oldest first). */
export async function getEndpointLogs(db: Db, endpointId: string, principal: Principal, query: { after?: number; limit: number }): Promise<EndpointLogLine[]> {
  await loadFor(db, endpointId, principal, "models:read");
  const rows = await db.endpointLog.findMany({
    where: { endpointId, ...(query.after !== undefined ? { id: { gt: query.after } } : {}) },
    orderBy: { id: "desc" },
    take: query.limit,
  });
  return rows.reverse().map((r) => ({ id: r.id, variant: r.variant, source: r.source as EndpointLogLine["source"], line: r.line, at: r.at.toISOString() }));
}
