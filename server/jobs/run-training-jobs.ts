import "server-only";
import { KernelAPI } from "@jupyterlab/services";
import type { Db } from "@/server/db";
import { env } from "@/server/env";
import { describeNetworkError, serverSettings } from "@/server/hosts/gateway-client";
import { gatewayTargetOf } from "@/server/hosts/probe-host";
import { studioUrlForHost } from "@/server/hosts/studio-url";
import { runInKernel, sdkBootstrap, shutdownTaskKernel, startTaskKernel, taskFailure } from "@/server/hosts/kernel-task";
import { createScopedToken, revokeJobTokens } from "@/server/tokens/scoped-tokens";
import { finishJob } from "@/server/jobs/job-runtime";
import { jobInputsSchema } from "@/server/jobs/job-view";
import { terminalJobStatuses } from "@/server/jobs/job-schemas";

// The worker's side of training jobs. The job's code runs in a kernel on its compute host, started
// here, where `studio._runner` (kernels/sdk) downloads code and inputs, runs the code in a child
// process and reports everything itself over HTTP with sequence numbers and retries — so neither a
// worker restart nor a web restart loses a line. The worker only starts jobs, watches that their
// kernels live, enforces stop requests and time limits, retries, and cleans kernels up.

// What the studio executes in the job's kernel.
const JOB_BOOTSTRAP = sdkBootstrap("studio._runner", "run_job");

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
const connections = new Map<string, { dispose(): void }>();

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
  let model: KernelAPI.IModel;
  try {
    model = await startTaskKernel(host, job.kernelName, {
      STUDIO_URL: studioUrl,
      STUDIO_TOKEN: token,
      STUDIO_PROJECT_ID: job.projectId,
      STUDIO_JOB_ID: job.id,
      STUDIO_JOB_ATTEMPT: String(job.attempt),
      STUDIO_RUN_ID: runId,
    });
  } catch (error) {
    await revokeJobTokens(db, job.id);
    return waitForHost(db, { ...job, status: "starting" }, host, (error as Error).message, now);
  }
  await db.trainingJob.updateMany({ where: { id: job.id }, data: { kernelId: model.id, waitingSince: null, statusReason: `Kernel started on ${host.name}; the job runner is downloading code and inputs…` } });
  runBootstrap(db, job, host, model);
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

function runBootstrap(db: Db, job: JobRow, host: HostRow, model: KernelAPI.IModel): void {
  const task = runInKernel(host, model, JOB_BOOTSTRAP);
  connections.set(job.id, task);
  task.done
    .then(async ({ error }) => {
      if (!error) return;
      await finishJob(db, job.id, job.runId, { status: "failed", reason: taskFailure(host, "The job runner", error), exitCode: null, at: new Date() });
    })
    .catch(() => undefined)
    .finally(() => {
      connections.delete(job.id);
      task.dispose();
    });
}

async function shutdownKernel(db: Db, job: { hostId: string | null; kernelId: string | null }): Promise<void> {
  const host = await hostOf(db, job);
  if (!host || !job.kernelId) return;
  await shutdownTaskKernel(host, job.kernelId);
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
