import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { driverOf, type DriverTx } from "@/server/db-driver";
import { requireProjectPermission } from "@/server/projects/project-access";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { checkAnswer } from "@/server/labeling/queue";
import type { ConsolidatedLabel } from "@/server/labeling/consolidate";
import type { ReviewDecisionInput } from "@/server/labeling/exchange-schemas";
import type { ReviewState, ReviewStatus } from "@/lib/labeling/exchange";
import type { Answer, LabelDef, TaskType } from "@/lib/labeling/tasks";

// The review queue. When the worker consolidates an item, it goes to review if its confidence is
// below the job's threshold or if its workers disagreed; an imported label goes to review if its
// confidence is below the threshold. A reviewer (labeling:review in the project) sees the item,
// each worker's answer and the consolidated label, and accepts it or corrects it: either way the
// label is then a person's decision (human-annotated, confidence 1) with who decided and when. The
// backlog is a counter on the job, changed in the same transaction as the item.
//
// What "disagreed" and "corrected" mean depends on the task; each task type that can be reviewed
// has a ReviewKind (classification now; boxes and spans plug in here with their own).

interface ReviewKind {
  /** Whether the workers' answers to one item (JSON text, as stored) differ. */
  disagree(answers: string[]): boolean;
  /** The class ids a label names (for the reviewer's screen and the audit log). */
  classes(label: ConsolidatedLabel): number[];
  /** The label as the reviewer decided it (confidence 1), from the answer they gave. */
  decided(label: ConsolidatedLabel, answer: Answer): ConsolidatedLabel;
}

const classification: ReviewKind = {
  // Answers are stored normalised (one label, or sorted distinct labels): equal text, equal answer.
  disagree: (answers) => new Set(answers).size > 1,
  classes: (label) => ("labels" in label ? label.labels : "label" in label ? [label.label] : []),
  decided: (label, answer) => {
    if ("labels" in label && "labels" in answer) return { ...label, labels: answer.labels, confidenceMap: Object.fromEntries(answer.labels.map((c) => [String(c), 1])) };
    if ("label" in label && "label" in answer) return { ...label, label: answer.label };
    throw new AppError("validation_failed", "answer: wrong shape for this task");
  },
};

const reviewKinds: Partial<Record<TaskType, ReviewKind>> = {
  "text-classification": classification,
  "text-classification-multilabel": classification,
  "image-classification": classification,
  "image-classification-multilabel": classification,
};

function kindOf(taskType: TaskType): ReviewKind {
  const kind = reviewKinds[taskType];
  if (!kind) throw new AppError("validation_failed", `Items of ${taskType} jobs cannot be reviewed yet.`);
  return kind;
}

/**
 * Which items of a consolidation batch go to review: confidence below the threshold (with more
 * than one worker: one worker's confidence is 0 by SageMaker's convention and says nothing), or
 * workers whose answers differ. A threshold of 0 sends only disagreements.
 */
export function itemsForReview(
  taskType: TaskType,
  threshold: number,
  items: { itemId: string; confidence: number; workers: number | null }[],
  answers: { itemId: string; answer: string }[],
): string[] {
  const kind = reviewKinds[taskType];
  if (!kind) return [];
  const byItem = new Map<string, string[]>();
  for (const a of answers) byItem.set(a.itemId, [...(byItem.get(a.itemId) ?? []), a.answer]);
  return items.filter((i) => ((i.workers ?? 0) > 1 && i.confidence < threshold) || kind.disagree(byItem.get(i.itemId) ?? [])).map((i) => i.itemId);
}

/** Inside the consolidation's transaction: the items wait for review and join the job's backlog. */
export async function queueForReview(tx: DriverTx, jobId: string, itemIds: string[]): Promise<void> {
  let queued = 0;
  for (const id of itemIds) queued += await tx.run(`UPDATE "LabelingItem" SET "reviewStatus" = 'pending' WHERE "id" = ? AND "jobId" = ? AND "status" = 'consolidated' AND "reviewStatus" IS NULL`, [id, jobId]);
  if (queued) await tx.run(`UPDATE "LabelingJob" SET "reviewPendingCount" = "reviewPendingCount" + ? WHERE "id" = ?`, [queued, jobId]);
}

/** The job, for a reviewer of its project (others: not found, or forbidden for members without the permission). */
async function jobForReviewer(db: Db, jobId: string, principal: Principal) {
  const job = await db.labelingJob.findUnique({
    where: { id: jobId },
    select: { id: true, projectId: true, name: true, taskType: true, labels: true, reviewThreshold: true, reviewPendingCount: true, reviewedCount: true, status: true },
  });
  if (!job) throw new AppError("not_found", "No labeling job with that id.");
  await requireProjectPermission(db, job.projectId, principal, "labeling:review");
  return { ...job, taskType: job.taskType as TaskType, labels: JSON.parse(job.labels) as LabelDef[] };
}

const itemSelect = { id: true, seq: true, text: true, sourceRef: true, label: true, confidence: true, humanAnnotated: true } as const;

/**
 * The reviewer's screen: the pending item after `after` in queue order (or before `before`, for
 * going back), wrapping around at the ends; null when the backlog is empty.
 */
export async function reviewState(db: Db, jobId: string, principal: Principal, cursor: { after?: number; before?: number } = {}): Promise<ReviewState> {
  const job = await jobForReviewer(db, jobId, principal);
  const kind = kindOf(job.taskType);
  const pending = { jobId, reviewStatus: "pending" };
  const back = cursor.before !== undefined;
  const find = (bound: object) => db.labelingItem.findFirst({ where: { ...pending, ...bound }, orderBy: { seq: back ? "desc" : "asc" }, select: itemSelect });
  const row = (back ? await find({ seq: { lt: cursor.before } }) : cursor.after !== undefined ? await find({ seq: { gt: cursor.after } }) : null) ?? (await find({}));
  const view: ReviewState = {
    job: { id: job.id, name: job.name, taskType: job.taskType, labels: job.labels, reviewThreshold: job.reviewThreshold, status: job.status },
    item: null,
    pending: job.reviewPendingCount,
    reviewed: job.reviewedCount,
  };
  if (!row) return view;
  const label = JSON.parse(row.label!) as ConsolidatedLabel;
  const assignments = await db.labelingAssignment.findMany({
    where: { itemId: row.id, status: "submitted" },
    orderBy: { submittedAt: "asc" },
    select: { workerId: true, answer: true, submittedAt: true, timeSpentSeconds: true },
  });
  const workers = await db.user.findMany({ where: { id: { in: assignments.map((a) => a.workerId) } }, select: { id: true, name: true, email: true } });
  const answers = assignments.map((a) => {
    const worker = workers.find((w) => w.id === a.workerId);
    const answer = JSON.parse(a.answer!) as Answer;
    return {
      workerName: worker?.name ?? "(a deleted user)",
      workerEmail: worker?.email ?? null,
      labels: "labels" in answer ? answer.labels : "label" in answer ? [answer.label] : [],
      submittedAt: a.submittedAt?.toISOString() ?? null,
      timeSpentSeconds: a.timeSpentSeconds,
    };
  });
  const reasons: string[] = [];
  if (row.confidence !== null && row.confidence < job.reviewThreshold) reasons.push(`confidence ${row.confidence.toFixed(2)} is below the job's threshold of ${job.reviewThreshold}`);
  if (kind.disagree(assignments.map((a) => a.answer!))) reasons.push("the workers disagreed");
  view.item = {
    itemId: row.id,
    seq: row.seq,
    text: row.text,
    imageUrl: row.sourceRef !== null ? `/api/labeling/jobs/${jobId}/items/${row.id}/image` : null,
    labels: kind.classes(label),
    majority: "majority" in label && label.majority ? ("labels" in label.majority ? label.majority.labels : [label.majority.label]) : null,
    confidence: row.confidence,
    humanAnnotated: row.humanAnnotated,
    reasons,
    answers,
  };
  return view;
}

/**
 * A reviewer accepts the item's label or corrects it (a correction equal to the label counts as
 * accepting it). Either way the label becomes human-annotated with confidence 1, and the item
 * records who decided and when; a corrected label no longer carries an imported job's name and
 * date. An item someone else decided meanwhile is refused, naming them.
 */
export async function decideReview(db: Db, jobId: string, itemId: string, input: ReviewDecisionInput, principal: Principal, now = new Date()): Promise<{ status: ReviewStatus }> {
  const job = await jobForReviewer(db, jobId, principal);
  const kind = kindOf(job.taskType);
  const item = await db.labelingItem.findUnique({ where: { id: itemId }, select: { jobId: true, seq: true, label: true, width: true, height: true, text: true, reviewStatus: true, reviewerEmail: true, reviewedAt: true } });
  if (!item || item.jobId !== jobId) throw new AppError("not_found", "No item with that id in this job.");
  const decidedBy = () => `${item.reviewerEmail ?? "someone"}${item.reviewedAt ? ` at ${item.reviewedAt.toISOString()}` : ""}`;
  if (item.reviewStatus !== "pending") throw new AppError("conflict", item.reviewStatus ? `This item was already reviewed (${item.reviewStatus} by ${decidedBy()}).` : "This item is not waiting for review.");
  const before = JSON.parse(item.label!) as ConsolidatedLabel;
  const answer = input.decision === "correct" ? checkAnswer(job.taskType, job.labels, input.answer, item) : null;
  const sameClasses = (a: number[], b: number[]) => a.length === b.length && a.every((c, i) => c === b[i]);
  const corrected = answer !== null && !sameClasses(kind.classes(kind.decided(before, answer)), kind.classes(before));
  // Accepting is deciding the label as it stands.
  const current: Answer = "labels" in before ? { labels: before.labels } : "label" in before ? { label: before.label } : { labels: [] };
  const after = kind.decided(before, answer ?? current);
  const status: ReviewStatus = corrected ? "corrected" : "accepted";
  const changed = await driverOf(db).transaction(async (tx) => {
    const n = await tx.run(
      `UPDATE "LabelingItem" SET "reviewStatus" = ?, "label" = ?, "confidence" = 1, "humanAnnotated" = ?, "reviewedById" = ?, "reviewerEmail" = ?, "reviewedAt" = ?${corrected ? `, "origin" = NULL` : ""} WHERE "id" = ? AND "reviewStatus" = 'pending'`,
      [status, JSON.stringify(after), true, principal.id, principal.email, now, itemId],
    );
    if (n) await tx.run(`UPDATE "LabelingJob" SET "reviewPendingCount" = "reviewPendingCount" - 1, "reviewedCount" = "reviewedCount" + 1 WHERE "id" = ?`, [jobId]);
    return n;
  });
  if (!changed) {
    Object.assign(item, await db.labelingItem.findUnique({ where: { id: itemId }, select: { reviewStatus: true, reviewerEmail: true, reviewedAt: true } }));
    throw new AppError("conflict", `This item was already reviewed (${item.reviewStatus ?? "decided"} by ${decidedBy()}).`);
  }
  const names = (ids: number[]) => ids.map((c) => job.labels[c]?.name ?? String(c));
  await recordAuditEvent(db, {
    action: "labeling.review",
    actor: principal,
    target: { type: "labeling_item", id: itemId },
    detail: { job: job.name, item: item.seq + 1, decision: status, from: names(kind.classes(before)), to: names(kind.classes(after)) },
  });
  return { status };
}
