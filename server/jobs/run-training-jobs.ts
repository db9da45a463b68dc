import "server-only";
import { KernelAPI, KernelConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";
import type { Db } from "@/server/db";
import { env } from "@/server/env";
import { describeNetworkError, serverSettings } from "@/server/hosts/gateway-client";
import { gatewayTargetOf } from "@/server/hosts/probe-host";
import { kernelEnv, studioUrlForHost } from "@/server/hosts/studio-url";
import { createScopedToken, revokeJobTokens } from "@/server/tokens/scoped-tokens";
import { finishJob } from "@/server/jobs/job-runtime";
import { jobInputsSchema } from "@/server/jobs/job-view";
import { terminalJobStatuses } from "@/server/jobs/job-schemas";

// The worker's side of training jobs. The job's code runs in a kernel on its compute host, started
// here, where `studio._runner` (kernels/sdk) downloads code and inputs, runs the code in a child
// process and reports everything itself over HTTP with sequence numbers and retries — so neither a
// worker restart nor a web restart loses a line. The worker only starts jobs, watches that their
// kernels live, enforces stop requests and time limits, retries, and cleans kernels up.

/**
 * Code the studio executes in a kernel it started: the studio's variables (gateways hand only
 * KERNEL_* variables to kernels) put back under their own names, then `call`.
 */
export const kernelBootstrap = (...call: string[]): string =>
  ["import os as _os", "for _k, _v in list(_os.environ.items()):", "    if _k.startswith('KERNEL_STUDIO_'):", "        _os.environ[_k[len('KERNEL_'):]] = _v", ...call].join("\n");

// What the studio executes in the job's kernel.
export const JOB_BOOTSTRAP = kernelBootstrap("from studio._runner import run_job as _run_job", "_run_job()");

const KERNEL_USERNAME = "studio";
const START_TIMEOUT_MS = 120_000;
/** A stopped job's runner has this long to stop its code and report before its kernel is killed. */
export const STOP_GRACE_MS = 30_000;
/** Without word from the runner for this long, the worker asks the host whether the kernel lives. */
export const SILENCE_MS = 30_000;
const KERNEL_CHECK_EVERY_MS = 10_000;
const MAX_STARTING_AT_ONCE = 4;

interface HostRow {
  id: string;
  name: string;
  url: string;
  tokenCiphertext: string | null;
  kind: string;
  enabled: boolean;
  status: string;
  statusReason: string | null;
  defaultKernel: string | null;
}

interface JobRow {
  id: string;
  projectId: string;
  name: string;
  status: string;
  statusReason: string | null;
  hostId: string | null;
  kernelName: string | null;
  kernelId: string | null;
  attempt: number;
  maxRetries: number;
  maxRuntimeSeconds: number;
  experimentId: string;
  runId: string | null;
  inputs: unknown;
  codeKey: string | null;
  createdById: string | null;
  startedAt: Date | null;
  stopRequestedAt: Date | null;
  lastHeartbeatAt: Date | null;
  waitingSince: Date | null;
  updatedAt: Date;
}

const starting = new Set<string>();
const lastKernelCheck = new Map<string, number>();
/** Connections to job kernels this worker started, to see a bootstrap that fails before the runner reports. */
const connections = new Map<string, Kernel.IKernelConnection>();

async function hostOf(db: Db, job: { hostId: string | null }): Promise<HostRow | null> {
  if (job.hostId) return db.computeHost.findUnique({ where: { id: job.hostId } });
  return db.computeHost.findFirst({ where: { kind: "local" } });
}

export interface TickOptions {
  now?: Date;
  /** How code on a host reaches the studio (tests point kernels at their own server). */
  studioUrlFor?: (host: { kind: string }) => string | null;
}

/** One pass: start pending jobs, watch active ones, clean up and retry ended ones. */
export async function tickTrainingJobs(db: Db, options: TickOptions = {}): Promise<void> {
  const now = options.now ?? new Date();
  const studioUrlFor = options.studioUrlFor ?? studioUrlForHost;
  const pending = await db.trainingJob.findMany({ where: { status: "pending", stopRequestedAt: null }, orderBy: { createdAt: "asc" }, take: 20 });
  for (const job of pending) {
    if (starting.has(job.id) || starting.size >= MAX_STARTING_AT_ONCE) continue;
    starting.add(job.id);
    startJob(db, job, now, studioUrlFor)
      .catch((error) => console.error(`[worker] starting job ${job.id} failed:`, error))
      .finally(() => starting.delete(job.id));
  }
  const active = await db.trainingJob.findMany({ where: { status: { in: ["starting", "running"] } } });
  for (const job of active) {
    if (starting.has(job.id)) continue;
    await watchJob(db, job, now).catch((error) => console.error(`[worker] watching job ${job.id} failed:`, error));
  }
  const ended = await db.trainingJob.findMany({ where: { status: { in: [...terminalJobStatuses] }, kernelId: { not: null } } });
  for (const job of ended) await releaseKernel(db, job).catch((error) => console.error(`[worker] cleaning up job ${job.id} failed:`, error));
  const retryable = await db.trainingJob.findMany({ where: { status: "failed", kernelId: null, stopRequestedAt: null } });
  for (const job of retryable) if (job.attempt <= job.maxRetries) await retry(db, job);
}

async function waitForHost(db: Db, job: JobRow, host: HostRow | null, why: string, now: Date): Promise<void> {
  const since = job.waitingSince ?? now;
  const limitMs = env().STUDIO_JOB_HOST_WAIT_SECONDS * 1000;
  if (now.getTime() - since.getTime() >= limitMs) {
    await finishJob(db, job.id, job.runId, { status: "failed", reason: `${why} The job waited ${Math.round(limitMs / 60_000)} min for it and gave up.`, exitCode: null, at: now });
    return;
  }
  await db.trainingJob.updateMany({
    where: { id: job.id, status: { in: ["pending", "starting"] } },
    data: { status: "pending", statusReason: `Waiting for ${host ? `host ${host.name}` : "a host"}: ${why}`, waitingSince: since, kernelId: null },
  });
}

async function startJob(db: Db, job: JobRow, now: Date, studioUrlFor: (host: { kind: string }) => string | null): Promise<void> {
  const host = await hostOf(db, job);
  if (!host) {
    await finishJob(db, job.id, job.runId, { status: "failed", reason: job.hostId ? "The job's compute host was removed. Clone the job and pick another host." : "There is no local compute host; pick a host for the job.", exitCode: null, at: now });
    return;
  }
  if (!host.enabled) return waitForHost(db, job, host, `host ${host.name} is disabled by an admin.`, now);
  if (host.status === "unreachable" || host.status === "auth_failed") return waitForHost(db, job, host, `${host.statusReason ?? "the host is unreachable."}`, now);
  const studioUrl = studioUrlFor(host);
  if (!studioUrl) {
    await finishJob(db, job.id, job.runId, { status: "failed", reason: `Code on host ${host.name} has no address to reach the studio: set STUDIO_PUBLIC_URL on the studio (e.g. https://studio.example.com).`, exitCode: null, at: now });
    return;
  }
  const claimed = await db.trainingJob.updateMany({
    where: { id: job.id, status: "pending", stopRequestedAt: null },
    data: { status: "starting", statusReason: `Starting a kernel on ${host.name}…`, lastHeartbeatAt: now },
  });
  if (claimed.count === 0) return;

  const runId = await ensureRun(db, job, host);
  if (!job.createdById) {
    await finishJob(db, job.id, runId, { status: "failed", reason: "The job's creator no longer exists; clone the job to run it again.", exitCode: null, at: now });
    return;
  }
  const token = await createScopedToken(db, {
    kind: "job",
    userId: job.createdById,
    projectId: job.projectId,
    jobId: job.id,
    name: `Training job ${job.name}`,
    // Long enough for the job, its uploads after the end and a day of studio downtime.
    ttlMs: (job.maxRuntimeSeconds + 86_400) * 1000,
  });
  const settings = serverSettings(gatewayTargetOf(host));
  const kernelName = job.kernelName ?? host.defaultKernel ?? "python3";
  const variables = kernelEnv({
    STUDIO_URL: studioUrl,
    STUDIO_TOKEN: token,
    STUDIO_PROJECT_ID: job.projectId,
    STUDIO_JOB_ID: job.id,
    STUDIO_JOB_ATTEMPT: String(job.attempt),
    STUDIO_RUN_ID: runId,
  });
  let model: KernelAPI.IModel;
  try {
    model = await startKernel(host, settings, kernelName, variables);
  } catch (error) {
    await revokeJobTokens(db, job.id);
    return waitForHost(db, { ...job, status: "starting" }, host, (error as Error).message, now);
  }
  await db.trainingJob.updateMany({ where: { id: job.id }, data: { kernelId: model.id, waitingSince: null, statusReason: `Kernel started on ${host.name}; the job runner is downloading code and inputs…` } });
  runBootstrap(db, job, host, model, settings);
}

/**
 * Starts a kernel on the host with the studio's variables (kernelEnv) in its environment; an
 * error's message says why in a sentence (`could not start a "python3" kernel: …`).
 */
export async function startKernel(host: { url: string }, settings: ReturnType<typeof serverSettings>, kernelName: string, variables: Record<string, string>): Promise<KernelAPI.IModel> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      KernelAPI.startNew({ name: kernelName, env: { ...variables, KERNEL_USERNAME } } as KernelAPI.IKernelOptions, settings),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the host did not start a kernel within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    const message = error instanceof Error && /fetch failed|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(`${error.message} ${String((error as { cause?: unknown }).cause)}`) ? describeNetworkError(host.url, error).message : (error as Error).message;
    throw new Error(`could not start a "${kernelName}" kernel: ${message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The job's run: one per job, kept across retries (each attempt's logs say which attempt they are). */
async function ensureRun(db: Db, job: JobRow, host: HostRow): Promise<string> {
  if (job.runId) {
    await db.run.updateMany({ where: { id: job.runId }, data: { status: "running", endedAt: null, hostId: host.id, hostName: host.name } });
    return job.runId;
  }
  const inputs = jobInputsSchema.parse(job.inputs);
  const versions = await db.datasetVersion.findMany({ where: { id: { in: inputs.map((i) => i.datasetVersionId) } }, select: { id: true, version: true, datasetId: true, dataset: { select: { name: true } } } });
  const lineage = inputs.flatMap((i) => {
    const v = versions.find((x) => x.id === i.datasetVersionId);
    return v ? [{ channel: i.channel, datasetId: v.datasetId, datasetVersionId: v.id, name: v.dataset.name, version: v.version }] : [];
  });
  const run = await db.run.create({
    data: {
      experimentId: job.experimentId,
      projectId: job.projectId,
      name: job.name,
      source: "job",
      jobId: job.id,
      hostId: host.id,
      hostName: host.name,
      inputs: lineage,
      codeKey: job.codeKey,
      createdById: job.createdById,
    },
    select: { id: true },
  });
  await db.trainingJob.update({ where: { id: job.id }, data: { runId: run.id } });
  return run.id;
}

/**
 * Executes bootstrap `code` in a kernel the worker started and calls `ended` when it returns, with
 * the reason if it raised (a missing studio SDK named as such, else `<what> failed on host …`), or
 * `lost` if the kernel died or restarted first. The connection is disposed after; `connected` keeps
 * it meanwhile (to dispose it earlier).
 */
export function executeBootstrap(
  model: KernelAPI.IModel,
  settings: ReturnType<typeof serverSettings>,
  host: { name: string },
  what: string,
  code: string,
  connected: Map<string, Kernel.IKernelConnection>,
  key: string,
  ended: (failure: string | null) => Promise<void>,
  lost?: (why: string) => Promise<void>,
): void {
  const connection = new KernelConnection({ model, serverSettings: settings, handleComms: false });
  connected.set(key, connection);
  let error: KernelMessage.IErrorMsg["content"] | null = null;
  const future = connection.requestExecute({ code, silent: false, store_history: false, allow_stdin: false, stop_on_error: true });
  future.onIOPub = (message) => {
    if (message.header.msg_type === "error") error = (message as KernelMessage.IErrorMsg).content;
  };
  future.done
    .then(async (reply) => {
      if (reply.content.status !== "error") return ended(null);
      const content = error ?? (reply.content as KernelMessage.IReplyErrorContent);
      const missingSdk = content.ename === "ModuleNotFoundError" && /studio/.test(content.evalue);
      await ended(
        missingSdk
          ? `The studio SDK is not installed on host ${host.name} (${content.evalue}). Install it there: pip install kernels/sdk (see kernels/README.md).`
          : `${what} failed on host ${host.name}: ${content.ename}: ${content.evalue}`,
      );
    }, (error: unknown) => lost?.((error as Error)?.message ?? String(error)))
    .catch(() => undefined)
    .finally(() => {
      connected.delete(key);
      connection.dispose();
    });
}

function runBootstrap(db: Db, job: JobRow, host: HostRow, model: KernelAPI.IModel, settings: ReturnType<typeof serverSettings>): void {
  executeBootstrap(model, settings, host, "The job runner", JOB_BOOTSTRAP, connections, job.id, async (failure) => {
    if (failure) await finishJob(db, job.id, job.runId, { status: "failed", reason: failure, exitCode: null, at: new Date() });
  });
}

async function shutdownKernel(db: Db, job: { hostId: string | null; kernelId: string | null }): Promise<void> {
  const host = await hostOf(db, job);
  if (!host || !job.kernelId) return;
  await KernelAPI.shutdownKernel(job.kernelId, serverSettings(gatewayTargetOf(host))).catch(() => undefined);
}

async function releaseKernel(db: Db, job: JobRow): Promise<void> {
  connections.get(job.id)?.dispose();
  connections.delete(job.id);
  await shutdownKernel(db, job);
  await db.trainingJob.updateMany({ where: { id: job.id }, data: { kernelId: null } });
  lastKernelCheck.delete(job.id);
}

async function watchJob(db: Db, job: JobRow, now: Date): Promise<void> {
  if (job.stopRequestedAt) {
    if (now.getTime() - job.stopRequestedAt.getTime() < STOP_GRACE_MS) return;
    // The runner did not stop in time (or cannot be reached): the kernel goes, with everything in it.
    const maxRuntime = job.statusReason?.startsWith("MaxRuntimeExceeded") ?? false;
    await finishJob(db, job.id, job.runId, { status: maxRuntime ? "failed" : "stopped", reason: job.statusReason, exitCode: null, at: now });
    return;
  }
  if (job.status === "running" && job.startedAt && now.getTime() - job.startedAt.getTime() > job.maxRuntimeSeconds * 1000) {
    await db.trainingJob.updateMany({
      where: { id: job.id, stopRequestedAt: null },
      data: { stopRequestedAt: now, statusReason: `MaxRuntimeExceeded: the job ran longer than its limit of ${job.maxRuntimeSeconds} s and was stopped.` },
    });
    return;
  }
  const heardAt = Math.max(job.lastHeartbeatAt?.getTime() ?? 0, job.updatedAt.getTime());
  if (now.getTime() - heardAt < SILENCE_MS) return;
  if (now.getTime() - (lastKernelCheck.get(job.id) ?? 0) < KERNEL_CHECK_EVERY_MS) return;
  lastKernelCheck.set(job.id, now.getTime());
  const host = await hostOf(db, job);
  if (!host || !job.kernelId) {
    await finishJob(db, job.id, job.runId, { status: "failed", reason: "The job's kernel was lost before its runner reported.", exitCode: null, at: now });
    return;
  }
  let model: KernelAPI.IModel | undefined;
  try {
    model = await KernelAPI.getKernelModel(job.kernelId, serverSettings(gatewayTargetOf(host)));
  } catch (error) {
    // The host does not answer: keep waiting for it, up to the limit.
    const since = job.waitingSince ?? now;
    const limitMs = env().STUDIO_JOB_HOST_WAIT_SECONDS * 1000;
    const why = describeNetworkError(host.url, error).message;
    if (now.getTime() - since.getTime() >= limitMs) {
      await finishJob(db, job.id, job.runId, { status: "failed", reason: `Lost contact with host ${host.name} for ${Math.round(limitMs / 60_000)} min: ${why}`, exitCode: null, at: now });
    } else {
      await db.trainingJob.updateMany({ where: { id: job.id }, data: { waitingSince: since, statusReason: `No word from host ${host.name}: ${why} Waiting for it…` } });
    }
    return;
  }
  if (job.waitingSince) await db.trainingJob.updateMany({ where: { id: job.id }, data: { waitingSince: null, statusReason: null } });
  // The runner keeps its kernel busy until it has reported; an idle or missing kernel means it is gone.
  if (!model) {
    await finishJob(db, job.id, job.runId, { status: "failed", reason: `The job's kernel on host ${host.name} is gone (killed, out of memory, or the host restarted) and its runner never reported an outcome.`, exitCode: null, at: now });
  } else if (model.execution_state === "idle" || model.execution_state === "dead") {
    await finishJob(db, job.id, job.runId, { status: "failed", reason: `The job's kernel on host ${host.name} died or was restarted (${model.execution_state}) before its runner reported an outcome.`, exitCode: null, at: now });
  }
}

async function retry(db: Db, job: JobRow): Promise<void> {
  const retried = await db.trainingJob.updateMany({
    where: { id: job.id, status: "failed", attempt: job.attempt, kernelId: null },
    data: {
      status: "pending",
      attempt: job.attempt + 1,
      statusReason: `Retry ${job.attempt} of ${job.maxRetries} after: ${job.statusReason ?? "a failure"}`.slice(0, 4_000),
      exitCode: null,
      endedAt: null,
      startedAt: null,
      waitingSince: null,
      lastHeartbeatAt: null,
    },
  });
  if (retried.count > 0 && job.runId) await db.run.updateMany({ where: { id: job.runId }, data: { status: "running", endedAt: null } });
}

/** Resolves once no job start begun by a pass is still in flight (tests). */
export async function jobStartsSettled(): Promise<void> {
  while (starting.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Worker shutdown: let go of kernel connections (the jobs themselves keep running on their hosts). */
export function disposeJobConnections(): void {
  for (const connection of connections.values()) connection.dispose();
  connections.clear();
}
