import "server-only";
import { KernelAPI, type Kernel } from "@jupyterlab/services";
import type { Db } from "@/server/db";
import { describeNetworkError, serverSettings } from "@/server/hosts/gateway-client";
import { gatewayTargetOf } from "@/server/hosts/probe-host";
import { kernelEnv, studioUrlForHost } from "@/server/hosts/studio-url";
import { createScopedToken, revokeJobTokens } from "@/server/tokens/scoped-tokens";
import { executeBootstrap, kernelBootstrap, startKernel } from "@/server/jobs/run-training-jobs";
import { nextRoundAt } from "@/lib/labeling/auto-labeling";

// The worker's side of automated labeling. For each in-progress job with it enabled: once enough
// human labels are in (lib/labeling/auto-labeling.ts nextRoundAt) a round is recorded, a kernel is
// started for it on the job's compute host (the local host unless the job names one), and
// `studio.autolabel.run_round()` (kernels/sdk) runs there: it reads the round's items over HTTP
// with the round's own token, trains, picks the threshold on validation and sends its report and
// predictions back (server/labeling/auto-labeling-rounds.ts). The model is never trained in the
// web or worker process. No usable host → the round waits with the reason and is retried; a
// failure of the code → the round fails with the reason (people keep labeling; the next round
// comes when the human labels have grown again). The worker shuts a round's kernel down once the
// round has ended, and fails a round whose kernel is gone without a report.

export const ROUND_BOOTSTRAP = kernelBootstrap("from studio.autolabel import run_round as _run_round", "_run_round()");
/** A round whose kernel could not be started tries again after this long. */
const RETRY_START_MS = 15_000;
/** A round's kernel that this process does not hold (a worker restart) is looked at this often. */
const KERNEL_CHECK_EVERY_MS = 10_000;
/** A round still training after this long is failed (and its kernel shut down). */
export const ROUND_TIME_LIMIT_MS = 2 * 3_600_000;
const TOKEN_TTL_MS = ROUND_TIME_LIMIT_MS + 86_400_000;

const starting = new Set<string>();
const lastStartAttempt = new Map<string, number>();
const lastKernelCheck = new Map<string, number>();
/** Connections to the kernels of rounds this process started (to see code that fails before it reports). */
const connections = new Map<string, Kernel.IKernelConnection>();

export interface AutoLabelTickOptions {
  now?: Date;
  /** How code on a host reaches the studio (tests point kernels at their own server). */
  studioUrlFor?: (host: { kind: string }) => string | null;
}

interface RoundRow {
  id: string;
  jobId: string;
  number: number;
  status: string;
  hostId: string | null;
  kernelId: string | null;
  startedAt: Date | null;
}

async function endRound(db: Db, roundId: string, status: "failed" | "completed", reason: string, now: Date): Promise<void> {
  await db.labelingRound.updateMany({ where: { id: roundId, status: { in: ["waiting", "training"] } }, data: { status, statusReason: reason.slice(0, 4_000), endedAt: now } });
  await revokeJobTokens(db, roundId, "labeling");
}

/** One pass: record rounds that are due, start waiting ones, watch training ones, clean up ended ones. */
export async function tickAutoLabeling(db: Db, options: AutoLabelTickOptions = {}): Promise<void> {
  const now = options.now ?? new Date();
  const studioUrlFor = options.studioUrlFor ?? studioUrlForHost;
  const jobs = await db.labelingJob.findMany({
    where: { autoLabel: true, status: "in_progress" },
    select: { id: true, itemCount: true, unreadableCount: true, consolidatedCount: true, machineLabeledCount: true, autoLabelMinHumanLabels: true, autoLabelRetrainGrowth: true, rounds: { orderBy: { number: "desc" }, take: 1, select: { number: true, status: true, humanLabels: true } } },
  });
  for (const job of jobs) {
    const last = job.rounds[0] ?? null;
    if (last && (last.status === "waiting" || last.status === "training")) continue;
    const human = job.consolidatedCount - job.machineLabeledCount;
    const unlabeled = job.itemCount - job.unreadableCount - job.consolidatedCount;
    if (unlabeled <= 0 || human < nextRoundAt({ minHumanLabels: job.autoLabelMinHumanLabels, retrainGrowth: job.autoLabelRetrainGrowth }, last?.humanLabels ?? null)) continue;
    // (jobId, number) is unique: a second worker pass recording the same round fails here harmlessly.
    await db.labelingRound.create({ data: { jobId: job.id, number: (last?.number ?? 0) + 1, humanLabels: human, statusReason: "Looking for a compute host…" } }).catch(() => undefined);
  }

  const waiting = await db.labelingRound.findMany({ where: { status: "waiting" }, orderBy: { createdAt: "asc" }, select: { id: true, jobId: true, number: true, status: true, hostId: true, kernelId: true, startedAt: true } });
  for (const round of waiting) {
    if (starting.has(round.id) || now.getTime() - (lastStartAttempt.get(round.id) ?? 0) < RETRY_START_MS) continue;
    starting.add(round.id);
    lastStartAttempt.set(round.id, now.getTime());
    startRound(db, round, now, studioUrlFor)
      .catch((error) => console.error(`[worker] starting labeling round ${round.id} failed:`, error))
      .finally(() => starting.delete(round.id));
  }

  const training = await db.labelingRound.findMany({ where: { status: "training" }, select: { id: true, jobId: true, number: true, status: true, hostId: true, kernelId: true, startedAt: true } });
  for (const round of training) {
    if (starting.has(round.id)) continue;
    await watchRound(db, round, now).catch((error) => console.error(`[worker] watching labeling round ${round.id} failed:`, error));
  }

  const ended = await db.labelingRound.findMany({ where: { status: { in: ["completed", "failed"] }, kernelId: { not: null } }, select: { id: true, hostId: true, kernelId: true } });
  for (const round of ended) {
    connections.get(round.id)?.dispose();
    connections.delete(round.id);
    lastStartAttempt.delete(round.id);
    lastKernelCheck.delete(round.id);
    await shutdownKernel(db, round);
    await db.labelingRound.updateMany({ where: { id: round.id }, data: { kernelId: null } });
  }
}

async function hostFor(db: Db, hostId: string | null) {
  return hostId ? db.computeHost.findUnique({ where: { id: hostId } }) : db.computeHost.findFirst({ where: { kind: "local" } });
}

async function shutdownKernel(db: Db, round: { hostId: string | null; kernelId: string | null }): Promise<void> {
  const host = round.hostId ? await db.computeHost.findUnique({ where: { id: round.hostId } }) : null;
  if (!host || !round.kernelId) return;
  await KernelAPI.shutdownKernel(round.kernelId, serverSettings(gatewayTargetOf(host))).catch(() => undefined);
}

async function startRound(db: Db, round: RoundRow, now: Date, studioUrlFor: (host: { kind: string }) => string | null): Promise<void> {
  const job = await db.labelingJob.findUniqueOrThrow({ where: { id: round.jobId }, select: { id: true, name: true, projectId: true, status: true, autoLabel: true, autoLabelHostId: true, createdById: true } });
  if (job.status !== "in_progress" || !job.autoLabel) return endRound(db, round.id, "failed", job.autoLabel ? `The labeling job is ${job.status.replace("_", " ")}.` : "Automated labeling was turned off.", now);
  if (!job.createdById) return endRound(db, round.id, "failed", "The job's creator no longer exists: the round's code acts for them.", now);
  const wait = (reason: string) => db.labelingRound.updateMany({ where: { id: round.id, status: "waiting" }, data: { statusReason: reason.slice(0, 4_000) } });
  const host = await hostFor(db, job.autoLabelHostId);
  if (!host) return void (await wait(job.autoLabelHostId ? "Waiting for a host: the job's compute host was removed." : "Waiting for a host: there is no local compute host (an admin registers one on the Hosts page)."));
  if (!host.enabled) return void (await wait(`Waiting for host ${host.name}: it is disabled by an admin.`));
  if (host.status === "unreachable" || host.status === "auth_failed") return void (await wait(`Waiting for host ${host.name}: ${host.statusReason ?? "it is unreachable."}`));
  const studioUrl = studioUrlFor(host);
  if (!studioUrl) return void (await wait(`Waiting for host ${host.name}: code there has no address to reach the studio (set STUDIO_PUBLIC_URL on the studio).`));
  const claimed = await db.labelingRound.updateMany({
    where: { id: round.id, status: "waiting" },
    data: { status: "training", hostId: host.id, hostName: host.name, startedAt: now, statusReason: `Starting a kernel on ${host.name}…` },
  });
  if (claimed.count === 0) return;
  const token = await createScopedToken(db, { kind: "labeling", userId: job.createdById, projectId: job.projectId, jobId: round.id, name: `Automated labeling of ${job.name}, round ${round.number}`, ttlMs: TOKEN_TTL_MS });
  const settings = serverSettings(gatewayTargetOf(host));
  let model: KernelAPI.IModel;
  try {
    model = await startKernel(host, settings, host.defaultKernel ?? "python3", kernelEnv({ STUDIO_URL: studioUrl, STUDIO_TOKEN: token, STUDIO_PROJECT_ID: job.projectId, STUDIO_LABELING_ROUND_ID: round.id }));
  } catch (error) {
    await revokeJobTokens(db, round.id, "labeling");
    await db.labelingRound.updateMany({ where: { id: round.id, status: "training" }, data: { status: "waiting", startedAt: null, statusReason: `Waiting for host ${host.name}: ${(error as Error).message}`.slice(0, 4_000) } });
    return;
  }
  const live = await db.labelingRound.updateMany({ where: { id: round.id, status: "training" }, data: { kernelId: model.id, statusReason: `Training on host ${host.name}…` } });
  if (live.count === 0) return void (await KernelAPI.shutdownKernel(model.id, settings).catch(() => undefined));
  // run_round reports its own outcome (then this changes nothing); otherwise it failed before or while reporting.
  executeBootstrap(model, settings, host, "The round's code", ROUND_BOOTSTRAP, connections, round.id, (failure) =>
    endRound(db, round.id, "failed", failure ?? `The round's code on host ${host.name} ended without reporting an outcome.`, new Date()),
  );
}

/** A training round this process does not hold a connection to: fail it if its kernel is gone or it ran too long. */
async function watchRound(db: Db, round: RoundRow, now: Date): Promise<void> {
  if (round.startedAt && now.getTime() - round.startedAt.getTime() > ROUND_TIME_LIMIT_MS) {
    return endRound(db, round.id, "failed", `The round ran longer than its limit of ${ROUND_TIME_LIMIT_MS / 3_600_000} h and was stopped.`, now);
  }
  if (connections.has(round.id)) return;
  if (now.getTime() - (lastKernelCheck.get(round.id) ?? 0) < KERNEL_CHECK_EVERY_MS) return;
  lastKernelCheck.set(round.id, now.getTime());
  const host = round.hostId ? await db.computeHost.findUnique({ where: { id: round.hostId } }) : null;
  if (!host || !round.kernelId) return endRound(db, round.id, "failed", "The round's kernel was lost before it reported (the worker restarted while starting it).", now);
  let model: KernelAPI.IModel | undefined;
  try {
    model = await KernelAPI.getKernelModel(round.kernelId, serverSettings(gatewayTargetOf(host)));
  } catch (error) {
    await db.labelingRound.updateMany({ where: { id: round.id, status: "training" }, data: { statusReason: `No word from host ${host.name}: ${describeNetworkError(host.url, error).message} Waiting for it…` } });
    return;
  }
  // The code keeps its kernel busy until it has reported; an idle or missing kernel means it is gone.
  if (!model || model.execution_state === "idle" || model.execution_state === "dead") {
    await endRound(db, round.id, "failed", `The round's kernel on host ${host.name} ${model ? `is ${model.execution_state}` : "is gone"} and its code never reported an outcome.`, now);
  }
}

/** Resolves once no round start begun by a pass is still in flight (tests). */
export async function roundStartsSettled(): Promise<void> {
  while (starting.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
}
