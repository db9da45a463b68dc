import "server-only";
import http from "node:http";
import { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { EndpointModelCache, EndpointModelCacheView, EndpointView } from "@/lib/endpoints";
import { endpointView, loadFor, modelFolderOf, resolveEndpointModels } from "@/server/endpoints/manage-endpoints";
import type { EndpointModelInput } from "@/server/endpoints/endpoint-schemas";

// A multi-model endpoint's models (SageMaker's MultiModel mode): the endpoint's one variant runs
// model servers (studio.serving --models-root) that load a model on its first call and unload the
// least recently used ones above the endpoint's memory budget. Models are added and removed
// without restarting anything: the router picks up the list within a second.

async function multiModelFor(db: Db, endpointId: string, actor: Principal, permission: "models:read" | "models:write") {
  const row = await loadFor(db, endpointId, actor, permission);
  if (!row.multiModel) throw new AppError("conflict", `Endpoint ${row.name} serves one model per variant, not a set of models; create a multi-model endpoint for that.`);
  return row;
}

/** Adds a model to a multi-model endpoint; it loads on its first call. */
export async function addEndpointModel(db: Db, endpointId: string, input: EndpointModelInput, actor: Principal): Promise<EndpointView> {
  const row = await multiModelFor(db, endpointId, actor, "models:write");
  if (row.status === "Deleting") throw new AppError("conflict", `Endpoint ${row.name} is being deleted.`);
  const [model] = await resolveEndpointModels(db, row.projectId, row.production, [input], row.models, "models");
  await db.endpointModel.create({ data: { endpointId, ...model } });
  return endpointView(db, row);
}

/** Removes a model from a multi-model endpoint: calls naming it get 404 within a second, and the servers unload it. */
export async function removeEndpointModel(db: Db, endpointId: string, name: string, actor: Principal): Promise<EndpointView> {
  const row = await multiModelFor(db, endpointId, actor, "models:write");
  const model = row.models.find((m) => m.name === name);
  if (!model) throw new AppError("not_found", `Endpoint ${row.name} has no model named ${name}.`);
  await db.endpointModel.delete({ where: { id: model.id } });
  const folder = (await modelFolders(db, row.projectId, [model.modelVersionId])).get(model.modelVersionId);
  const ports = row.variants.flatMap((v) => v.replicaRows.filter((r) => r.status === "ready").map((r) => r.port));
  // Best effort: a server that misses this unloads the model when memory is needed.
  if (folder) await Promise.all(ports.map((port) => replicaCall(port, "DELETE", `/models/${folder}`).catch(() => null)));
  return endpointView(db, row);
}

/** Where the model servers find each version: its folder under the project's models (by version id). */
async function modelFolders(db: Db, projectId: string, versionIds: string[]): Promise<Map<string, string>> {
  const files = await db.modelVersionFile.findMany({ where: { versionId: { in: versionIds }, path: "studio-model.json" }, select: { versionId: true, storageKey: true } });
  return new Map(files.flatMap((f) => {
    const folder = modelFolderOf(projectId, f.storageKey);
    return folder ? [[f.versionId, folder] as const] : [];
  }));
}

const replicaReport = z.object({
  budgetBytes: z.number(),
  usedBytes: z.number(),
  loadedCount: z.number(),
  models: z.array(
    z.object({
      name: z.string(),
      loaded: z.boolean(),
      loading: z.boolean(),
      sizeBytes: z.number(),
      invocations: z.number(),
      hits: z.number(),
      loads: z.number(),
      unloads: z.number(),
      loadMsTotal: z.number(),
      lastLoadMs: z.number().nullable(),
      waitMsTotal: z.number(),
      lastUsed: z.number().nullable(),
      lastError: z.string().nullable(),
    }),
  ),
});

function replicaCall(port: number, method: "GET" | "DELETE", path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, timeout: 2_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/**
 * What the endpoint's model servers have in memory and what loading cost so far: asked of each
 * ready replica (a loopback call each), summed per model under the endpoint's model names.
 */
export async function endpointModelCache(db: Db, endpointId: string, actor: Principal): Promise<EndpointModelCache> {
  const row = await multiModelFor(db, endpointId, actor, "models:read");
  const folders = await modelFolders(db, row.projectId, row.models.map((m) => m.modelVersionId));
  const nameOfFolder = new Map(row.models.flatMap((m) => (folders.has(m.modelVersionId) ? [[folders.get(m.modelVersionId)!, m.name] as const] : [])));
  const ports = row.variants.flatMap((v) => v.replicaRows.filter((r) => r.status === "ready").map((r) => r.port));
  const reports = (await Promise.all(ports.map((port) => replicaCall(port, "GET", "/models").then((body) => replicaReport.safeParse(body), () => null)))).flatMap((r) => (r?.success ? [r.data] : []));
  const byName = new Map<string, EndpointModelCacheView & { loadMsTotal: number; waitMsTotal: number; misses: number }>();
  for (const m of row.models) {
    byName.set(m.name, { name: m.name, loadedOn: 0, loading: false, sizeBytes: 0, invocations: 0, hits: 0, loads: 0, unloads: 0, lastLoadMs: null, meanLoadMs: null, meanWaitMs: null, lastUsedAt: null, lastError: null, loadMsTotal: 0, waitMsTotal: 0, misses: 0 });
  }
  for (const report of reports) {
    for (const m of report.models) {
      const name = nameOfFolder.get(m.name);
      const into = name ? byName.get(name) : undefined;
      if (!into) continue; // a model removed since: its numbers go with it
      into.loadedOn += m.loaded ? 1 : 0;
      into.loading ||= m.loading;
      into.sizeBytes = Math.max(into.sizeBytes, m.sizeBytes);
      into.invocations += m.invocations;
      into.hits += m.hits;
      into.loads += m.loads;
      into.unloads += m.unloads;
      into.loadMsTotal += m.loadMsTotal;
      into.waitMsTotal += m.waitMsTotal;
      into.misses += m.invocations - m.hits;
      if (m.lastLoadMs !== null) into.lastLoadMs = m.lastLoadMs;
      if (m.lastUsed !== null && (!into.lastUsedAt || into.lastUsedAt < new Date(m.lastUsed * 1000).toISOString())) into.lastUsedAt = new Date(m.lastUsed * 1000).toISOString();
      into.lastError = m.lastError ?? into.lastError;
    }
  }
  return {
    memoryBudgetMb: row.memoryBudgetMb,
    replicas: reports.length,
    replicaUsage: reports.map((r) => ({ usedBytes: r.usedBytes, loadedCount: r.loadedCount })),
    models: [...byName.values()].map(({ loadMsTotal, waitMsTotal, misses, ...m }) => ({
      ...m,
      meanLoadMs: m.loads > 0 ? loadMsTotal / m.loads : null,
      meanWaitMs: misses > 0 ? waitMsTotal / misses : null,
    })),
  };
}
