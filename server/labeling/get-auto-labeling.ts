import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { getLabelingJob } from "@/server/labeling/manage-jobs";
import { nextRoundAt, type AutoLabelingView, type LabelingRoundView, type RoundStatus } from "@/lib/labeling/auto-labeling";

const ROUNDS_SHOWN = 50;

/** A job's automated labeling for its page: settings, machine- vs human-labeled counts (counters, no scan), what happens now, the rounds. */
export async function getAutoLabeling(db: Db, jobId: string, principal: Principal): Promise<AutoLabelingView> {
  await getLabelingJob(db, jobId, principal);
  const job = await db.labelingJob.findUniqueOrThrow({
    where: { id: jobId },
    select: {
      status: true,
      itemCount: true,
      unreadableCount: true,
      consolidatedCount: true,
      machineLabeledCount: true,
      autoLabel: true,
      autoLabelTargetAccuracy: true,
      autoLabelMinHumanLabels: true,
      autoLabelRetrainGrowth: true,
      autoLabelHostId: true,
      rounds: { orderBy: { number: "desc" }, take: ROUNDS_SHOWN },
    },
  });
  const host = job.autoLabelHostId ? await db.computeHost.findUnique({ where: { id: job.autoLabelHostId }, select: { name: true } }) : null;
  const human = job.consolidatedCount - job.machineLabeledCount;
  const unlabeled = job.itemCount - job.unreadableCount - job.consolidatedCount;
  const rounds: LabelingRoundView[] = job.rounds.map((r) => ({
    number: r.number,
    status: r.status as RoundStatus,
    statusReason: r.statusReason,
    humanLabels: r.humanLabels,
    hostName: r.hostName,
    trainSize: r.trainSize,
    validationSize: r.validationSize,
    validationAccuracy: r.validationAccuracy,
    threshold: r.threshold,
    thresholdAccuracy: r.thresholdAccuracy,
    thresholdSupport: r.thresholdSupport,
    scored: r.scored,
    machineLabeled: r.machineLabeled,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    endedAt: r.endedAt?.toISOString() ?? null,
  }));
  const last = rounds[0] ?? null;
  const state = ((): AutoLabelingView["state"] => {
    if (!job.autoLabel) return { kind: "off", message: "Automated labeling is off for this job: people label every item." };
    if (last?.status === "waiting") return { kind: "waiting_for_host", message: `Round ${last.number}: ${last.statusReason ?? "waiting for a compute host."}` };
    if (last?.status === "training") return { kind: "training", message: `Round ${last.number}: ${last.statusReason ?? `training on host ${last.hostName}…`}` };
    if (job.status !== "in_progress" || unlabeled <= 0) return { kind: "done", message: `No more rounds: ${unlabeled <= 0 ? "every item has its label" : `the job is ${job.status.replace("_", " ")}`}.` };
    const at = nextRoundAt({ minHumanLabels: job.autoLabelMinHumanLabels, retrainGrowth: job.autoLabelRetrainGrowth }, last?.humanLabels ?? null);
    const failed = last?.status === "failed" ? `Round ${last.number} failed (${last.statusReason}). ` : "";
    if (human < at) {
      const more = at - human;
      return { kind: "waiting_for_labels", message: `${failed}Waiting for ${more} more human label${more === 1 ? "" : "s"}: round ${(last?.number ?? 0) + 1} trains at ${at} human-labeled items (${human} so far).` };
    }
    return { kind: "idle", message: `${failed}Round ${(last?.number ?? 0) + 1} starts in a moment.` };
  })();
  return {
    enabled: job.autoLabel,
    targetAccuracy: job.autoLabelTargetAccuracy,
    minHumanLabels: job.autoLabelMinHumanLabels,
    retrainGrowth: job.autoLabelRetrainGrowth,
    hostName: host?.name ?? null,
    counts: { machineLabeled: job.machineLabeledCount, humanLabeled: human, unlabeled },
    state,
    rounds,
  };
}
