import "server-only";
import { randomUUID } from "node:crypto";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { driverOf, type DriverTx } from "@/server/db-driver";
import { clampBox } from "@/lib/labeling/boxes";
import { answerKind, answerSchema, type Answer, type AnswerKind, type ClaimedItem, type LabelDef, type QueueState, type TaskType } from "@/lib/labeling/tasks";

// The labelers' queue. An item goes to at most workersPerItem labelers and never to the same one
// twice (one LabelingAssignment row per item and worker, ever). The next item is claimed in one
// write transaction (PostgreSQL: the candidate row locked FOR UPDATE SKIP LOCKED, so concurrent
// claims take different items without waiting; SQLite: BEGIN IMMEDIATE, one writer at a time)
// with a lease the browser's heartbeat renews; a lease that runs out, or a skip, frees the slot for
// someone else. Counters on the item and the job change in the same transaction, so nothing is
// ever counted by scanning items.

/** How long a claim lasts without a heartbeat (the page renews it every 20 s). */
export const LEASE_MS = 60_000;
/** Stale leases freed per claim (the worker's sweep frees the rest). */
const EXPIRE_BATCH = 100;

interface JobForQueue {
  id: string;
  name: string;
  projectId: string;
  taskType: TaskType;
  labels: LabelDef[];
  instructions: string;
  examples: QueueState["job"]["examples"];
  workersPerItem: number;
  taskTimeLimitSeconds: number;
  status: QueueState["job"]["status"];
}

/** The job, if `principal` is one of its labelers (others get not_found: job ids do not leak). */
export async function jobForWorker(db: Db, jobId: string, principal: Principal): Promise<JobForQueue> {
  const job = await db.labelingJob.findUnique({
    where: { id: jobId },
    select: {
      id: true,
      name: true,
      projectId: true,
      taskType: true,
      labels: true,
      instructions: true,
      examples: true,
      workersPerItem: true,
      taskTimeLimitSeconds: true,
      status: true,
      workers: { where: { userId: principal.id }, select: { userId: true } },
    },
  });
  if (!job || job.workers.length === 0 || (principal.scope && principal.scope.projectId !== job.projectId)) throw new AppError("not_found", "No labeling job of yours with that id.");
  return {
    ...job,
    taskType: job.taskType as TaskType,
    labels: JSON.parse(job.labels) as LabelDef[],
    examples: JSON.parse(job.examples) as QueueState["job"]["examples"],
    status: job.status as QueueState["job"]["status"],
  };
}

const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

interface AssignmentRow {
  id: string;
  itemId: string;
  acceptedAt: unknown;
  leaseExpiresAt: unknown;
  deadlineAt: unknown;
  seq: number;
  sourceRef: string | null;
  text: string | null;
  width: number | null;
  height: number | null;
}

function claimed(jobId: string, row: AssignmentRow): ClaimedItem {
  return {
    assignmentId: row.id,
    itemId: row.itemId,
    seq: Number(row.seq),
    text: row.text,
    imageUrl: row.sourceRef !== null ? `/api/labeling/jobs/${jobId}/items/${row.itemId}/image` : null,
    width: row.width === null ? null : Number(row.width),
    height: row.height === null ? null : Number(row.height),
    acceptedAt: date(row.acceptedAt).toISOString(),
    leaseExpiresAt: date(row.leaseExpiresAt).toISOString(),
    deadlineAt: date(row.deadlineAt).toISOString(),
  };
}

const ASSIGNMENT_COLUMNS = `a."id", a."itemId", a."acceptedAt", a."leaseExpiresAt", a."deadlineAt", i."seq", i."sourceRef", i."text", i."width", i."height"`;

/**
 * Frees the slots of leases that ran out (the item goes back to the pool; the worker never gets
 * it again). Runs inside a write transaction. Returns how many were freed.
 */
async function expireLeases(tx: DriverTx, now: Date, jobId: string | null, limit = EXPIRE_BATCH): Promise<number> {
  const stale = await tx.all<{ id: string; itemId: string; jobId: string }>(
    `SELECT "id", "itemId", "jobId" FROM "LabelingAssignment" WHERE "status" = 'active' AND "leaseExpiresAt" < ?${jobId ? ` AND "jobId" = ?` : ""} LIMIT ${limit}`,
    jobId ? [now, jobId] : [now],
  );
  for (const a of stale) {
    const changed = await tx.run(`UPDATE "LabelingAssignment" SET "status" = 'expired' WHERE "id" = ? AND "status" = 'active'`, [a.id]);
    if (changed) await freeSlot(tx, a.itemId);
  }
  return stale.length;
}

/** One slot of the item is free again (an expired or skipped claim). */
async function freeSlot(tx: DriverTx, itemId: string): Promise<void> {
  await tx.run(`UPDATE "LabelingItem" SET "assigned" = "assigned" - 1, "status" = CASE WHEN "status" = 'full' THEN 'open' ELSE "status" END WHERE "id" = ?`, [itemId]);
}

/** The worker's sweep: frees every lease that ran out, in batches. */
export async function expireAllLeases(db: Db, now = new Date()): Promise<number> {
  let total = 0;
  for (;;) {
    const freed = await driverOf(db).transaction((tx) => expireLeases(tx, now, null, 500));
    total += freed;
    if (freed < 500) return total;
  }
}

/**
 * The labeler's current item: the one they hold (a reload resumes it), else the next one claimed
 * for them. Null with a reason when there is nothing for them.
 */
export async function claimNext(db: Db, jobId: string, principal: Principal, now = new Date()): Promise<QueueState> {
  const job = await jobForWorker(db, jobId, principal);
  const mine = await myCounts(db, jobId, principal.id);
  const view = (item: ClaimedItem | null, reason: string | null): QueueState => ({
    job: { id: job.id, name: job.name, taskType: job.taskType, labels: job.labels, instructions: job.instructions, examples: job.examples, taskTimeLimitSeconds: job.taskTimeLimitSeconds, status: job.status },
    item,
    reason,
    mine,
  });
  if (job.status !== "in_progress") {
    const why = { preparing: "The job is still reading its dataset; items appear in a moment.", completed: "All done: every item of this job has its labels.", stopped: "The job was stopped by its owner.", failed: "The job failed to read its dataset." }[job.status as string];
    return view(null, why ?? `The job is ${job.status}.`);
  }
  const driver = driverOf(db);
  const row = await driver.transaction(async (tx) => {
    await expireLeases(tx, now, jobId);
    const held = await tx.all<AssignmentRow>(
      `SELECT ${ASSIGNMENT_COLUMNS} FROM "LabelingAssignment" a JOIN "LabelingItem" i ON i."id" = a."itemId" WHERE a."jobId" = ? AND a."workerId" = ? AND a."status" = 'active' AND a."leaseExpiresAt" >= ? ORDER BY a."acceptedAt" LIMIT 1`,
      [jobId, principal.id, now],
    );
    if (held[0]) return held[0];
    // The first open item (queue order: priority — automated labeling's least confident first —
    // then seq) this worker has never had.
    const lock = driver.dialect === "postgres" ? " FOR UPDATE OF i SKIP LOCKED" : "";
    const candidates = await tx.all<{ id: string; assigned: number }>(
      `SELECT i."id", i."assigned" FROM "LabelingItem" i WHERE i."jobId" = ? AND i."status" = 'open' AND NOT EXISTS (SELECT 1 FROM "LabelingAssignment" a WHERE a."itemId" = i."id" AND a."workerId" = ?) ORDER BY i."priority", i."seq" LIMIT 1${lock}`,
      [jobId, principal.id],
    );
    const item = candidates[0];
    if (!item) return null;
    const full = Number(item.assigned) + 1 >= job.workersPerItem;
    await tx.run(`UPDATE "LabelingItem" SET "assigned" = "assigned" + 1, "status" = ? WHERE "id" = ?`, [full ? "full" : "open", item.id]);
    const deadline = new Date(now.getTime() + job.taskTimeLimitSeconds * 1000);
    const lease = new Date(Math.min(now.getTime() + LEASE_MS, deadline.getTime()));
    const id = `la${randomUUID().replace(/-/g, "")}`;
    await tx.run(`INSERT INTO "LabelingAssignment" ("id", "jobId", "itemId", "workerId", "status", "acceptedAt", "leaseExpiresAt", "deadlineAt") VALUES (?, ?, ?, ?, 'active', ?, ?, ?)`, [
      id,
      jobId,
      item.id,
      principal.id,
      now,
      lease,
      deadline,
    ]);
    const [claimedRow] = await tx.all<AssignmentRow>(`SELECT ${ASSIGNMENT_COLUMNS} FROM "LabelingAssignment" a JOIN "LabelingItem" i ON i."id" = a."itemId" WHERE a."id" = ?`, [id]);
    return claimedRow;
  });
  if (row) return view(claimed(jobId, row), null);
  const left = await db.labelingItem.findFirst({ where: { jobId, status: { in: ["open", "full"] } }, select: { id: true } });
  return view(null, left ? "Every remaining item is being labeled by others or was already yours. Check back in a few minutes." : "All done: every item of this job has its labels.");
}

async function myCounts(db: Db, jobId: string, workerId: string): Promise<QueueState["mine"]> {
  const groups = await db.labelingAssignment.groupBy({ by: ["status"], where: { jobId, workerId, status: { in: ["submitted", "skipped"] } }, _count: { _all: true } });
  const of = (s: string) => groups.find((g) => g.status === s)?._count._all ?? 0;
  return { submitted: of("submitted"), skipped: of("skipped") };
}

interface HeldAssignment {
  id: string;
  itemId: string;
  status: string;
  acceptedAt: unknown;
  leaseExpiresAt: unknown;
  deadlineAt: unknown;
}

async function held(tx: DriverTx, jobId: string, assignmentId: string, workerId: string): Promise<HeldAssignment> {
  const [row] = await tx.all<HeldAssignment>(`SELECT "id", "itemId", "status", "acceptedAt", "leaseExpiresAt", "deadlineAt" FROM "LabelingAssignment" WHERE "id" = ? AND "jobId" = ? AND "workerId" = ?`, [
    assignmentId,
    jobId,
    workerId,
  ]);
  if (!row) throw new AppError("not_found", "No item of yours with that id in this job.");
  return row;
}

/** Whether the claim still holds; an expired one is marked so (its slot freed) and refused with why. */
async function requireLive(tx: DriverTx, row: HeldAssignment, now: Date): Promise<void> {
  if (row.status === "submitted") throw new AppError("conflict", "You already submitted this item; it was counted once.");
  if (row.status === "skipped") throw new AppError("conflict", "You skipped this item; it went back to the pool.");
  const lease = date(row.leaseExpiresAt);
  if (row.status === "expired" || lease < now) {
    if (row.status === "active") {
      await tx.run(`UPDATE "LabelingAssignment" SET "status" = 'expired' WHERE "id" = ?`, [row.id]);
      await freeSlot(tx, row.itemId);
    }
    const deadline = date(row.deadlineAt);
    const why = deadline <= lease ? `the task time limit ran out at ${deadline.toISOString()}` : `nothing renewed its claim after ${lease.toISOString()} (was the page closed or offline?)`;
    throw new AppError("conflict", `Your time on this item is over: ${why}. It went back to the pool and your answer was not counted; take the next item.`);
  }
}

/** The heartbeat: renews the lease (never past the task time limit). */
export async function renewLease(db: Db, jobId: string, assignmentId: string, principal: Principal, now = new Date()): Promise<{ leaseExpiresAt: string }> {
  await jobForWorker(db, jobId, principal);
  return driverOf(db).transaction(async (tx) => {
    const row = await held(tx, jobId, assignmentId, principal.id);
    await requireLive(tx, row, now);
    const lease = new Date(Math.min(now.getTime() + LEASE_MS, date(row.deadlineAt).getTime()));
    await tx.run(`UPDATE "LabelingAssignment" SET "leaseExpiresAt" = ? WHERE "id" = ?`, [lease, row.id]);
    return { leaseExpiresAt: lease.toISOString() };
  });
}

const answerShapes: Record<AnswerKind, string> = {
  label: "{ label }, exactly one label",
  labels: "{ labels: [...] }, any number of labels",
  boxes: "{ boxes: [{ classId, left, top, width, height }] } in image pixels",
  spans: "{ spans: [{ start, end, label }] }, character offsets into the text",
};

const invalid = (message: string, what = "is not valid") => new AppError("validation_failed", `answer: ${message}`, { issues: [{ path: "answer", message: what }] });

/** What an answer is checked against besides the job: the image's size, the text. */
export interface AnswerContext {
  width: number | null;
  height: number | null;
  text: string | null;
}

/**
 * Checks an answer against the job's task, its label set and the item; the error names what is
 * wrong. Boxes that reach past the image are clamped to it; a box with no area, or none left inside
 * the image, is refused. Spans must lie inside the text and not overlap.
 */
export function checkAnswer(taskType: TaskType, labels: LabelDef[], raw: unknown, item: AnswerContext): Answer {
  const kind = answerKind(taskType);
  const parsed = answerSchema.safeParse(raw);
  if (!parsed.success || !(kind in parsed.data)) throw invalid(`this job takes ${answerShapes[kind]}`, "wrong shape for this task");
  const answer = parsed.data;
  const name = (i: number) => labels[i]?.name ?? String(i);
  const unknown = (i: number) => invalid(`label ${i} does not exist (the job has ${labels.length} labels)`, "unknown label");
  if ("boxes" in answer) {
    const width = item.width ?? 0;
    const height = item.height ?? 0;
    const boxes = answer.boxes.map((raw, n) => {
      if (raw.classId >= labels.length) throw unknown(raw.classId);
      const what = `box ${n + 1} (${name(raw.classId)})`;
      if (raw.width <= 0 || raw.height <= 0) throw invalid(`${what} has no area (${raw.width} × ${raw.height}); draw it by dragging`);
      const { box } = clampBox(raw, width, height);
      if (box.width <= 0 || box.height <= 0) throw invalid(`${what} at ${raw.left}, ${raw.top} lies outside the ${width} × ${height} image`);
      return box;
    });
    return { boxes };
  }
  if ("spans" in answer) {
    const length = item.text?.length ?? 0;
    const spans = [...answer.spans].sort((a, b) => a.start - b.start || a.end - b.end);
    spans.forEach((span, n) => {
      if (span.label >= labels.length) throw unknown(span.label);
      if (span.end <= span.start || span.end > length) throw invalid(`entity ${span.start}–${span.end} (${name(span.label)}) is not inside the text (0–${length})`);
      const previous = spans[n - 1];
      if (previous && previous.end > span.start) throw invalid(`entities ${previous.start}–${previous.end} and ${span.start}–${span.end} overlap; mark each word once`);
    });
    return { spans };
  }
  const indices = "labels" in answer ? answer.labels : [answer.label];
  const bad = indices.find((i) => i >= labels.length);
  if (bad !== undefined) throw unknown(bad);
  return "labels" in answer ? { labels: [...new Set(answer.labels)].sort((a, b) => a - b) } : answer;
}

/** Submits the worker's answer: counted once, only while the claim holds. */
export async function submitAnswer(db: Db, jobId: string, assignmentId: string, rawAnswer: unknown, principal: Principal, now = new Date()): Promise<void> {
  const job = await jobForWorker(db, jobId, principal);
  const outcome = await driverOf(db).transaction(async (tx) => {
    const row = await held(tx, jobId, assignmentId, principal.id);
    const [context] = await tx.all<AnswerContext>(`SELECT "width", "height", "text" FROM "LabelingItem" WHERE "id" = ?`, [row.itemId]);
    const answer = checkAnswer(job.taskType, job.labels, rawAnswer, context);
    try {
      await requireLive(tx, row, now);
    } catch (error) {
      return error as AppError; // the expiry is written (commit), then reported
    }
    const spent = (now.getTime() - date(row.acceptedAt).getTime()) / 1000;
    await tx.run(`UPDATE "LabelingAssignment" SET "status" = 'submitted', "submittedAt" = ?, "timeSpentSeconds" = ?, "answer" = ? WHERE "id" = ? AND "status" = 'active'`, [
      now,
      spent,
      JSON.stringify(answer),
      row.id,
    ]);
    // One statement counts and reads back (the row stays locked to the end), so two last answers
    // arriving together cannot both think they were not the last.
    const [item] = await tx.all<{ submitted: number }>(`UPDATE "LabelingItem" SET "submitted" = "submitted" + 1 WHERE "id" = ? RETURNING "submitted"`, [row.itemId]);
    const complete = Number(item.submitted) >= job.workersPerItem;
    if (complete) await tx.run(`UPDATE "LabelingItem" SET "status" = 'labeled' WHERE "id" = ?`, [row.itemId]);
    await tx.run(`UPDATE "LabelingJob" SET "responseCount" = "responseCount" + 1${complete ? `, "labeledCount" = "labeledCount" + 1` : ""} WHERE "id" = ?`, [jobId]);
    return null;
  });
  if (outcome) throw outcome;
}

/** Skips the item: it goes back to the pool for others (never to this worker again). */
export async function skipItem(db: Db, jobId: string, assignmentId: string, principal: Principal, now = new Date()): Promise<void> {
  await jobForWorker(db, jobId, principal);
  const outcome = await driverOf(db).transaction(async (tx) => {
    const row = await held(tx, jobId, assignmentId, principal.id);
    try {
      await requireLive(tx, row, now);
    } catch (error) {
      return error as AppError;
    }
    await tx.run(`UPDATE "LabelingAssignment" SET "status" = 'skipped', "submittedAt" = ? WHERE "id" = ? AND "status" = 'active'`, [now, row.id]);
    await freeSlot(tx, row.itemId);
    return null;
  });
  if (outcome) throw outcome;
}
