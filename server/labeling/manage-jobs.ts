import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { can, type Role } from "@/lib/roles";
import { jsonValue } from "@/server/db-driver";
import { projectIdsWhere, requireProjectPermission } from "@/server/projects/project-access";
import { userNames } from "@/server/users/user-names";
import type { DatasetProfile } from "@/server/datasets/dataset-profile";
import type { ConsolidatedLabel } from "@/server/labeling/consolidate";
import {
  defaultTaskTimeLimitSeconds,
  defaultWorkersPerItem,
  isTextTask,
  type CreateLabelingJobInput,
  type Examples,
  type LabelDef,
  type LabelingJobStatus,
  type LabelingItemView,
  type LabelingJobView,
  type TaskType,
} from "@/lib/labeling/tasks";

const jobInclude = {
  project: { select: { name: true } },
  datasetVersion: { select: { id: true, datasetId: true, version: true, dataset: { select: { name: true } } } },
  workers: { include: { user: { select: { id: true, name: true, email: true } } } },
} as const;

type JobRow = NonNullable<Awaited<ReturnType<typeof loadRow>>>;

function loadRow(db: Db, id: string) {
  return db.labelingJob.findUnique({ where: { id }, include: jobInclude });
}

async function toViews(db: Db, rows: JobRow[]): Promise<LabelingJobView[]> {
  const names = await userNames(db, rows.map((r) => r.createdById));
  return rows.map((row) => ({
    id: row.id,
    projectId: row.projectId,
    projectName: row.project.name,
    name: row.name,
    taskType: row.taskType as TaskType,
    datasetVersion: { id: row.datasetVersion.id, datasetId: row.datasetVersion.datasetId, datasetName: row.datasetVersion.dataset.name, version: row.datasetVersion.version },
    textField: row.textField,
    labelAttributeName: row.labelAttributeName,
    labels: JSON.parse(row.labels) as LabelDef[],
    instructions: row.instructions,
    examples: JSON.parse(row.examples) as Examples,
    workersPerItem: row.workersPerItem,
    taskTimeLimitSeconds: row.taskTimeLimitSeconds,
    status: row.status as LabelingJobStatus,
    statusReason: row.statusReason,
    counts: {
      items: row.itemCount,
      unreadable: row.unreadableCount,
      labeled: row.labeledCount,
      consolidated: row.consolidatedCount,
      responses: row.responseCount,
      responsesNeeded: (row.itemCount - row.unreadableCount) * row.workersPerItem,
    },
    review: { threshold: row.reviewThreshold, pending: row.reviewPendingCount, reviewed: row.reviewedCount },
    importFormat: row.importFormat as LabelingJobView["importFormat"],
    workers: row.workers.map((w) => ({ id: w.user.id, name: w.user.name, email: w.user.email })),
    createdBy: row.createdById ? (names.get(row.createdById) ?? null) : null,
    createdAt: row.createdAt.toISOString(),
  }));
}

const invalid = (path: string, message: string) => new AppError("validation_failed", `${path}: ${message}`, { issues: [{ path, message }] });

/**
 * Creates a labeling job on a dataset version of the project (texts: a CSV or JSON Lines file and
 * the column holding the text; images: a zip of images). The worker reads the dataset into items
 * (status preparing → in_progress); the chosen labelers then find it in their queue.
 */
export async function createLabelingJob(db: Db, projectId: string, input: CreateLabelingJobInput, actor: Principal): Promise<LabelingJobView> {
  await requireProjectPermission(db, projectId, actor, "labeling:manage");
  const version = await db.datasetVersion.findUnique({ where: { id: input.datasetVersionId }, select: { id: true, format: true, status: true, profile: true, version: true, dataset: { select: { projectId: true, name: true } } } });
  if (!version || version.dataset.projectId !== projectId) throw invalid("datasetVersionId", "names no dataset version of this project");
  const label = `${version.dataset.name} version ${version.version}`;
  if (version.status !== "ready") throw invalid("datasetVersionId", `${label} is ${version.status}: label a ready version`);
  const text = isTextTask(input.taskType);
  if (text && version.format !== "csv" && version.format !== "jsonl") throw invalid("datasetVersionId", `${label} is ${version.format}: a text task reads a CSV or JSON Lines file`);
  if (!text && version.format !== "zip") throw invalid("datasetVersionId", `${label} is ${version.format}: an image task reads a zip of images`);
  const profile = jsonValue<DatasetProfile | null>(version.profile, null);
  if (text && profile?.kind === "table" && !profile.columns.some((c) => c.name === input.textField)) {
    throw invalid("textField", `${label} has no column ${input.textField} (it has ${profile.columns.map((c) => c.name).join(", ")})`);
  }
  if (await db.labelingJob.findUnique({ where: { projectId_name: { projectId, name: input.name } }, select: { id: true } })) throw invalid("name", `the project already has a labeling job named ${input.name}`);
  const members = await db.projectMember.findMany({ where: { projectId, userId: { in: input.workerIds } }, select: { userId: true, role: true } });
  for (const [i, id] of input.workerIds.entries()) {
    const member = members.find((m) => m.userId === id);
    if (!member) throw invalid(`workerIds.${i}`, "is not a member of this project");
    if (!can(member.role as Role, "labeling:work")) throw invalid(`workerIds.${i}`, `is a ${member.role} of this project, who cannot label`);
  }
  const auto = input.autoLabeling;
  if (auto?.hostId && !(await db.computeHost.findUnique({ where: { id: auto.hostId }, select: { id: true } }))) throw invalid("autoLabeling.hostId", "names no compute host");
  const row = await db.labelingJob.create({
    data: {
      ...(auto ? { autoLabel: auto.enabled, autoLabelTargetAccuracy: auto.targetAccuracy, autoLabelMinHumanLabels: auto.minHumanLabels, autoLabelRetrainGrowth: auto.retrainGrowth, autoLabelHostId: auto.hostId ?? null } : {}),
      projectId,
      name: input.name,
      taskType: input.taskType,
      datasetVersionId: version.id,
      textField: text ? (input.textField ?? null) : null,
      labelAttributeName: input.labelAttributeName ?? input.name,
      labels: JSON.stringify(input.labels),
      instructions: input.instructions,
      examples: JSON.stringify(input.examples),
      workersPerItem: input.workersPerItem ?? defaultWorkersPerItem(input.taskType),
      taskTimeLimitSeconds: input.taskTimeLimitSeconds ?? defaultTaskTimeLimitSeconds(input.taskType),
      ...(input.reviewThreshold !== undefined ? { reviewThreshold: input.reviewThreshold } : {}),
      createdById: actor.id,
      statusReason: "Reading the dataset into items.",
      workers: { create: [...new Set(input.workerIds)].map((userId) => ({ userId })) },
    },
    include: jobInclude,
  });
  const [view] = await toViews(db, [row]);
  return view;
}

/** A job the caller may see: its project's managers and viewers, and its own labelers. */
export async function getLabelingJob(db: Db, jobId: string, principal: Principal): Promise<LabelingJobView> {
  const row = await loadRow(db, jobId);
  if (!row) throw new AppError("not_found", "No labeling job with that id.");
  if (!row.workers.some((w) => w.userId === principal.id)) await requireProjectPermission(db, row.projectId, principal, "labeling:read").catch(() => {
    throw new AppError("not_found", "No labeling job with that id.");
  });
  const [view] = await toViews(db, [row]);
  return view;
}

/** Jobs in the caller's projects (managers and viewers) and the jobs they label, newest first. */
export async function listLabelingJobs(db: Db, principal: Principal, query: { projectId?: string; mine?: boolean }): Promise<LabelingJobView[]> {
  const projectIds = query.mine ? [] : await projectIdsWhere(db, principal, "labeling:read");
  const rows = await db.labelingJob.findMany({
    where: {
      ...(query.projectId ? { projectId: query.projectId } : {}),
      OR: [{ workers: { some: { userId: principal.id } } }, ...(projectIds === undefined ? [{}] : projectIds.length ? [{ projectId: { in: projectIds } }] : [])],
    },
    include: jobInclude,
    orderBy: { createdAt: "desc" },
    take: 500,
  });
  return toViews(db, rows);
}

/** A manager's job (labeling:manage in its project), for stopping and exporting. */
export async function jobForManager(db: Db, jobId: string, principal: Principal) {
  const row = await db.labelingJob.findUnique({ where: { id: jobId }, select: { id: true, projectId: true, name: true, status: true } });
  if (!row) throw new AppError("not_found", "No labeling job with that id.");
  await requireProjectPermission(db, row.projectId, principal, "labeling:manage");
  return row;
}

/** Stops a job: its queue closes (claims in flight may still submit until their lease ends). */
export async function stopLabelingJob(db: Db, jobId: string, principal: Principal): Promise<LabelingJobView> {
  const row = await jobForManager(db, jobId, principal);
  if (row.status === "completed" || row.status === "stopped") throw new AppError("conflict", `Labeling job ${row.name} is already ${row.status}.`);
  await db.labelingJob.update({ where: { id: jobId }, data: { status: "stopped", statusReason: "Stopped by a manager." } });
  return getLabelingJob(db, jobId, principal);
}

/** A consolidated label in words: class names, each box with where it is, each entity with its words. */
function labelNames(label: ConsolidatedLabel, name: (i: number) => string, text: string): string[] {
  if ("boxes" in label) return label.boxes.map((b) => `${name(b.classId)} (${b.left}, ${b.top}, ${b.width} × ${b.height})`);
  if ("spans" in label) return label.spans.map((s) => `${name(s.label)}: ${text.slice(s.start, s.end)}`);
  return ("labels" in label ? label.labels : [label.label]).map(name);
}

/** A page of the job's items in queue order (after `after`), with their consolidated labels. */
export async function listJobItems(db: Db, jobId: string, principal: Principal, query: { after?: number; limit: number; status?: string }): Promise<LabelingItemView[]> {
  const job = await getLabelingJob(db, jobId, principal);
  const rows = await db.labelingItem.findMany({
    where: { jobId, ...(query.after !== undefined ? { seq: { gt: query.after } } : {}), ...(query.status ? { status: query.status } : {}) },
    orderBy: { seq: "asc" },
    take: query.limit,
    select: { id: true, seq: true, text: true, sourceRef: true, status: true, submitted: true, label: true, confidence: true, humanAnnotated: true, unreadableReason: true, reviewStatus: true },
  });
  const name = (i: number) => job.labels[i]?.name ?? String(i);
  return rows.map((r) => {
    const label = r.label ? (JSON.parse(r.label) as ConsolidatedLabel) : null;
    return {
      id: r.id,
      seq: r.seq,
      text: r.text === null ? null : r.text.slice(0, 500),
      sourceRef: r.sourceRef,
      status: r.status,
      submitted: r.submitted,
      labels: label ? labelNames(label, name, r.text ?? "") : null,
      majority: label && "majority" in label && label.majority && !("machine" in label && label.machine) ? ("labels" in label.majority ? label.majority.labels : [label.majority.label]).map(name) : null,
      confidence: r.confidence,
      humanAnnotated: r.humanAnnotated,
      unreadableReason: r.unreadableReason,
      review: r.reviewStatus as LabelingItemView["review"],
    };
  });
}
