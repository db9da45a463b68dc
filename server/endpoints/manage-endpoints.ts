import "server-only";
import type { Db, Prisma } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import {
  autoscalingPolicy,
  type AutoscalingPolicy,
  dataCaptureConfig,
  defaultEndpointModelName,
  isRouted,
  type EndpointLogLine,
  type EndpointStatus,
  type EndpointView,
  type ModelVersionRef,
  type ReplicaView,
  type Runtime,
  type VariantView,
} from "@/lib/endpoints";
import type { ApprovalStatus, Framework, Signature } from "@/lib/model-registry";
import { projectIdsWhere, requireProjectPermission } from "@/server/projects/project-access";
import { requireModelAccess } from "@/server/models/model-access";
import { jsonValue } from "@/server/db-driver";
import { userNames } from "@/server/users/user-names";
import type { CreateEndpointInput, EndpointModelInput, UpdateEndpointInput } from "@/server/endpoints/endpoint-schemas";

/** Frameworks the model server (studio.serving) loads: an uploaded ONNX file is served by the ONNX runtime only. */
export const SERVABLE_LOADERS: ReadonlySet<string> = new Set(["joblib", "xgboost", "torchscript"]);
export const SERVABLE_TEXT = "joblib/pickle, XGBoost and TorchScript models";

const versionRefSelect = { id: true, modelId: true, version: true, framework: true, approvalStatus: true, signature: true, model: { select: { name: true } } } as const;

const endpointInclude = {
  project: { select: { name: true } },
  variants: {
    orderBy: { createdAt: "asc" },
    include: {
      modelVersion: { select: versionRefSelect },
      replicaRows: { orderBy: { startedAt: "asc" } },
    },
  },
  models: { orderBy: { createdAt: "asc" }, include: { modelVersion: { select: versionRefSelect } } },
  scalingEvents: { orderBy: { at: "desc" }, take: 20 },
} as const;

type VersionRefRow = { id: string; modelId: string; version: number; framework: string; approvalStatus: string; signature: unknown; model: { name: string } };

const versionRef = (v: VersionRefRow): ModelVersionRef => ({
  id: v.id,
  modelId: v.modelId,
  modelName: v.model.name,
  version: v.version,
  framework: v.framework as Framework,
  approvalStatus: v.approvalStatus as ApprovalStatus,
});

const inputsOf = (v: VersionRefRow | null) => (v ? jsonValue<Signature>(v.signature, { inputs: [], outputs: [] }).inputs : []);

type EndpointRow = NonNullable<Awaited<ReturnType<typeof loadRow>>>;

function loadRow(db: Db, where: { id: string } | { name: string }) {
  return db.endpoint.findUnique({ where, include: endpointInclude });
}

async function toViews(db: Db, rows: EndpointRow[]): Promise<EndpointView[]> {
  const names = await userNames(db, rows.map((r) => r.createdById));
  return rows.map((row) => {
    const total = row.variants.filter(isRouted).reduce((sum, v) => sum + v.weight, 0);
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
        runtime: v.runtime as Runtime,
        weight: v.weight,
        share: total > 0 && isRouted(v) ? v.weight / total : 0,
        state: v.state as VariantView["state"],
        shadow: v.shadow,
        shadowSamplingPercent: v.shadowSamplingPercent,
        replicas: v.replicas,
        readyReplicas: v.replicaRows.filter((r) => r.status === "ready").length,
        autoscaling: storedPolicy(v.autoscaling),
        modelVersion: v.modelVersion ? versionRef(v.modelVersion) : null,
        inputs: inputsOf(v.modelVersion),
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
      scalingEvents: row.scalingEvents.map((e) => ({ id: e.id, variant: e.variant, at: e.at.toISOString(), fromReplicas: e.fromReplicas, toReplicas: e.toReplicas, reason: e.reason })),
      multiModel: row.multiModel
        ? {
            memoryBudgetMb: row.memoryBudgetMb,
            models: row.models.map((m) => ({ id: m.id, name: m.name, modelVersion: versionRef(m.modelVersion), inputs: inputsOf(m.modelVersion), createdAt: m.createdAt.toISOString() })),
          }
        : null,
    };
  });
}

/** A variant's stored autoscaling policy (JSON text), or null when off or unreadable. */
export function storedPolicy(text: string | null): AutoscalingPolicy | null {
  if (!text) return null;
  try {
    return autoscalingPolicy.safeParse(JSON.parse(text)).data ?? null;
  } catch {
    return null;
  }
}

const invalid = (path: string, message: string) => new AppError("validation_failed", `${path}: ${message}`, { issues: [{ path, message }] });

/**
 * Checks each variant's model version (of the project; approved for a production endpoint; one its
 * runtime can serve) and resolves "auto" runtimes. Errors name the variant's field.
 */
async function resolveVariants(db: Db, projectId: string, production: boolean, variants: NonNullable<CreateEndpointInput["variants"]>): Promise<Runtime[]> {
  const versions = await db.modelVersion.findMany({
    where: { id: { in: variants.map((v) => v.modelVersionId) } },
    select: { id: true, version: true, approvalStatus: true, manifest: true, onnxStatus: true, model: { select: { projectId: true, name: true } } },
  });
  const runtimes: Runtime[] = [];
  for (const [i, variant] of variants.entries()) {
    const version = versions.find((v) => v.id === variant.modelVersionId);
    if (!version || version.model.projectId !== projectId) throw invalid(`variants.${i}.modelVersionId`, "names no model version of this project");
    if (production && version.approvalStatus !== "Approved") {
      throw invalid(`variants.${i}.modelVersionId`, `${version.model.name} version ${version.version} is ${version.approvalStatus}: a production endpoint serves approved versions only`);
    }
    const manifest = jsonValue<{ loader?: string } | null>(version.manifest, null);
    const loader = manifest?.loader ?? "joblib";
    const label = `${version.model.name} version ${version.version}`;
    const runtime: Runtime = variant.runtime === "auto" ? (version.onnxStatus === "converted" ? "onnx" : "python") : variant.runtime;
    if (runtime === "onnx" && version.onnxStatus !== "converted") {
      const why = version.onnxStatus === "pending" ? "is still being exported to ONNX (seconds; try again)" : version.onnxStatus === "none" ? "has no ONNX export (export it from its page)" : `could not be exported to ONNX (${version.onnxStatus})`;
      throw invalid(`variants.${i}.runtime`, `${label} ${why}`);
    }
    if (runtime === "python" && !SERVABLE_LOADERS.has(loader)) {
      const pending = version.onnxStatus === "pending" ? " (its ONNX export is still running: try again in a few seconds)" : "";
      throw invalid(variant.runtime === "auto" ? `variants.${i}.modelVersionId` : `variants.${i}.runtime`, `${label} is a ${loader} model; the Python model server loads ${SERVABLE_TEXT}${pending}`);
    }
    runtimes.push(runtime);
  }
  return runtimes;
}

/** Where a multi-model endpoint's model servers find a version: its folder under the project's models/ (the servers' root). */
export const modelFolderOf = (projectId: string, manifestKey: string | undefined): string | null => {
  const match = manifestKey ? /^models\/([^/]+)\/([A-Za-z0-9][A-Za-z0-9._-]*)\/studio-model\.json$/.exec(manifestKey) : null;
  return match && match[1] === projectId ? match[2] : null;
};

/**
 * Checks models for a multi-model endpoint (of the project; approved for a production endpoint;
 * loadable by the Python model server; each version and name once, beside `existing`) and names
 * them. Errors name the field (`{path}.{i}.…`).
 */
export async function resolveEndpointModels(
  db: Db,
  projectId: string,
  production: boolean,
  models: EndpointModelInput[],
  existing: { name: string; modelVersionId: string }[],
  path: string,
): Promise<{ name: string; modelVersionId: string }[]> {
  const versions = await db.modelVersion.findMany({
    where: { id: { in: models.map((m) => m.modelVersionId) } },
    select: { id: true, version: true, approvalStatus: true, manifest: true, onnxStatus: true, model: { select: { projectId: true, name: true } }, files: { where: { path: "studio-model.json" }, select: { storageKey: true } } },
  });
  const taken = [...existing];
  const out: { name: string; modelVersionId: string }[] = [];
  for (const [i, m] of models.entries()) {
    const version = versions.find((v) => v.id === m.modelVersionId);
    if (!version || version.model.projectId !== projectId) throw invalid(`${path}.${i}.modelVersionId`, "names no model version of this project");
    const label = `${version.model.name} version ${version.version}`;
    if (production && version.approvalStatus !== "Approved") throw invalid(`${path}.${i}.modelVersionId`, `${label} is ${version.approvalStatus}: a production endpoint serves approved versions only`);
    const loader = jsonValue<{ loader?: string } | null>(version.manifest, null)?.loader ?? "joblib";
    if (!SERVABLE_LOADERS.has(loader)) throw invalid(`${path}.${i}.modelVersionId`, `${label} is a ${loader} model; a multi-model endpoint's model servers load ${SERVABLE_TEXT}`);
    if (!modelFolderOf(projectId, version.files[0]?.storageKey)) throw invalid(`${path}.${i}.modelVersionId`, `${label} has no model folder in the project's artifact store`);
    const name = m.name ?? defaultEndpointModelName(version.model.name, version.version);
    const same = taken.find((t) => t.modelVersionId === version.id);
    if (same) throw invalid(`${path}.${i}.modelVersionId`, `${label} is already on the endpoint, as ${same.name}`);
    if (taken.some((t) => t.name === name)) throw invalid(`${path}.${i}.name`, `the endpoint already has a model named ${name}`);
    taken.push({ name, modelVersionId: version.id });
    out.push({ name, modelVersionId: version.id });
  }
  return out;
}

const variantData = (v: NonNullable<CreateEndpointInput["variants"]>[number], runtime: Runtime) => ({
  name: v.name,
  modelVersionId: v.modelVersionId,
  weight: v.weight,
  replicas: v.replicas,
  runtime,
  shadow: v.shadow,
  shadowSamplingPercent: v.shadowSamplingPercent,
});

/**
 * Creates an endpoint in the project; the worker starts its model servers and marks it InService
 * once every variant answers its health check. A production endpoint takes approved versions only.
 */
export async function createEndpoint(db: Db, projectId: string, input: CreateEndpointInput, actor: Principal): Promise<EndpointView> {
  await requireProjectPermission(db, projectId, actor, "models:write");
  const mme = input.multiModel;
  const variants = input.variants ?? [];
  const runtimes = await resolveVariants(db, projectId, input.production, variants);
  const models = mme ? await resolveEndpointModels(db, projectId, input.production, mme.models, [], "multiModel.models") : [];
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
      ...(mme
        ? {
            multiModel: true,
            memoryBudgetMb: mme.memoryBudgetMb,
            // One variant of model servers that load any of the endpoint's models on demand.
            variants: { create: [{ name: "AllTraffic", modelVersionId: null, replicas: mme.replicas, runtime: "python" }] },
            models: { create: models },
          }
        : { variants: { create: variants.map((v, i) => variantData(v, runtimes[i])) } }),
    },
    include: endpointInclude,
  });
  const [view] = await toViews(db, [row]);
  return view;
}

/**
 * Updates the endpoint's variants without dropping requests (SageMaker's UpdateEndpoint): weights,
 * replicas and shadow sampling of unchanged variants apply at once; a variant with a new model
 * version or runtime (or a new variant) starts beside the current ones, and the worker switches
 * traffic to it in one step once it is healthy, then drains and stops what it replaced; if it never
 * becomes healthy the update is rolled back and the current variants keep serving.
 */
export async function updateEndpoint(db: Db, endpointId: string, input: UpdateEndpointInput, actor: Principal): Promise<EndpointView> {
  const row = await loadFor(db, endpointId, actor, "models:write");
  if (row.status === "Deleting") throw new AppError("conflict", `Endpoint ${row.name} is being deleted.`);
  if (row.variants.some((v) => v.state === "pending")) throw new AppError("conflict", `Endpoint ${row.name} is still applying an update; wait until it is InService.`);
  if (row.multiModel) throw new AppError("conflict", `Endpoint ${row.name} is a multi-model endpoint: add and remove its models instead of changing variants.`);
  const runtimes = await resolveVariants(db, row.projectId, row.production, input.variants);
  const current = row.variants.filter((v) => v.state === "active");
  // One batch (no JavaScript between its statements, so no other query of this process runs inside it).
  const writes: Prisma.PrismaPromise<unknown>[] = [];
  let starting = 0;
  const kept = new Set<string>();
  for (const [i, v] of input.variants.entries()) {
    const same = current.find((c) => c.name === v.name && c.modelVersionId === v.modelVersionId && c.runtime === runtimes[i]);
    if (same) {
      kept.add(same.id);
      writes.push(db.endpointVariant.update({ where: { id: same.id }, data: { weight: v.weight, replicas: v.replicas, shadow: v.shadow, shadowSamplingPercent: v.shadowSamplingPercent } }));
    } else {
      starting++;
      // A variant replaced under the same name keeps its autoscaling policy (as Application Auto Scaling's target does).
      const policy = current.find((c) => c.name === v.name)?.autoscaling;
      writes.push(db.endpointVariant.create({ data: { endpointId, ...variantData(v, runtimes[i]), state: "pending", ...(policy ? { autoscaling: policy } : {}) } }));
    }
  }
  const replaced = current.filter((c) => !kept.has(c.id)).map((c) => c.id);
  // Without new variants to wait for, what is left out stops taking traffic now; otherwise at the switch.
  if (replaced.length) writes.push(db.endpointVariant.updateMany({ where: { id: { in: replaced } }, data: { state: starting ? "superseded" : "retiring" } }));
  writes.push(
    starting
      ? db.endpoint.update({ where: { id: endpointId }, data: { status: "Updating", statusReason: `Starting ${starting} new variant${starting === 1 ? "" : "s"}; the current ones serve until ${starting === 1 ? "it is" : "they are"} healthy.` } })
      : db.endpoint.update({ where: { id: endpointId }, data: { updatedAt: new Date() } }),
  );
  await db.$transaction(writes);
  const [view] = await toViews(db, [(await loadRow(db, { id: endpointId }))!]);
  return view;
}

export async function loadFor(db: Db, endpointId: string, principal: Principal, permission: "models:read" | "models:write"): Promise<EndpointRow> {
  const row = await loadRow(db, { id: endpointId });
  if (!row) throw new AppError("not_found", "No endpoint with that id.");
  await requireModelAccess(db, row.projectId, principal, permission, "endpoint");
  return row;
}

export async function getEndpoint(db: Db, endpointId: string, principal: Principal): Promise<EndpointView> {
  return endpointView(db, await loadFor(db, endpointId, principal, "models:read"));
}

export async function endpointView(db: Db, row: EndpointRow | { id: string }): Promise<EndpointView> {
  const [view] = await toViews(db, ["variants" in row ? row : (await loadRow(db, { id: row.id }))!]);
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
