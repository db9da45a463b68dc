import "server-only";
import type { Db } from "@/server/db";
import { driverOf } from "@/server/db-driver";
import { consolidateMultiLabel, dawidSkene, majorityVote } from "@/lib/labeling/classification";
import { consolidateBoxes } from "@/lib/labeling/boxes";
import { consolidateSpans } from "@/lib/labeling/spans";
import { storedAgreement } from "@/server/labeling/quality";
import { answerKind, type BoxAnswerItem, type SpanAnswerItem, type TaskType } from "@/lib/labeling/tasks";
import { itemsForReview, queueForReview } from "@/server/labeling/review";

// Consolidation of classification jobs: once an item has every answer it asked for, its label is
// inferred with Dawid–Skene (an EM model of each worker's reliability, fitted on every answer of
// the job so far), with the majority vote kept beside it. Multi-label jobs run it per class.
// Confidence is the posterior of the chosen label; with one worker per item it is 0, as SageMaker
// writes (one answer says nothing about its own reliability).
// Boxes are matched across workers by IoU (≥ 0.5) and averaged, entities clustered by overlap
// (Jaccard ≥ 0.5) with boundaries by mode and the label by majority (lib/labeling/boxes.ts,
// spans.ts); objects fewer than half the workers drew are dropped. Each object keeps its own
// confidence; the item's is the lowest of them (or, with no object kept, the share of workers who
// drew none), so one doubtful box makes the image doubtful.

/**
 * What an item's consolidated label holds (LabelingItem.label, JSON text). Majority and workers are
 * null when not known (labels imported from a Ground Truth manifest). A label made by automated
 * labeling's model has `machine` (the round) and no workers (its majority is its label).
 */
export type ConsolidatedLabel =
  | { label: number; majority: { label: number; voteShare: number; tied: boolean } | null; workers: number | null; machine?: { round: number } }
  | { labels: number[]; confidenceMap: Record<string, number>; majority: { labels: number[] } | null; workers: number | null }
  /** Whole pixels; each box's confidence. */
  | { boxes: (BoxAnswerItem & { confidence: number })[]; workers: number; dropped: number }
  | { spans: (SpanAnswerItem & { confidence: number })[]; workers: number; dropped: number };

/** An item's confidence from its objects' (boxes or entities): the lowest, or with none kept, the share of workers who marked none. */
function objectsConfidence(objects: { confidence: number }[], workers: number, emptyAnswers: number): number {
  return objects.length ? Math.min(...objects.map((o) => o.confidence)) : workers ? emptyAnswers / workers : 0;
}

/** Groups each item's answers (JSON text) by item. */
function byItem<T>(answers: { itemId: string; workerId: string; answer: string }[], wanted: Set<string>, pick: (answer: unknown) => T): Map<string, { workerId: string; value: T }[]> {
  const out = new Map<string, { workerId: string; value: T }[]>();
  for (const a of answers) {
    if (!wanted.has(a.itemId)) continue;
    const list = out.get(a.itemId) ?? [];
    list.push({ workerId: a.workerId, value: pick(JSON.parse(a.answer)) });
    out.set(a.itemId, list);
  }
  return out;
}

const BATCH = 500;

/** Consolidates the job's fully answered items; the job completes when every readable item has its label. */
export async function consolidateJob(db: Db, jobId: string, now = new Date()): Promise<number> {
  const job = await db.labelingJob.findUniqueOrThrow({ where: { id: jobId }, select: { taskType: true, labels: true, workersPerItem: true, itemCount: true, unreadableCount: true, consolidatedCount: true, status: true, reviewThreshold: true } });
  const pending = await db.labelingItem.findMany({ where: { jobId, status: "labeled" }, select: { id: true }, take: 50_000 });
  if (pending.length === 0) return 0;
  const classes = (JSON.parse(job.labels) as unknown[]).length;
  const driver = driverOf(db);
  const kind = answerKind(job.taskType as TaskType);
  // Classification fits each worker's reliability on all their answers; objects need only the items' own.
  const answers = await driver.all<{ itemId: string; workerId: string; answer: string }>(
    kind === "label" || kind === "labels"
      ? `SELECT "itemId", "workerId", "answer" FROM "LabelingAssignment" WHERE "jobId" = ? AND "status" = 'submitted'`
      : `SELECT a."itemId", a."workerId", a."answer" FROM "LabelingAssignment" a JOIN "LabelingItem" i ON i."id" = a."itemId" WHERE a."jobId" = ? AND a."status" = 'submitted' AND i."status" = 'labeled'`,
    [jobId],
  );
  const wanted = new Set(pending.map((p) => p.id));
  const labels = new Map<string, { label: ConsolidatedLabel; confidence: number }>();
  const single = job.workersPerItem === 1;
  if (kind === "boxes") {
    for (const [itemId, responses] of byItem(answers, wanted, (a) => (a as { boxes: BoxAnswerItem[] }).boxes)) {
      const result = consolidateBoxes(responses.map((r) => ({ workerId: r.workerId, boxes: r.value })));
      const boxes = result.boxes.map((b) => {
        const left = Math.round(b.left);
        const top = Math.round(b.top);
        return { classId: b.classId, left, top, width: Math.round(b.left + b.width) - left, height: Math.round(b.top + b.height) - top, confidence: single ? 0 : b.confidence };
      });
      const confidence = single ? 0 : objectsConfidence(boxes, result.workers, responses.filter((r) => r.value.length === 0).length);
      labels.set(itemId, { label: { boxes, workers: result.workers, dropped: result.dropped }, confidence });
    }
  } else if (kind === "spans") {
    for (const [itemId, responses] of byItem(answers, wanted, (a) => (a as { spans: SpanAnswerItem[] }).spans)) {
      const result = consolidateSpans(responses.map((r) => ({ workerId: r.workerId, spans: r.value.map((s) => ({ start: s.start, end: s.end, label: String(s.label) })) })));
      const spans = result.spans.map((s) => ({ start: s.start, end: s.end, label: Number(s.label), confidence: single ? 0 : s.confidence }));
      const confidence = single ? 0 : objectsConfidence(spans, result.workers, responses.filter((r) => r.value.length === 0).length);
      labels.set(itemId, { label: { spans, workers: result.workers, dropped: result.dropped }, confidence });
    }
  } else if (kind === "labels") {
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
  const forReview = new Set(itemsForReview(job.taskType as TaskType, job.reviewThreshold, entries.map(([itemId, l]) => ({ itemId, confidence: l.confidence, workers: l.label.workers })), answers));
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
      await queueForReview(tx, jobId, batch.map(([itemId]) => itemId).filter((id) => forReview.has(id)));
    });
  }
  const agreement = storedAgreement(kind, classes, answers, now);
  if (agreement) await db.labelingJob.update({ where: { id: jobId }, data: { agreement: JSON.stringify(agreement) } });
  const after = await db.labelingJob.findUniqueOrThrow({ where: { id: jobId }, select: { consolidatedCount: true, itemCount: true, unreadableCount: true, status: true } });
  if (after.status === "in_progress" && after.consolidatedCount >= after.itemCount - after.unreadableCount) {
    await db.labelingJob.update({ where: { id: jobId }, data: { status: "completed", statusReason: null } });
  }
  return entries.length;
}

/** How often a job's labels are refitted while labeling goes on (Dawid–Skene reads every answer of the job). */
export const REFIT_INTERVAL_MS = 10_000;
const lastFit = new Map<string, number>();

/**
 * The worker's pass: consolidates the jobs with newly labeled items — at once when they are the
 * job's last, or at least 1% of its items; else at most every REFIT_INTERVAL_MS, so a big job
 * under steady labeling is not refitted every few seconds.
 */
export async function consolidateLabeledItems(db: Db, now = Date.now()): Promise<void> {
  // The counters say which jobs have labeled items waiting (no scan of items).
  const jobs = await db.labelingJob.findMany({ where: { status: { in: ["in_progress", "stopped"] } }, select: { id: true, labeledCount: true, consolidatedCount: true, itemCount: true, unreadableCount: true } });
  for (const job of jobs) {
    const pending = job.labeledCount - job.consolidatedCount;
    if (pending <= 0) continue;
    const readable = job.itemCount - job.unreadableCount;
    const due = job.labeledCount >= readable || pending >= Math.max(1, Math.ceil(readable / 100)) || now - (lastFit.get(job.id) ?? 0) >= REFIT_INTERVAL_MS;
    if (!due) continue;
    lastFit.set(job.id, now);
    await consolidateJob(db, job.id);
  }
}
