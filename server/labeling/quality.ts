import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { driverOf } from "@/server/db-driver";
import { agreementForJob } from "@/lib/labeling/agreement";
import { answerKind, type AnswerKind, type JobQuality } from "@/lib/labeling/tasks";
import { getLabelingJob } from "@/server/labeling/manage-jobs";

// A job's quality and throughput, from its workers' answers: agreement (Fleiss' kappa over items
// with the usual number of workers, Krippendorff's alpha over all, each labeler's kappa against the
// others' majority) and per labeler: answers, skips, time per item, items per hour on task. On a
// multi-label job every (item, label) pair is a yes/no rating: the statistics say how well labelers
// agree on whether each label applies.

/** Classification answers as ratings; multi-label ones as one yes/no rating per item and label. Boxes and entities have none. */
export function agreementRatings(kind: AnswerKind, classes: number, answers: { itemId: string; workerId: string; answer: string }[]): { itemId: string; workerId: string; label: number }[] {
  if (kind === "label") return answers.map((r) => ({ itemId: r.itemId, workerId: r.workerId, label: (JSON.parse(r.answer) as { label: number }).label }));
  if (kind !== "labels") return [];
  return answers.flatMap((r) => {
    const on = new Set((JSON.parse(r.answer) as { labels: number[] }).labels);
    return Array.from({ length: classes }, (_, c) => ({ itemId: `${r.itemId}:${c}`, workerId: r.workerId, label: on.has(c) ? 1 : 0 }));
  });
}

/** What a job keeps of its agreement at each consolidation (LabelingJob.agreement, JSON text). */
export interface StoredAgreement {
  fleissKappa: number | null;
  krippendorffAlpha: number | null;
  pairwiseAgreement: number | null;
  answers: number;
  at: string;
}

/** The job's agreement from these answers, to store; null for boxes and entities or without answers. */
export function storedAgreement(kind: AnswerKind, classes: number, answers: { itemId: string; workerId: string; answer: string }[], now: Date): StoredAgreement | null {
  const ratings = agreementRatings(kind, classes, answers);
  if (ratings.length === 0) return null;
  const a = agreementForJob(ratings);
  return { fleissKappa: a.fleiss.value, krippendorffAlpha: a.krippendorff.value, pairwiseAgreement: a.pairwiseAgreement, answers: answers.length, at: now.toISOString() };
}

export async function jobQuality(db: Db, jobId: string, principal: Principal): Promise<JobQuality> {
  const job = await getLabelingJob(db, jobId, principal);
  const rows = await driverOf(db).all<{ itemId: string; workerId: string; status: string; answer: string | null; timeSpentSeconds: number | null }>(
    `SELECT "itemId", "workerId", "status", "answer", "timeSpentSeconds" FROM "LabelingAssignment" WHERE "jobId" = ? AND "status" IN ('submitted', 'skipped')`,
    [jobId],
  );
  const submitted = rows.filter((r) => r.status === "submitted" && r.answer);
  const kind = answerKind(job.taskType);
  const ratings = agreementRatings(kind, job.labels.length, submitted as { itemId: string; workerId: string; answer: string }[]);
  const agreement = ratings.length === 0 ? null : agreementForJob(ratings);
  const names = new Map(job.workers.map((w) => [w.id, w.name]));
  const workerIds = [...new Set(rows.map((r) => r.workerId))];
  return {
    agreement: agreement
      ? {
          fleissKappa: agreement.fleiss.value,
          fleissReason: agreement.fleiss.reason,
          krippendorffAlpha: agreement.krippendorff.value,
          krippendorffReason: agreement.krippendorff.reason,
          pairwiseAgreement: agreement.pairwiseAgreement,
        }
      : null,
    agreementReason: kind === "boxes" || kind === "spans" ? "Boxes and entities are matched object by object: each one's confidence (workers who drew it × their overlap) is on the item." : submitted.length === 0 ? "No answers yet." : null,
    labelers: workerIds.map((id) => {
      const mine = rows.filter((r) => r.workerId === id);
      const done = mine.filter((r) => r.status === "submitted");
      const seconds = done.reduce((sum, r) => sum + Number(r.timeSpentSeconds ?? 0), 0);
      const stats = agreement?.workers.find((w) => w.workerId === id);
      return {
        id,
        name: names.get(id) ?? "(no longer on the job)",
        submitted: done.length,
        skipped: mine.length - done.length,
        meanSecondsPerItem: done.length ? seconds / done.length : null,
        itemsPerHour: seconds > 0 ? (done.length * 3600) / seconds : null,
        kappaVsOthers: stats?.kappaVsOthers.value ?? null,
        pairwiseAgreement: stats?.pairwiseAgreement ?? null,
      };
    }),
  };
}
