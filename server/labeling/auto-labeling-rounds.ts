import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { driverOf } from "@/server/db-driver";
import { revokeJobTokens } from "@/server/tokens/scoped-tokens";
import type { ConsolidatedLabel } from "@/server/labeling/consolidate";
import { validationShare, type RoundItemsPage, type RoundPredictions, type RoundReport, type RoundSpec } from "@/lib/labeling/auto-labeling";
import type { LabelDef, TaskType } from "@/lib/labeling/tasks";

// What a round of automated labeling's code on the compute host (kernels/sdk/studio/autolabel.py)
// calls, with the round's own token (kind "labeling", jobId = the round's id): the round's spec,
// pages of human-labeled items (training) and of unlabeled ones (candidates), the validation
// report with the threshold, batches of predictions, and the outcome. Everything is idempotent:
// the code re-sends what the studio did not acknowledge.
//
// Predictions at or above the round's threshold machine-label their item, but only an item no
// person holds or answered (status open, no slot taken): the conditional UPDATE and the queue's
// claim both take the row's lock (PostgreSQL) or the one write lock (SQLite), so a claim and a
// machine label never both win. Every other scored item gets the model's confidence as its queue
// priority: the least confident go to people first. Counters move in the same transaction.

async function roundFor(db: Db, roundId: string, principal: Principal) {
  const notFound = new AppError("not_found", "No round of automated labeling with that id.");
  if (principal.scope?.kind !== "labeling" || principal.scope.jobId !== roundId) throw notFound;
  const round = await db.labelingRound.findUnique({
    where: { id: roundId },
    include: { job: { select: { id: true, projectId: true, name: true, taskType: true, labels: true, autoLabelTargetAccuracy: true, consolidatedCount: true, machineLabeledCount: true } } },
  });
  if (!round || round.job.projectId !== principal.scope.projectId) throw notFound;
  return round;
}

async function liveRound(db: Db, roundId: string, principal: Principal) {
  const round = await roundFor(db, roundId, principal);
  if (round.status !== "training") throw new AppError("conflict", `Round ${round.number} is ${round.status}${round.statusReason ? `: ${round.statusReason}` : ""}; it takes no more reports.`);
  return round;
}

export async function getRoundSpec(db: Db, roundId: string, principal: Principal): Promise<RoundSpec> {
  const round = await liveRound(db, roundId, principal);
  return {
    id: round.id,
    number: round.number,
    jobName: round.job.name,
    taskType: round.job.taskType as TaskType,
    labels: (JSON.parse(round.job.labels) as LabelDef[]).map((l) => l.name),
    targetAccuracy: round.job.autoLabelTargetAccuracy,
    validationShare: validationShare(round.job.consolidatedCount - round.job.machineLabeledCount),
  };
}

/** A page (by seq) of the job's human-labeled items with their consolidated label, or of its unlabeled items. */
export async function listRoundItems(db: Db, roundId: string, query: { set: "training" | "candidates"; after?: number; limit: number }, principal: Principal): Promise<RoundItemsPage> {
  const round = await liveRound(db, roundId, principal);
  const where = query.set === "training" ? { status: "consolidated", humanAnnotated: true } : { status: { in: ["open", "full"] } };
  const rows = await db.labelingItem.findMany({
    where: { jobId: round.job.id, ...where, ...(query.after !== undefined ? { seq: { gt: query.after } } : {}) },
    orderBy: { seq: "asc" },
    take: query.limit,
    select: { id: true, seq: true, text: true, label: true },
  });
  return {
    items: rows.map((r) => {
      const label = query.set === "training" && r.label ? (JSON.parse(r.label) as ConsolidatedLabel) : null;
      return { id: r.id, seq: r.seq, text: r.text ?? "", ...(label && "label" in label ? { label: label.label } : {}) };
    }),
    next: rows.length === query.limit ? rows[rows.length - 1].seq : null,
  };
}

/** The validation report: split sizes, accuracy, and the threshold predictions are held to. */
export async function reportRound(db: Db, roundId: string, report: RoundReport, principal: Principal): Promise<{ ok: true }> {
  await liveRound(db, roundId, principal);
  await db.labelingRound.update({ where: { id: roundId }, data: { ...report, statusReason: "Scoring the unlabeled items…" } });
  return { ok: true };
}

/** Applies a batch of the model's predictions (see the top of this file). */
export async function applyPredictions(db: Db, roundId: string, input: RoundPredictions, principal: Principal, now = new Date()): Promise<{ scored: number; machineLabeled: number }> {
  const round = await liveRound(db, roundId, principal);
  if (round.trainSize === null) throw new AppError("conflict", "Report the validation results (POST …/report) before sending predictions.");
  const classes = (JSON.parse(round.job.labels) as LabelDef[]).length;
  const bad = input.predictions.findIndex((p) => p.label >= classes);
  if (bad >= 0) throw new AppError("validation_failed", `predictions.${bad}.label: label ${input.predictions[bad].label} does not exist (the job has ${classes} labels)`, { issues: [{ path: `predictions.${bad}.label`, message: "unknown label" }] });
  const threshold = round.threshold;
  const jobId = round.job.id;
  return driverOf(db).transaction(async (tx) => {
    let scored = 0;
    let labeled = 0;
    for (const p of input.predictions) {
      if (threshold !== null && p.confidence >= threshold) {
        const label: ConsolidatedLabel = { label: p.label, majority: { label: p.label, voteShare: 0, tied: false }, workers: 0, machine: { round: round.number } };
        const done = await tx.run(
          `UPDATE "LabelingItem" SET "status" = 'consolidated', "label" = ?, "confidence" = ?, "humanAnnotated" = ?, "consolidatedAt" = ?, "priority" = ? WHERE "id" = ? AND "jobId" = ? AND "status" = 'open' AND "assigned" = 0`,
          [JSON.stringify(label), p.confidence, false, now, p.confidence, p.id, jobId],
        );
        if (done) {
          labeled++;
          scored++;
          continue;
        }
      }
      scored += await tx.run(`UPDATE "LabelingItem" SET "priority" = ? WHERE "id" = ? AND "jobId" = ? AND "status" IN ('open', 'full')`, [p.confidence, p.id, jobId]);
    }
    if (labeled) {
      // A machine label counts as labeled and consolidated at once (consolidation waits for labeledCount > consolidatedCount).
      await tx.run(
        `UPDATE "LabelingJob" SET "machineLabeledCount" = "machineLabeledCount" + ?, "labeledCount" = "labeledCount" + ?, "consolidatedCount" = "consolidatedCount" + ?, "updatedAt" = ? WHERE "id" = ?`,
        [labeled, labeled, labeled, now, jobId],
      );
    }
    await tx.run(`UPDATE "LabelingRound" SET "scored" = "scored" + ?, "machineLabeled" = "machineLabeled" + ? WHERE "id" = ?`, [scored, labeled, roundId]);
    return { scored, machineLabeled: labeled };
  });
}

/** The round's outcome. A completed round may complete the job (the machine labeled the last items). */
export async function finishRound(db: Db, roundId: string, input: { status: "completed" | "failed"; reason?: string }, principal: Principal, now = new Date()): Promise<{ ok: true }> {
  const round = await roundFor(db, roundId, principal);
  if (round.status === "completed" || round.status === "failed") return { ok: true };
  const after = await db.labelingRound.findUniqueOrThrow({ where: { id: roundId }, select: { threshold: true, thresholdAccuracy: true, machineLabeled: true, scored: true } });
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const reason =
    input.status === "failed"
      ? `Training failed: ${input.reason?.trim() || "no reason given"}`
      : after.threshold === null
        ? `No confidence threshold reached ${pct(round.job.autoLabelTargetAccuracy)} on validation: nothing was machine-labeled; ${after.scored} items were put in order for people, least confident first.`
        : `Machine-labeled ${after.machineLabeled} items at confidence ≥ ${after.threshold.toFixed(3)} (${pct(after.thresholdAccuracy ?? 0)} accurate on validation); ${after.scored - after.machineLabeled} items go to people, least confident first.`;
  await db.labelingRound.updateMany({ where: { id: roundId, status: "training" }, data: { status: input.status, statusReason: reason.slice(0, 4_000), endedAt: now } });
  await revokeJobTokens(db, roundId, "labeling");
  const job = await db.labelingJob.findUniqueOrThrow({ where: { id: round.job.id }, select: { status: true, consolidatedCount: true, itemCount: true, unreadableCount: true } });
  if (job.status === "in_progress" && job.consolidatedCount >= job.itemCount - job.unreadableCount) {
    await db.labelingJob.updateMany({ where: { id: round.job.id, status: "in_progress" }, data: { status: "completed", statusReason: null } });
  }
  return { ok: true };
}
