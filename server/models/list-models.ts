import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { Permission } from "@/lib/roles";
import { projectIdsWhere } from "@/server/projects/project-access";
import { requireModelAccess } from "@/server/models/model-access";
import { SERVING_STATES } from "@/lib/endpoints";
import type { ModelDetail, ModelSummaryView, ModelVersionDetail, ModelVersionEventView } from "@/lib/model-registry";
import { toModelSummary, toVersionViews, versionInclude } from "@/server/models/model-view";
import { jsonValue } from "@/server/db-driver";
import { userNames } from "@/server/users/user-names";

const summaryInclude = {
  project: { select: { name: true } },
  _count: { select: { versions: true } },
  versions: { orderBy: { version: "desc" }, select: { id: true, version: true, approvalStatus: true, framework: true, createdAt: true } },
} as const;

/** Registered models in the projects where the caller may read models, newest activity first. */
export async function listModels(db: Db, principal: Principal, query: { q?: string; projectId?: string }): Promise<ModelSummaryView[]> {
  const projectIds = await projectIdsWhere(db, principal, "models:read");
  if (query.projectId && projectIds && !projectIds.includes(query.projectId)) return [];
  const rows = await db.registeredModel.findMany({
    where: {
      ...(projectIds ? { projectId: { in: projectIds } } : {}),
      ...(query.projectId ? { projectId: query.projectId } : {}),
      ...(query.q ? { name: { contains: query.q } } : {}),
    },
    include: summaryInclude,
    orderBy: { updatedAt: "desc" },
    take: 500,
  });
  return rows.map(toModelSummary);
}

export async function loadModelFor(db: Db, modelId: string, principal: Principal, permission: Permission) {
  const model = await db.registeredModel.findUnique({ where: { id: modelId }, include: summaryInclude });
  if (!model) throw new AppError("not_found", "No model with that id.");
  await requireModelAccess(db, model.projectId, principal, permission, "model");
  return model;
}

export async function loadVersionFor(db: Db, versionId: string, principal: Principal, permission: Permission) {
  const version = await db.modelVersion.findUnique({ where: { id: versionId }, include: versionInclude });
  if (!version) throw new AppError("not_found", "No model version with that id.");
  await requireModelAccess(db, version.model.projectId, principal, permission, "model version");
  return version;
}

export async function getModel(db: Db, modelId: string, principal: Principal): Promise<ModelDetail> {
  const model = await loadModelFor(db, modelId, principal, "models:read");
  const rows = await db.modelVersion.findMany({ where: { modelId }, include: versionInclude, orderBy: { version: "desc" } });
  return { ...toModelSummary(model), versions: await toVersionViews(db, rows) };
}

export async function getModelVersion(db: Db, versionId: string, principal: Principal): Promise<ModelVersionDetail> {
  const row = await loadVersionFor(db, versionId, principal, "models:read");
  const [view] = await toVersionViews(db, [row]);
  const files = await db.modelVersionFile.findMany({ where: { versionId }, orderBy: { path: "asc" } });
  const events = await db.modelVersionEvent.findMany({ where: { versionId }, orderBy: { createdAt: "asc" } });
  const names = await userNames(db, events.map((e) => e.actorId));
  // What serves now (an update still starting, or a replaced variant draining, is left out), one entry per endpoint.
  const variants = await db.endpointVariant.findMany({
    where: { modelVersionId: versionId, state: { in: [...SERVING_STATES] } },
    select: { name: true, shadow: true, endpoint: { select: { id: true, name: true, status: true } } },
    orderBy: { createdAt: "asc" },
  });
  const deployments = new Map<string, ModelVersionDetail["deployments"][number]>();
  for (const v of variants) {
    const entry = deployments.get(v.endpoint.id) ?? { endpointId: v.endpoint.id, endpointName: v.endpoint.name, variants: [], status: v.endpoint.status };
    entry.variants.push(v.shadow ? `${v.name} (shadow)` : v.name);
    deployments.set(v.endpoint.id, entry);
  }
  return {
    ...view,
    files: files.map((f) => ({ path: f.path, sizeBytes: Number(f.sizeBytes), sha256: f.sha256 })),
    events: events.map((e) => ({ status: e.status as ModelVersionEventView["status"], comment: e.comment, actor: e.actorId ? (names.get(e.actorId) ?? null) : null, createdAt: e.createdAt.toISOString() })),
    manifest: jsonValue<Record<string, unknown>>(row.manifest, {}),
    deployments: [...deployments.values()],
  };
}

/** One file of a version, for download. */
export async function getModelVersionFile(db: Db, versionId: string, path: string, principal: Principal) {
  await loadVersionFor(db, versionId, principal, "models:read");
  const file = await db.modelVersionFile.findUnique({ where: { versionId_path: { versionId, path } } });
  if (!file) throw new AppError("not_found", `The version has no file "${path}".`);
  return { key: file.storageKey, filename: path.split("/").pop() ?? "model", sha256: file.sha256 };
}
