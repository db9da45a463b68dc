import "server-only";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import type { Db } from "@/server/db";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import * as ort from "onnxruntime-node";
import { servedOnnx } from "@/server/endpoints/onnx-model";
// @ts-expect-error -- plain JavaScript shared with `npm start` (scripts/ run before node_modules exist); typed below.
import { freePort as untypedFreePort, modelServerLaunch as untypedModelServerLaunch } from "../../scripts/lib/processes.mjs";

// The worker's side of endpoints: it runs each variant's replicas as model server processes
// (python -m studio.serving) on loopback ports, in the kernel sandbox, and supervises them: a
// replica is "ready" once GET /ping answers; one that exits is restarted (with a growing pause);
// the endpoint is InService when every variant has a ready replica, Failed when a variant's
// servers keep dying before they ever answer. The web process routes requests to ready replicas.
// Replica processes are children of this worker: they end with it (bwrap --die-with-parent), and
// the next worker starts them again.

const modelServerLaunch = untypedModelServerLaunch as (options: { port: number; modelDir: string; workspace: string; env: NodeJS.ProcessEnv; memoryBudgetMb?: number }) => {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
};
const freePort = untypedFreePort as () => Promise<number>;

/** How long a scaled-in replica keeps serving requests already routed to it (the router refreshes every second). */
export const REPLICA_DRAIN_MS = 3_000;
/** Attempts to start a variant whose servers never answered, before the endpoint is Failed. */
export const MAX_START_FAILURES = 3;
const LOG_TAIL = 40;

interface Replica {
  id: string;
  variantId: string;
  endpointName: string;
  port: number;
  child: ChildProcess;
  ready: boolean;
  exited: boolean;
  /** Stopped on purpose (deleted, scaled in): its exit is not a failure. */
  stopping: boolean;
  /** Scaled in: out of the routing since then, stopped after REPLICA_DRAIN_MS. */
  drainingSince: number | null;
  log: string[];
  workspace: string;
}

interface VariantHealth {
  failures: number;
  everReady: boolean;
  nextStartAt: number;
  lastError: string | null;
}

interface LogLine {
  endpointId: string;
  variant: string;
  source: "server" | "studio";
  line: string;
  at: Date;
}

const shared = globalThis as unknown as { studioReplicas?: Map<string, Replica>; studioVariantHealth?: Map<string, VariantHealth>; studioEndpointLogs?: LogLine[] };
const replicas = (shared.studioReplicas ??= new Map());
const health = (shared.studioVariantHealth ??= new Map());
// Lines wait here until the next pass writes them (a chatty server costs one insert per second).
const pendingLogs = (shared.studioEndpointLogs ??= []);
/** Lines kept per endpoint. */
export const LOG_LINES_KEPT = 2_000;
const MAX_PENDING_LINES = 20_000;

export function logLine(endpointId: string, variant: string, source: LogLine["source"], line: string): void {
  if (pendingLogs.length >= MAX_PENDING_LINES) pendingLogs.shift();
  pendingLogs.push({ endpointId, variant, source, line: line.slice(0, 8_000), at: new Date() });
}

async function flushLogs(db: Db): Promise<void> {
  if (pendingLogs.length === 0) return;
  const lines = pendingLogs.splice(0, pendingLogs.length);
  const alive = new Set((await db.endpoint.findMany({ where: { id: { in: [...new Set(lines.map((l) => l.endpointId))] } }, select: { id: true } })).map((e) => e.id));
  const kept = lines.filter((l) => alive.has(l.endpointId));
  if (kept.length === 0) return;
  await db.endpointLog.createMany({ data: kept });
  for (const endpointId of new Set(kept.map((l) => l.endpointId))) {
    const cutoff = await db.endpointLog.findFirst({ where: { endpointId }, orderBy: { id: "desc" }, skip: LOG_LINES_KEPT, select: { id: true } });
    if (cutoff) await db.endpointLog.deleteMany({ where: { endpointId, id: { lte: cutoff.id } } });
  }
}

function healthOf(variantId: string): VariantHealth {
  return health.get(variantId) ?? { failures: 0, everReady: false, nextStartAt: 0, lastError: null };
}

function ping(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/ping", timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

function stopReplica(replica: Replica): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      rmSync(replica.workspace, { recursive: true, force: true });
      resolve();
    };
    if (replica.exited) return done();
    replica.stopping = true;
    replica.child.once("exit", done);
    try {
      process.kill(-replica.child.pid!, "SIGTERM");
    } catch {
      replica.child.kill("SIGTERM");
    }
    setTimeout(() => {
      if (!replica.exited) {
        try {
          process.kill(-replica.child.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }, 5_000).unref();
  });
}

/** Stops every model server this process runs (the worker's shutdown). */
export async function stopAllReplicas(): Promise<void> {
  await Promise.all([...replicas.values()].map(stopReplica));
  replicas.clear();
}

/** The endpoint as the worker sees it. */
interface SupervisedEndpoint {
  id: string;
  name: string;
  projectId: string;
  multiModel: boolean;
  memoryBudgetMb: number;
}

/** What a replica serves: one version's folder, or (multi-model) the project's folder of model folders. */
async function servedFolder(db: Db, store: ArtifactStore, endpoint: SupervisedEndpoint, variant: { modelVersionId: string | null }): Promise<{ modelDir: string; memoryBudgetMb?: number }> {
  if (endpoint.multiModel) {
    const root = store.localPath(`models/${endpoint.projectId}`);
    if (!root) throw new Error("the project's models are not on this machine (a remote artifact store is not served yet)");
    mkdirSync(root, { recursive: true });
    return { modelDir: root, memoryBudgetMb: endpoint.memoryBudgetMb };
  }
  const manifestFile = variant.modelVersionId ? await db.modelVersionFile.findFirst({ where: { versionId: variant.modelVersionId, path: "studio-model.json" }, select: { storageKey: true } }) : null;
  const manifestPath = manifestFile ? store.localPath(manifestFile.storageKey) : null;
  if (!manifestPath) throw new Error("the model version's files are not on this machine (a remote artifact store is not served yet)");
  return { modelDir: path.dirname(manifestPath) };
}

async function startReplica(db: Db, store: ArtifactStore, endpoint: SupervisedEndpoint, variant: { id: string; name: string; modelVersionId: string | null }): Promise<void> {
  const endpointName = endpoint.name;
  const served = await servedFolder(db, store, endpoint, variant);
  const port = await freePort();
  const row = await db.endpointReplica.create({ data: { variantId: variant.id, port, status: "starting" } });
  const workspace = path.join(process.cwd(), "data", "serving", row.id);
  mkdirSync(workspace, { recursive: true, mode: 0o700 });
  const launch = modelServerLaunch({ port, ...served, workspace, env: process.env });
  logLine(endpoint.id, variant.name, "studio", `Starting a model server for ${variant.name} on port ${port}`);
  const child = spawn(launch.command, launch.args, { env: launch.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const replica: Replica = { id: row.id, variantId: variant.id, endpointName, port, child, ready: false, exited: false, stopping: false, drainingSince: null, log: [], workspace };
  replicas.set(row.id, replica);
  await db.endpointReplica.update({ where: { id: row.id }, data: { pid: child.pid ?? null } });
  const prefix = `[endpoint ${endpointName}/${variant.name}]`;
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      replica.log.push(line);
      if (replica.log.length > LOG_TAIL) replica.log.shift();
      logLine(endpoint.id, variant.name, "server", line);
      console.log(`${prefix} ${line}`);
    }
  };
  child.stdout?.on("data", onOutput);
  child.stderr?.on("data", onOutput);
  child.on("exit", (code, signal) => {
    replica.exited = true;
    replica.ready = false;
    rmSync(workspace, { recursive: true, force: true });
    if (replica.stopping) {
      logLine(endpoint.id, variant.name, "studio", `The model server on port ${port} stopped`);
      return;
    }
    const why = `The model server exited (${signal ?? `code ${code}`})${replica.log.length ? `: ${replica.log.slice(-8).join("\n")}` : ""}`;
    const state = healthOf(variant.id);
    state.failures += 1;
    state.lastError = why;
    // 1 s, 2 s, 4 s … up to a minute between attempts.
    state.nextStartAt = Date.now() + Math.min(60_000, 1_000 * 2 ** Math.min(state.failures - 1, 6));
    health.set(variant.id, state);
    logLine(endpoint.id, variant.name, "studio", `The model server on port ${port} exited (${signal ?? `code ${code}`}); starting another in ${Math.round((state.nextStartAt - Date.now()) / 1000)} s`);
    void db.endpointReplica
      .update({ where: { id: row.id }, data: { status: "failed", lastError: why.slice(0, 4_000) } })
      .catch(() => undefined /* deleted meanwhile */);
  });
}

const inProcessChecks = ((globalThis as unknown as { studioInProcessChecks?: Map<string, { error: string | null }> }).studioInProcessChecks ??= new Map());

/** Whether an ONNX variant's graph loads (with onnxruntime-node, as the web process will load it). */
async function checkInProcess(db: Db, store: ArtifactStore, endpointId: string, variant: { id: string; name: string; modelVersionId: string | null }): Promise<{ error: string | null }> {
  const known = inProcessChecks.get(variant.id);
  if (known) return known;
  const version = variant.modelVersionId ? await db.modelVersion.findUnique({ where: { id: variant.modelVersionId }, select: { onnx: true, files: { select: { path: true, storageKey: true } } } }) : null;
  const served = version ? servedOnnx(version, store) : null;
  let result: { error: string | null };
  if (!served) {
    result = { error: "the model version has no ONNX export to serve in-process" };
  } else {
    try {
      const session = await ort.InferenceSession.create(served.path, { intraOpNumThreads: 1 });
      await session.release();
      result = { error: null };
      logLine(endpointId, variant.name, "studio", `The ONNX model (${served.converter ?? "exported"}) loads: served in-process by the web server`);
    } catch (error) {
      result = { error: `the ONNX model does not load: ${(error as Error).message}` };
      logLine(endpointId, variant.name, "studio", `The ONNX model does not load: ${(error as Error).message}`);
    }
  }
  inProcessChecks.set(variant.id, result);
  return result;
}

interface SupervisedVariant {
  id: string;
  name: string;
  modelVersionId: string | null;
  replicas: number;
  runtime: string;
  state: string;
  shadow: boolean;
  createdAt: Date;
  replicaRows: { id: string; status: string }[];
}

/** Stops a variant's servers and forgets it (deleted endpoint, retired or rolled-back variant). */
async function dropVariant(variantId: string): Promise<void> {
  const mine = [...replicas.values()].filter((r) => r.variantId === variantId);
  await Promise.all(mine.map(stopReplica));
  for (const r of mine) replicas.delete(r.id);
  health.delete(variantId);
  inProcessChecks.delete(variantId);
  retiringSince.delete(variantId);
}

/**
 * Keeps one variant's replicas running: clears rows of dead servers, health-checks starting ones,
 * scales to the wanted count, restarts after a pause. Returns whether it serves, and why it cannot.
 */
async function superviseVariant(db: Db, store: ArtifactStore, endpoint: SupervisedEndpoint, variant: SupervisedVariant): Promise<{ ready: boolean; failure: string | null }> {
  if (variant.runtime === "onnx") {
    // Answered by the web process itself: here only checked to load, once.
    const check = await checkInProcess(db, store, endpoint.id, variant);
    return { ready: check.error === null, failure: check.error };
  }
  // Rows without a process here were left by an earlier worker (their servers ended with it),
  // and dead processes are cleared: both get replaced below.
  for (const row of variant.replicaRows) {
    const replica = replicas.get(row.id);
    if (!replica || replica.exited) {
      replicas.delete(row.id);
      await db.endpointReplica.delete({ where: { id: row.id } }).catch(() => undefined);
    }
  }
  for (const drained of [...replicas.values()].filter((r) => r.variantId === variant.id && r.drainingSince !== null && Date.now() - r.drainingSince >= REPLICA_DRAIN_MS)) {
    replicas.delete(drained.id);
    await stopReplica(drained);
    await db.endpointReplica.delete({ where: { id: drained.id } }).catch(() => undefined);
  }
  const live = [...replicas.values()].filter((r) => r.variantId === variant.id && !r.exited && r.drainingSince === null);
  for (const replica of live.filter((r) => !r.ready)) {
    if (await ping(replica.port)) {
      replica.ready = true;
      const state = healthOf(variant.id);
      health.set(variant.id, { ...state, everReady: true, failures: 0 });
      logLine(endpoint.id, variant.name, "studio", `The model server on port ${replica.port} answers its health check: ready`);
      await db.endpointReplica.update({ where: { id: replica.id }, data: { status: "ready", readyAt: new Date() } });
    }
  }
  // Scale to the wanted count: extra servers stop (a ready one drains first: out of the routing,
  // then stopped once requests already sent had time to finish); missing ones start (after a
  // pause if they keep dying).
  for (const extra of live.slice(variant.replicas)) {
    if (extra.ready) {
      extra.drainingSince = Date.now();
      extra.ready = false;
      logLine(endpoint.id, variant.name, "studio", `Scaling in: the model server on port ${extra.port} takes no new requests and stops in ${REPLICA_DRAIN_MS / 1000} s`);
      await db.endpointReplica.update({ where: { id: extra.id }, data: { status: "draining" } }).catch(() => undefined);
      continue;
    }
    replicas.delete(extra.id);
    await stopReplica(extra);
    await db.endpointReplica.delete({ where: { id: extra.id } }).catch(() => undefined);
  }
  live.splice(variant.replicas);
  const state = health.get(variant.id);
  const missing = variant.replicas - Math.min(live.length, variant.replicas);
  if (missing > 0 && (!state || Date.now() >= state.nextStartAt) && !(state && !state.everReady && state.failures >= MAX_START_FAILURES)) {
    for (let i = 0; i < missing; i++) {
      try {
        await startReplica(db, store, endpoint, variant);
      } catch (error) {
        const s = healthOf(variant.id);
        health.set(variant.id, { ...s, failures: s.failures + 1, lastError: (error as Error).message, nextStartAt: Date.now() + 5_000 });
        logLine(endpoint.id, variant.name, "studio", `Could not start a model server: ${(error as Error).message}`);
      }
    }
  }
  const now = health.get(variant.id);
  const failure = now && !now.everReady && now.failures >= MAX_START_FAILURES ? (now.lastError ?? "its model server did not start") : null;
  return { ready: live.some((r) => r.ready), failure };
}

/** How long a replaced variant keeps its servers after the switch, for requests already on their way. */
export const DRAIN_MS = 10_000;
/** An update whose new variants are not all ready by then is rolled back. */
export const UPDATE_TIMEOUT_MS = 5 * 60_000;
const retiringSince = ((globalThis as unknown as { studioRetiring?: Map<string, number> }).studioRetiring ??= new Map());

/**
 * One pass: removes deleted endpoints' servers; supervises every variant's replicas; finishes
 * updates (all new variants ready → they take the traffic in one transaction and the replaced
 * ones drain and stop; a new variant that cannot start → the update is rolled back and the old
 * variants keep serving); sets each endpoint's status from its variants'.
 */
export async function tickEndpoints(db: Db, store: ArtifactStore): Promise<void> {
  const deleting = await db.endpoint.findMany({ where: { status: "Deleting" }, select: { id: true, variants: { select: { id: true } } } });
  for (const endpoint of deleting) {
    for (const v of endpoint.variants) await dropVariant(v.id);
    await db.endpoint.delete({ where: { id: endpoint.id } }).catch(() => undefined);
  }

  const endpoints = await db.endpoint.findMany({
    where: { status: { in: ["Creating", "InService", "Updating", "Failed"] } },
    select: {
      id: true,
      name: true,
      projectId: true,
      multiModel: true,
      memoryBudgetMb: true,
      status: true,
      statusReason: true,
      variants: { orderBy: { createdAt: "asc" }, select: { id: true, name: true, modelVersionId: true, replicas: true, runtime: true, state: true, shadow: true, createdAt: true, replicaRows: { select: { id: true, status: true } } } },
    },
  });
  for (const endpoint of endpoints) {
    let allReady = true;
    let failedReason: string | null = null;
    const pending: { variant: SupervisedVariant; ready: boolean; failure: string | null }[] = [];
    for (const variant of endpoint.variants) {
      if (variant.state === "retiring") {
        // Out of the routing since the switch: stopped once requests already sent had time to finish.
        const since = retiringSince.get(variant.id) ?? Date.now();
        retiringSince.set(variant.id, since);
        if (Date.now() - since >= DRAIN_MS) {
          await dropVariant(variant.id);
          await db.endpointVariant.delete({ where: { id: variant.id } }).catch(() => undefined);
          logLine(endpoint.id, variant.name, "studio", `The replaced variant ${variant.name} drained and stopped`);
        }
        continue;
      }
      const result = await superviseVariant(db, store, endpoint, variant);
      if (variant.state === "pending") {
        pending.push({ variant, ...result });
        continue;
      }
      if (!result.ready) allReady = false;
      if (result.failure) failedReason = `Variant ${variant.name}: ${result.failure}`;
    }

    if (pending.length > 0) {
      const failed = pending.find((p) => p.failure) ?? (Date.now() - Math.min(...pending.map((p) => p.variant.createdAt.getTime())) > UPDATE_TIMEOUT_MS ? pending.find((p) => !p.ready) : undefined);
      if (failed) {
        const why = `Update rolled back: variant ${failed.variant.name} ${failed.failure ? `failed its health checks (${failed.failure})` : `was not ready within ${UPDATE_TIMEOUT_MS / 60_000} minutes`}; the previous variants keep serving.`;
        for (const p of pending) await dropVariant(p.variant.id);
        await db.$transaction([
          db.endpointVariant.deleteMany({ where: { endpointId: endpoint.id, state: "pending" } }),
          db.endpointVariant.updateMany({ where: { endpointId: endpoint.id, state: "superseded" }, data: { state: "active" } }),
          db.endpoint.update({ where: { id: endpoint.id }, data: { status: allReady ? "InService" : "Creating", statusReason: why.slice(0, 4_000) } }),
        ]);
        logLine(endpoint.id, failed.variant.name, "studio", why);
        continue;
      }
      if (pending.every((p) => p.ready)) {
        // The switch: one transaction, so the router's next refresh sees only the new set.
        await db.$transaction([
          db.endpointVariant.updateMany({ where: { endpointId: endpoint.id, state: "superseded" }, data: { state: "retiring" } }),
          db.endpointVariant.updateMany({ where: { endpointId: endpoint.id, state: "pending" }, data: { state: "active" } }),
          db.endpoint.update({ where: { id: endpoint.id }, data: { status: "InService", statusReason: null } }),
        ]);
        for (const p of pending) logLine(endpoint.id, p.variant.name, "studio", `Update: variant ${p.variant.name} is ready and now ${p.variant.shadow ? "gets its copies of the requests" : "takes its traffic"}`);
        continue;
      }
      if (endpoint.status !== "Updating") await db.endpoint.update({ where: { id: endpoint.id }, data: { status: "Updating" } });
      continue;
    }
    const next = failedReason ? { status: "Failed", statusReason: failedReason.slice(0, 4_000) } : allReady ? { status: "InService", statusReason: endpoint.status === "InService" ? endpoint.statusReason : null } : null;
    if (next && (next.status !== endpoint.status || next.statusReason !== endpoint.statusReason)) {
      await db.endpoint.update({ where: { id: endpoint.id }, data: next });
    }
  }
  await flushLogs(db);
}
