import "server-only";
import type { Db } from "@/server/db";
import { driverOf } from "@/server/db-driver";
import { consolidateMultiLabel, dawidSkene, majorityVote } from "@/lib/labeling/classification";
import { isMultiLabel, type TaskType } from "@/lib/labeling/tasks";

// Consolidation of classification jobs: once an item has every answer it asked for, its label is
// inferred with Dawid–Skene (an EM model of each worker's reliability, fitted on every answer of
// the job so far), with the majority vote kept beside it. Multi-label jobs run it per class.
// Confidence is the posterior of the chosen label; with one worker per item it is 0, as SageMaker
// writes (one answer says nothing about its own reliability).

/**
 * What an item's consolidated label holds (LabelingItem.label, JSON text). A label made by
 * automated labeling's model has `machine` (the round) and no workers (its majority is its label).
 */
export type ConsolidatedLabel =
  | { label: number; majority: { label: number; voteShare: number; tied: boolean }; workers: number; machine?: { round: number } }
  | { labels: number[]; confidenceMap: Record<string, number>; majority: { labels: number[] }; workers: number };

const BATCH = 500;

/** Consolidates the job's fully answered items; the job completes when every readable item has its label. */
export async function consolidateJob(db: Db, jobId: string, now = new Date()): Promise<number> {
  const job = await db.labelingJob.findUniqueOrThrow({ where: { id: jobId }, select: { taskType: true, labels: true, workersPerItem: true, itemCount: true, unreadableCount: true, consolidatedCount: true, status: true } });
  const pending = await db.labelingItem.findMany({ where: { jobId, status: "labeled" }, select: { id: true }, take: 50_000 });
  if (pending.length === 0) return 0;
  const classes = (JSON.parse(job.labels) as unknown[]).length;
  const driver = driverOf(db);
  const answers = await driver.all<{ itemId: string; workerId: string; answer: string }>(`SELECT "itemId", "workerId", "answer" FROM "LabelingAssignment" WHERE "jobId" = ? AND "status" = 'submitted'`, [jobId]);
  const wanted = new Set(pending.map((p) => p.id));
  const labels = new Map<string, { label: ConsolidatedLabel; confidence: number }>();
  const single = job.workersPerItem === 1;
  if (isMultiLabel(job.taskType as TaskType)) {
    const responses = answers.map((a) => ({ itemId: a.itemId, workerId: a.workerId, labels: (JSON.parse(a.answer) as { labels: number[] }).labels }));
    const fitted = consolidateMultiLabel(responses, { classes });
    const majority = consolidateMultiLabel(responses, { classes, method: "majority" });
    const majorityOf = new Map(majority.items.map((m) => [m.itemId, m.labels]));
    for (const item of fitted.items) {
      if (!wanted.has(item.itemId)) continue;
      const confidence = single ? 0 : item.labels.length ? Math.min(...item.labels.map((c) => item.confidenceMap[String(c)] ?? 0)) : 1 - Math.max(0, ...item.presentProbability);
      labels.set(item.itemId, { label: { labels: item.labels, confidenceMap: single ? Object.fromEntries(item.labels.map((c) => [String(c), 0])) : item.confidenceMap, majority: { labels: majorityOf.get(item.itemId) ?? [] }, workers: item.workers }, confidence });
    }
  } else {
    const responses = answers.map((a) => ({ itemId: a.itemId, workerId: a.workerId, label: (JSON.parse(a.answer) as { label: number }).label }));
    const fitted = dawidSkene(responses, { classes });
    const votes = new Map(majorityVote(responses, { classes }).map((m) => [m.itemId, m]));
    for (const item of fitted.items) {
      if (!wanted.has(item.itemId)) continue;
      const vote = votes.get(item.itemId)!;
      // One answer per item: the answer is the label (Dawid–Skene's class priors, fitted over the
      // job, would otherwise overrule a lone worker's minority-class answers).
      labels.set(item.itemId, { label: { label: single ? vote.label : item.label, majority: { label: vote.label, voteShare: vote.voteShare, tied: vote.tied }, workers: item.workers }, confidence: single ? 0 : item.confidence });
    }
  }
  const entries = [...labels.entries()];
  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH);
    await driver.transaction(async (tx) => {
      let done = 0;
      for (const [itemId, { label, confidence }] of batch) {
        done += await tx.run(`UPDATE "LabelingItem" SET "status" = 'consolidated', "label" = ?, "confidence" = ?, "humanAnnotated" = ?, "consolidatedAt" = ? WHERE "id" = ? AND "status" = 'labeled'`, [
          JSON.stringify(label),
          confidence,
          true,
          now,
          itemId,
        ]);
      }
      await tx.run(`UPDATE "LabelingJob" SET "consolidatedCount" = "consolidatedCount" + ? WHERE "id" = ?`, [done, jobId]);
    });
  }
  const after = await db.labelingJob.findUniqueOrThrow({ where: { id: jobId }, select: { consolidatedCount: true, itemCount: true, unreadableCount: true, status: true } });
  if (after.status === "in_progress" && after.consolidatedCount >= after.itemCount - after.unreadableCount) {
    await db.labelingJob.update({ where: { id: jobId }, data: { status: "completed", statusReason: null } });
  }
  return entries.length;
}

/** The worker's pass: consolidates every job with newly labeled items. */
export async function consolidateLabeledItems(db: Db): Promise<void> {
  // The counters say which jobs have labeled items waiting (no scan of items).
  const jobs = await db.labelingJob.findMany({ where: { status: { in: ["in_progress", "stopped"] } }, select: { id: true, labeledCount: true, consolidatedCount: true } });
  for (const job of jobs) if (job.labeledCount > job.consolidatedCount) await consolidateJob(db, job.id);
}
